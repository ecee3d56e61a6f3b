"""Every change to who may do what, and to the rules the figures depend on, leaves an audit row.

Two walks: the admin's change forms of the configuration models (posted back as the browser would
send them, from the page's own HTML, with one realistic change), and the pages outside the admin that
change access or the figures' inputs (password, calendar-feed address, import confirmation, the first
opening of a survey link). Each case posts a valid body, checks that the change happened, and fails
when it left no row in the trail shown at /audit/.
"""

from __future__ import annotations

import datetime
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import Client, TestCase
from django.urls import reverse

from accounts.models import Team, User
from complaints.models import CalendarDay, ComplaintCategory, EscalationRule, SlaPolicy
from core.admin_audit import AuditedModelAdmin
from core.models import AuditEvent
from customers.models import ImportBatch
from tests.factories import SegmentFactory, UserFactory
from tests.surveys.factories import customers_with_contacts, running_campaign, token_of

pytestmark = pytest.mark.django_db


class _FormValues(HTMLParser):
    """The values a browser would submit from the form with id `form_id` (no JavaScript)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.select, self.textarea = form_id, False, None, None
        self.data: dict[str, list[str]] = {}

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a["name"], a.get("value", "on"))
                return
            self._add(a["name"], a.get("value", ""))
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            self.data.setdefault(self.select, [])
        elif tag == "option" and self.select and "selected" in a:
            self._add(self.select, a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            self._add(self.textarea, "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data.strip("\n")


def form_values(client: Client, url: str, form_id: str) -> dict[str, list[str]]:
    page = client.get(url)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    parser = _FormValues(form_id)
    parser.feed(page.content.decode())
    assert parser.data, f"{url}: no form #{form_id}"
    return parser.data


def trail_of(instance) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_object(instance).order_by("pk"))


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.com", "pass-Word-123")


@pytest.fixture
def root_client(root):
    client = Client()
    client.force_login(root)
    return client


# -- the admin -----------------------------------------------------------------------------------------

# Configuration models and their admin: who may do what (users, roles, teams) and the rules that
# complaint figures depend on (SLA, calendar, escalation, categories).
AUDITED_ADMIN_MODELS = {User, Group, Team, SlaPolicy, CalendarDay, EscalationRule, ComplaintCategory}


def test_every_configuration_model_in_the_admin_is_audited():
    for model in AUDITED_ADMIN_MODELS:
        assert isinstance(admin.site._registry[model], AuditedModelAdmin), model


def _change(client, obj, change: dict[str, list[str]]) -> None:
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    data = {**form_values(client, url, f"{opts.model_name}_form"), **change, "_save": ["Save"]}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def test_granting_a_role_and_superuser_status_in_the_admin_is_audited(root_client, root):
    user = UserFactory(username="promoted", role="staff")
    manager = Group.objects.get(name="manager")
    staff = Group.objects.get(name="staff")

    _change(root_client, user, {"groups": [str(staff.pk), str(manager.pk)], "is_superuser": ["on"], "is_staff": ["on"]})

    user.refresh_from_db()
    assert user.is_superuser and user.has_role("manager")
    (event,) = trail_of(user)
    assert event.actor == root and event.action == AuditEvent.Action.UPDATE
    assert event.changes["groups"] == [["staff"], ["manager", "staff"]]
    assert event.changes["is_superuser"] == [False, True] and event.changes["is_staff"] == [False, True]
    assert "password" not in event.changes


def test_a_new_user_made_in_the_admin_is_audited_without_the_password(root_client, root):
    url = reverse("admin:accounts_user_add")
    data = {
        **form_values(root_client, url, "user_form"),
        "username": ["newcomer"],
        "password1": ["a-Long-pass-phrase-9"],
        "password2": ["a-Long-pass-phrase-9"],
        "usable_password": ["true"],
        "_save": ["Save"],
    }

    response = root_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    (event,) = trail_of(User.objects.get(username="newcomer"))
    assert event.action == AuditEvent.Action.CREATE and event.actor == root
    assert event.changes["username"] == [None, "newcomer"] and "password" not in event.changes


def test_a_password_set_in_the_admin_is_audited(root_client, root):
    user = UserFactory(username="forgetful", role="staff")
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    response = root_client.post(
        url, {"password1": "a-Long-pass-phrase-9", "password2": "a-Long-pass-phrase-9", "usable_password": "true"}
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.check_password("a-Long-pass-phrase-9")
    (event,) = trail_of(user)
    assert event.actor == root and set(event.changes) == {"password"}


def test_a_roles_permissions_changed_in_the_admin_are_audited(root_client, root):
    auditor = Group.objects.get(name="auditor")
    extra = Permission.objects.get(codename="change_customer", content_type__app_label="customers")
    current = [str(pk) for pk in auditor.permissions.values_list("pk", flat=True)]

    _change(root_client, auditor, {"permissions": [*current, str(extra.pk)]})

    assert auditor.permissions.filter(pk=extra.pk).exists()
    (event,) = trail_of(auditor)
    before, after = event.changes["permissions"]
    assert set(after) - set(before) == {str(extra)}


def test_team_membership_added_in_the_admin_is_audited(root_client, root):
    member = UserFactory(username="member", role="staff")
    url = reverse("admin:accounts_team_add")

    response = root_client.post(url, {"name": "East sales", "members": [str(member.pk)], "_save": "Save"})

    assert response.status_code == 302
    (event,) = trail_of(Team.objects.get(name="East sales"))
    assert event.action == AuditEvent.Action.CREATE and event.changes["members"] == [None, ["member"]]


def test_sla_policy_escalation_rule_and_category_edits_in_the_admin_are_audited(root_client, root):
    policy = SlaPolicy.objects.order_by("pk").first()
    rule = EscalationRule.objects.order_by("pk").first()
    category = ComplaintCategory.objects.order_by("pk").first()

    _change(root_client, policy, {"resolve_days": [str(policy.resolve_days + 3)]})
    _change(root_client, rule, {"offset_minutes": [str(rule.offset_minutes + 30)]})
    _change(root_client, category, {"name_zh": ["改过的类别"]})

    assert trail_of(policy)[-1].changes["resolve_days"] == [policy.resolve_days, policy.resolve_days + 3]
    assert trail_of(rule)[-1].changes["offset_minutes"] == [rule.offset_minutes, rule.offset_minutes + 30]
    assert trail_of(category)[-1].changes["name_zh"] == [category.name_zh, "改过的类别"]
    assert {e.actor for e in (trail_of(policy) + trail_of(rule) + trail_of(category))} == {root}


def test_holiday_calendar_days_added_and_deleted_in_the_admin_are_audited(root_client, root):
    add = reverse("admin:complaints_calendarday_add")
    data = {
        **form_values(root_client, add, "calendarday_form"),
        "date": ["2031-10-01"],
        "kind": [CalendarDay.Kind.values[0]],
        "name": ["国庆节"],
    }

    assert root_client.post(add, {**data, "_save": ["Save"]}).status_code == 302
    day = CalendarDay.objects.get(date=datetime.date(2031, 10, 1))
    day_pk = day.pk
    delete = reverse("admin:complaints_calendarday_delete", args=[day_pk])
    assert root_client.post(delete, {"post": "yes"}).status_code == 302

    events = AuditEvent.objects.filter(object_id=str(day_pk), content_type__model="calendarday").order_by("pk")
    assert [e.action for e in events] == [AuditEvent.Action.CREATE, AuditEvent.Action.DELETE]
    assert events[0].changes["name"] == [None, "国庆节"] and events[1].changes["name"] == ["国庆节", None]


def test_deleting_configuration_from_the_changelist_is_audited_row_by_row(root_client):
    days = [CalendarDay.objects.create(date=datetime.date(2032, 1, d), kind=CalendarDay.Kind.values[0]) for d in (1, 2)]

    response = root_client.post(
        reverse("admin:complaints_calendarday_changelist"),
        {"action": "delete_selected", "_selected_action": [d.pk for d in days], "post": "yes"},
    )

    assert response.status_code == 302
    assert not CalendarDay.objects.filter(pk__in=[d.pk for d in days]).exists()
    deleted = AuditEvent.objects.filter(content_type__model="calendarday", action=AuditEvent.Action.DELETE)
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted(str(d.pk) for d in days)


# -- pages outside the admin ---------------------------------------------------------------------------


def test_changing_ones_own_password_is_audited(staff_user):
    client = Client()
    client.force_login(staff_user)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "pass-Word-123",
            "new_password1": "another-Long-pass-7",
            "new_password2": "another-Long-pass-7",
        },
    )

    assert response.status_code == 302
    (event,) = trail_of(staff_user)
    assert event.actor == staff_user and set(event.changes) == {"password"}
    assert "pbkdf2" not in str(event.changes) and "another-Long" not in str(event.changes)


def test_a_refused_password_change_writes_nothing(staff_user):
    client = Client()
    client.force_login(staff_user)

    client.post(
        reverse("accounts:password_change"), {"old_password": "wrong", "new_password1": "x", "new_password2": "x"}
    )

    assert trail_of(staff_user) == []


def test_renewing_the_calendar_feed_address_is_audited_without_the_address(staff_client, staff_user):
    staff_client.post(reverse("visits:feed"))
    page = staff_client.post(reverse("visits:feed")).content.decode()

    feed = staff_user.calendar_feed
    events = trail_of(feed)
    assert [e.action for e in events] == [AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE]
    assert all(e.actor == staff_user for e in events)
    assert feed.token_hash not in str([e.changes for e in events]) and ".ics" in page


def test_confirming_an_import_is_audited(manager_client, manager_user):
    batch = ImportBatch.objects.create(
        uploaded_by=manager_user,
        original_name="customers.csv",
        stored_path="imports/none.csv",
        file_format="csv",
        status=ImportBatch.Status.PREVIEWED,
    )

    manager_client.post(reverse("customers:import_detail", args=[batch.pk]))
    manager_client.post(reverse("customers:import_detail", args=[batch.pk]))  # a double click

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.QUEUED
    (event,) = trail_of(batch)
    assert event.actor == manager_user and event.changes == {"status": ["previewed", "queued"]}


def test_reading_an_import_in_another_encoding_is_audited(manager_client, manager_user):
    batch = ImportBatch.objects.create(
        uploaded_by=manager_user,
        original_name="customers.csv",
        stored_path="imports/none.csv",
        file_format="csv",
        encoding="utf-8-sig",
        other_encodings=["gb18030"],
        status=ImportBatch.Status.PREVIEWED,
    )
    url = reverse("customers:import_encoding", args=[batch.pk])

    with TestCase.captureOnCommitCallbacks(execute=False):  # the check itself is the worker's
        manager_client.post(url, {"encoding": "gb18030"})
        manager_client.post(url, {"encoding": "gb18030"})  # a double click

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKING and batch.encoding == "gb18030"
    (event,) = trail_of(batch)
    assert event.actor == manager_user
    assert event.changes == {"encoding": ["utf-8-sig", "gb18030"], "status": ["previewed", "checking"]}


def test_the_first_opening_of_a_survey_link_is_audited_once(client, manager_user):
    customers_with_contacts(1, tier="key")
    campaign = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"}))
    invitation = campaign.invitations.get()
    url = reverse("surveys:answer", args=[token_of(invitation)])

    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200

    invitation.refresh_from_db()
    assert invitation.status == invitation.Status.OPENED
    (event,) = [e for e in trail_of(invitation) if e.changes.get("status", [None, None])[1] == "opened"]
    assert event.actor is None and event.actor_name == "system"


def test_issuing_and_revoking_api_tokens_is_audited_without_the_token(staff_user):
    session = Client()
    session.force_login(staff_user)

    token = session.post(reverse("api:token_create")).json()["token"]
    session.post(reverse("api:token_create"))
    revoked = Client(HTTP_AUTHORIZATION=f"Token {token}").post(reverse("api:token_revoke"))
    session.post(reverse("api:token_revoke_all"))

    assert revoked.status_code == 204 and not staff_user.auth_token_set.exists()
    events = trail_of(staff_user)
    assert [e.action for e in events] == [AuditEvent.Action.CREATE] * 2 + [AuditEvent.Action.DELETE] * 2
    assert all(e.actor == staff_user for e in events)
    assert token[:8] not in str([(e.changes, e.comment, e.object_repr) for e in events])
