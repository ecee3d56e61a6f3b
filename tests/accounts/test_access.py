"""Every route makes an access decision, and auditors read everything and change nothing.

The tests walk the whole URLconf (includes, the API router, the admin), so a route added without an
access decision, or one that lets an auditor write, fails here without anyone writing a new test.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.urls.resolvers import RoutePattern
from django.views import View
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from accounts.access import PermissionMixin, authenticated, permission, public
from complaints.models import ComplaintAttachment
from core.api.permissions import RolePermission
from core.models import AuditEvent
from customers.models import ImportBatch
from evidence.models import ChainVerification, EvidencePack, ManagementReview, MeasurementReview
from feedback.models import BenchmarkScore, FeedbackRecord
from surveys.models import MeasurementPlan
from tests.complaints.factories import ComplaintFactory, CorrectiveActionFactory
from tests.factories import ContactFactory, CustomerFactory, SegmentFactory
from tests.surveys.factories import customers_with_contacts, full_answers, general_version, running_campaign, submit

pytestmark = pytest.mark.django_db

# -- the walk ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str | None
    callback: Any
    params: tuple[str, ...]
    namespaces: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return "admin" in self.namespaces

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    def __str__(self) -> str:
        return f"{self.name or '<unnamed>'} ({self.pattern})"


def _params(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):  # path()
        return tuple(pattern.converters)
    return tuple(pattern.regex.groupindex)  # re_path(), the DRF router


def walk(patterns, prefix: str = "", namespaces: tuple[str, ...] = (), params: tuple[str, ...] = ()):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner, params + _params(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else None
            yield Route(prefix + str(entry.pattern), name, entry.callback, params + _params(entry.pattern), namespaces)


def access_decision(callback) -> str | None:
    """The decision a route's view declares, or None when it declares none."""
    declared = getattr(callback, "csm_access", None)
    if declared:
        return declared[0] if isinstance(declared, tuple) else declared
    view_class = getattr(callback, "view_class", None)
    if view_class is not None and issubclass(view_class, PermissionMixin):
        return "permission"
    api_class = getattr(callback, "cls", None)
    if api_class is not None and issubclass(api_class, APIView):
        if any(issubclass(p, RolePermission) for p in api_class.permission_classes):
            return "api"
    return None


ALL_ROUTES = list(walk(get_resolver().url_patterns))
OUR_ROUTES = [r for r in ALL_ROUTES if not r.is_admin]
ADMIN_ROUTES = [r for r in ALL_ROUTES if r.is_admin]
PUBLIC_ROUTES = [r for r in OUR_ROUTES if access_decision(r.callback) == "public"]

# Writes an auditor may make: they concern the auditor's own session, never business data.
# (accounts.middleware.AUDITOR_ALLOWED_WRITES; password change is tested with an invalid form.)
AUDITOR_OWN_SESSION_WRITES = {
    "accounts:login",
    "accounts:logout",
    "accounts:password_change",
    "set_language",
    "api:token_create",
    "api:token_revoke",
    "api:token_revoke_all",
}
# Requests an auditor may make (accounts.access.request_permission): asking for an evidence pack or a
# verification of the audit chain records the request and changes no business record. The walk's junk post is an invalid request (no
# period), refused with 400 and nothing written; tests/evidence shows a valid one.
AUDITOR_REQUESTS = {"evidence:pack_create", "evidence:chain_verification_start"}


def test_the_walk_sees_pages_api_routes_and_the_admin():
    names = {r.name for r in ALL_ROUTES}
    assert {
        "customers:list",
        "customers:detail",
        "api:customer-list",
        "api:segment-customers",
        "schema",
        "healthz",
        "admin:index",
        "admin:core_auditevent_changelist",
    } <= names


@pytest.mark.parametrize("route", OUR_ROUTES, ids=str)
def test_every_route_makes_an_access_decision(route):
    assert route.name, f"{route}: name the route so the access tests can reverse it"
    assert access_decision(route.callback) in {"public", "authenticated", "permission", "api"}, (
        f"{route} has no access decision: decorate it with accounts.access.public/authenticated/permission, "
        "use PermissionMixin, or (DRF) core.api.permissions.RolePermission"
    )


def test_a_route_without_an_access_decision_is_detected():
    def plain(request):
        return None

    def make_view():
        def view(request):
            return None

        return view

    class PlainView(View):
        pass

    class OpenApi(APIView):
        permission_classes = [AllowAny]

    class Guarded(PermissionMixin, View):
        permission_read = "customers.view_customer"

    class GuardedApi(APIView):
        permission_classes = [RolePermission]

    patterns = [
        path("a/", plain, name="a"),
        path("b/", PlainView.as_view(), name="b"),
        path("c/", OpenApi.as_view(), name="c"),
        path("d/", public(make_view()), name="d"),
        path("e/", authenticated(make_view()), name="e"),
        path("f/", permission("customers.view_customer")(make_view()), name="f"),
        path("g/", Guarded.as_view(), name="g"),
        path("h/", GuardedApi.as_view(), name="h"),
    ]

    undecided = [r.name for r in walk(patterns) if access_decision(r.callback) is None]

    assert undecided == ["a", "b", "c"]


def test_only_the_health_check_login_language_switch_and_personal_links_are_public():
    # The personal-link pages carry their own credential, an unguessable token checked by hash:
    # visits:calendar_feed (calendar apps cannot log in), the survey answering pages and opt-out, and
    # the complaint status page. Adding a public route means adding it here, deliberately.
    assert {r.name for r in PUBLIC_ROUTES} == {
        "healthz",
        "accounts:login",
        "set_language",
        "visits:calendar_feed",
        "surveys:answer",
        "surveys:answer_save",
        "surveys:opt_out",
        "surveys:open_answer",
        "surveys:organisation_logo",  # the organisation's logo on the survey pages
        "complaints:status",
        "complaints:web_form",
    }


# -- realistic URLs ------------------------------------------------------------------------------------


@pytest.fixture
def world(staff_user, manager_user):
    customer = CustomerFactory(owner=staff_user, name="Walked Co")
    contact = ContactFactory(customer=customer)
    segment = SegmentFactory(created_by=staff_user, criteria={"tier": "general"})
    batch = ImportBatch.objects.create(
        uploaded_by=manager_user,
        original_name="customers.csv",
        stored_path="imports/none.csv",
        file_format="csv",
        status=ImportBatch.Status.PREVIEWED,
    )
    from tests.visits.factories import VisitFactory, VisitIssueFactory, VisitPlanFactory

    plan = VisitPlanFactory(segment=segment)
    visit = VisitFactory(customer=customer, plan=plan, assignee=staff_user)
    issue = VisitIssueFactory(visit=visit)
    complaint = ComplaintFactory(customer=customer)
    action = CorrectiveActionFactory(complaint=complaint, owner=staff_user)
    attachment = ComplaintAttachment.objects.create(
        complaint=complaint,
        original_name="photo.png",
        stored_path="complaints/walk-photo.png",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
        uploaded_by=staff_user,
    )
    (surveyed,) = customers_with_contacts(1, tier="general", owner=staff_user)
    campaign = running_campaign(manager_user, segment)
    response = submit(campaign.invitations.get(customer=surveyed), full_answers())
    version = general_version()
    survey_plan = MeasurementPlan.objects.create(
        name="Yearly measurement",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 12, 31),
        objective="Satisfaction rate >= 90%",
        owner=manager_user,
        seed=42,
    )
    return {
        "customer": customer,
        "contact": contact,
        "segment": segment,
        "import": batch,
        "plan": plan,
        "visit": visit,
        "issue": issue,
        "complaint": complaint,
        "action": action,
        "attachment": attachment,
        "campaign": campaign,
        "response": response,
        "questionnaire": version.questionnaire,
        "version": version,
        "question": version.questions.order_by("pk").first(),
        "survey_plan": survey_plan,
        "dimension": version.questions.exclude(dimension=None).first().dimension,
        "feedback": FeedbackRecord.objects.create(
            source="compliment",
            received_on=datetime.date(2026, 11, 2),
            customer=customer,
            sentiment="positive",
            summary="Walked compliment",
            recorded_by=staff_user,
        ),
        "measurement_review": MeasurementReview.objects.create(
            reviewed_on=datetime.date(2026, 6, 30),
            reviewed_by="Walked reviewer",
            scope="Methods",
            conclusion="Fit",
            recorded_by=manager_user,
        ),
        "management_review": ManagementReview.objects.create(
            held_on=datetime.date(2026, 6, 30),
            chair="Walked chair",
            participants="All",
            decisions="None",
            recorded_by=manager_user,
        ),
        "evidence_pack": EvidencePack.objects.create(
            requested_by=manager_user, parameters={"since": "2026-01-01", "until": "2026-03-31"}
        ),
        "chain_verification": ChainVerification.objects.create(requested_by=manager_user),
        "benchmark": BenchmarkScore.objects.create(
            competitor="Walked rival",
            period_end=datetime.date(2026, 6, 30),
            score=80,
            source="s",
            entered_by=manager_user,
        ),
        **_reports_world(),
    }


def _reports_world() -> dict:
    import datetime

    from django.utils import timezone

    from reports.models import ObjectiveResult, QualityObjective

    objective = QualityObjective.objects.create(name_en="Product pass rate", metric="manual", target=95)
    result = ObjectiveResult.objects.create(
        objective=objective,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 1, 31),
        status="no_data",
        computed_at=timezone.now(),
    )
    from reports.models import AnalysisReport, ReportSchedule

    analysis_report = AnalysisReport.objects.create(
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 1, 31),
        period_label="2026-01",
        language="en",
    )
    schedule = ReportSchedule.objects.create(name="Monthly", recipients="quality@example.com")
    return {
        "objective": objective,
        "objective_result": result,
        "analysis_report": analysis_report,
        "report_schedule": schedule,
    }


# Routes whose pk is not the record their name starts with, and the apps whose nouns overlap
# (a survey plan is not a visit plan): the first matching prefix wins.
PK_BY_PREFIX = (
    ("complaints:action_create", "complaint"),
    ("complaints:attachment", "complaint"),  # complaints/<pk>/attachments/<attachment_pk>/
    ("complaints:action", "action"),
    ("complaints:customer_choose", "customer"),
    ("complaints:", "complaint"),
    ("api:complaint-action", "action"),
    ("api:complaint", "complaint"),
    ("surveys:campaign", "campaign"),
    ("surveys:response", "response"),
    ("surveys:questionnaire", "questionnaire"),
    ("surveys:version", "version"),
    ("surveys:question_add", "version"),  # versions/<pk>/questions/new/
    ("surveys:question", "question"),
    ("surveys:plan", "survey_plan"),
    ("surveys:dimension", "dimension"),
    ("api:questionnaire", "questionnaire"),
    ("api:surveycampaign", "campaign"),
    ("api:surveyresponse", "response"),
    ("feedback:benchmark", "benchmark"),
    ("feedback:", "feedback"),
    ("api:qualityobjective", "objective"),
    ("reports:objective", "objective"),
    ("api:objectiveresult", "objective_result"),
    ("evidence:measurement_review", "measurement_review"),
    ("evidence:management_review", "management_review"),
    ("evidence:pack", "evidence_pack"),
    ("evidence:chain_verification", "chain_verification"),
    ("reports:analysis_schedule", "report_schedule"),
    ("reports:analysis", "analysis_report"),
)


def _pk_for(route: Route, world) -> int:
    for prefix, noun in PK_BY_PREFIX:
        if route.name.startswith(prefix):
            return world[noun].pk
    # The most specific noun first: "customers:contact_update" is about a contact.
    for noun in ("contact", "segment", "import", "issue", "plan", "customer", "visit"):
        if noun in route.name:
            return world[noun].pk
    pytest.fail(f"{route}: teach test_access which record its pk is")


def url_of(route: Route, world) -> str:
    values = {}
    for param in route.params:
        if param == "pk":
            values[param] = _pk_for(route, world)
        elif param == "register":
            values[param] = "complaints"
        elif param == "file_format":
            values[param] = "csv"
        elif param == "format":
            values[param] = "json"
        elif param == "attachment_pk":
            values[param] = world["attachment"].pk
        elif param == "token":
            values[param] = "not-a-real-token"
        elif param == "version":  # surveys:organisation_logo
            values[param] = "0"
        elif param == "key":  # reports:dashboard_chart: one of the dashboard's charts
            from reports.dashboard import CHARTS

            values[param] = sorted(CHARTS)[0]
        else:
            pytest.fail(f"{route}: teach test_access a realistic value for <{param}>")
    return reverse(route.name, kwargs=values)


BUSINESS_APPS = (
    "customers",
    "core",
    "accounts",
    "auth",
    "admin",
    "visits",
    "complaints",
    "surveys",
    "feedback",
    "reports",
    "evidence",
)


def business_rows() -> dict[str, list[dict]]:
    """Every row of every business table (the audit trail included), to prove nothing changed."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in BUSINESS_APPS and not model._meta.proxy:
            values = list(model._default_manager.order_by("pk").values())
            for row in values:
                row.pop("last_login", None)  # logging the test client in is not a business change
            rows[model._meta.label] = values
    return rows


def _send(client: Client, method: str, url: str):
    body = json.dumps({"name": "Written by an auditor", "to_state": "lost", "reason": "x"})
    if method == "POST":
        return client.post(url, {"name": "Written by an auditor", "to_state": "lost", "reason": "x", "code": "AUD-1"})
    return client.generic(method, url, body, content_type="application/json")


def _login_url() -> str:
    return reverse(settings.LOGIN_URL)


# -- anonymous -----------------------------------------------------------------------------------------
# The walks below loop inside one test (collecting every failure) rather than one test per route:
# the shared fixtures are built once, and the whole file stays fast.


def test_anonymous_users_are_sent_to_login_or_refused_on_every_route(client, world):
    before = business_rows()
    failures = []

    for route in OUR_ROUTES:
        if route in PUBLIC_ROUTES:
            continue
        url = url_of(route, world)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            response = _send(client, method, url) if method != "GET" else client.get(url)
            if route.is_api:
                if response.status_code not in (401, 403):
                    failures.append(f"{method} {url}: {response.status_code}, expected 401/403")
            elif response.status_code != 302 or not response["Location"].startswith(_login_url() + "?next="):
                failures.append(f"{method} {url}: {response.status_code}, expected a redirect to the login page")

    assert failures == []
    assert business_rows() == before


def test_public_routes_answer_anonymous_users_without_a_login(client):
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("accounts:login")).status_code == 200
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


# -- auditors: read everything, change nothing ---------------------------------------------------------


@pytest.fixture(params=["with-read-only-middleware", "views-alone"])
def guard(request, settings):
    """Each view must refuse auditors by itself too, not only thanks to the global middleware."""
    if request.param == "views-alone":
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "accounts.middleware.AuditorReadOnlyMiddleware"]
    return request.param


def test_auditor_cannot_write_through_any_route(auditor_user, world, guard):
    client = Client()
    client.force_login(auditor_user)
    before = business_rows()
    failures = []

    for route in OUR_ROUTES:
        url = url_of(route, world)
        for method in ("POST", "PUT", "PATCH", "DELETE") if route.is_api else ("POST",):
            response = _send(client, method, url)
            if route.name in AUDITOR_OWN_SESSION_WRITES:
                allowed = (200, 204, 302, 401, 403, 405)
                client.force_login(auditor_user)  # logout may have ended the session
            elif route.name in AUDITOR_REQUESTS:
                allowed = (400,)
            elif route in PUBLIC_ROUTES:
                # Anyone may post there (a personal link's token is the credential, the web form is
                # open to all): what matters is that this junk post changed nothing, checked below.
                allowed = (200, 302, 400, 403, 404, 405, 429)
            else:
                allowed = (403, 405)
            if response.status_code not in allowed:
                failures.append(f"{method} {url}: {response.status_code}")
            elif route.pattern.startswith("api/v1/") and response.status_code == 403:
                if set(response.json()) != {"message", "extra"}:
                    failures.append(f"{method} {url}: 403 without the API's error shape")
        after = business_rows()
        if route.name in AUDITOR_OWN_SESSION_WRITES:
            # Their own session's writes are audited (a token issued or revoked, a password changed):
            # new audit rows about the auditor themselves, and nothing else, may appear.
            new_events = after["core.AuditEvent"][len(before["core.AuditEvent"]) :]
            if any(e["actor_id"] != auditor_user.pk or e["object_id"] != str(auditor_user.pk) for e in new_events):
                failures.append(f"{route}: audit rows about something other than the auditor's own account")
            before = {**before, "core.AuditEvent": after["core.AuditEvent"]}
        if after != before:
            failures.append(f"{route}: business rows changed")
            before = after

    assert failures == []


READ_ROUTES = [
    "reports:home",
    "reports:analysis_list",
    "reports:analysis_detail",
    "reports:analysis_schedule_list",
    "reports:analysis_schedule_update",
    "customers:list",
    "customers:detail",
    "customers:segment_list",
    "customers:segment_detail",
    "customers:segment_preview",
    "customers:export",
    "audit:audit_list",
    "audit:audit_export",
    "api:api-root",
    "api:customer-list",
    "api:customer-detail",
    "api:contact-list",
    "api:contact-detail",
    "api:segment-list",
    "api:segment-detail",
    "api:segment-customers",
    "schema",
    "api_docs",
    "api_redoc",
]


@pytest.mark.parametrize("name", READ_ROUTES)
def test_auditor_can_read_lists_details_and_the_api(auditor_client, world, name):
    (route,) = [r for r in OUR_ROUTES if r.name == name and "format" not in r.params]

    response = auditor_client.get(url_of(route, world))

    assert response.status_code == 200, f"{route}: {response.status_code}"


def test_no_route_fails_when_an_auditor_opens_it(auditor_client, world):
    failures = []
    for route in OUR_ROUTES:
        url = url_of(route, world)
        status = auditor_client.get(url).status_code
        if status >= 500:
            failures.append(f"GET {url}: {status}")

    assert failures == []


def test_auditor_sees_no_write_actions_on_the_customer_page(auditor_client, world):
    customer = world["customer"]

    response = auditor_client.get(customer.get_absolute_url())

    page = response.content.decode()
    assert reverse("customers:update", args=[customer.pk]) not in page
    assert reverse("customers:delete", args=[customer.pk]) not in page
    assert reverse("customers:lifecycle", args=[customer.pk]) not in page


# -- the admin -----------------------------------------------------------------------------------------


@pytest.fixture
def admin_world(world, staff_user):
    event = AuditEvent.objects.create(
        actor=staff_user,
        actor_name="staff1",
        action="update",
        object_repr=str(world["customer"]),
        object_id=str(world["customer"].pk),
        content_type_id=_content_type_id(world["customer"]),
    )
    return {**world, "event": event}


def _content_type_id(instance) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(instance).pk


def admin_url_of(route: Route, admin_world, staff_user) -> str:
    """The admin's routes include unnamed ones (redirects, the catch-all): fill the pattern itself."""
    values: dict[str, Any] = {}
    for param in route.params:
        if param == "app_label":
            values[param] = "core"
        elif param == "object_id":
            values[param] = admin_world["event"].pk if "auditevent" in route.pattern else staff_user.pk
        elif param == "id":
            values[param] = staff_user.pk
        elif param == "content_type_id":
            values[param] = _content_type_id(admin_world["customer"])
        elif param == "url":
            values[param] = "nowhere/"
        else:
            values[param] = "1"
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route.pattern)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), url)
    return "/" + url.replace("^", "").replace("$", "")


def test_the_admin_walk_covers_the_audit_trail_and_users():
    names = {r.name for r in ADMIN_ROUTES}
    assert {"admin:index", "admin:login", "admin:core_auditevent_change", "admin:accounts_user_delete"} <= names


# Admin pages an auditor may open and get an answer from, without any admin access.
ADMIN_OPEN_PAGES = {"admin:login", "admin:logout", "admin:jsi18n"}


def test_auditor_cannot_use_the_admin(auditor_user, staff_user, admin_world, guard):
    client = Client()
    client.force_login(auditor_user)
    before = business_rows()
    admin_login = reverse("admin:login")
    failures = []

    for route in ADMIN_ROUTES:
        url = admin_url_of(route, admin_world, staff_user)
        for method in ("GET", "POST"):
            data = {"username": "auditor1", "password": "pass-Word-123", "actor_name": "rewritten"}
            response = client.get(url) if method == "GET" else client.post(url, data)
            status = response.status_code
            sent_to_admin_login = status == 302 and response["Location"].startswith(admin_login)
            if route.name in ADMIN_OPEN_PAGES:
                ok = status in (200, 302, 403, 405)
            else:
                ok = sent_to_admin_login or status in (403, 404, 405)
            if not ok:
                failures.append(f"{method} {url}: {status} {response.get('Location', '')}")
            client.force_login(auditor_user)

    assert failures == []
    assert business_rows() == before
    assert client.get(reverse("admin:index"))["Location"].startswith(admin_login)


def test_auditor_cannot_log_into_the_admin_with_the_right_password(client, auditor_user):
    response = client.post(
        reverse("admin:login"), {"username": "auditor1", "password": "pass-Word-123", "next": "/admin/"}
    )

    assert response.status_code == 200  # the form again, with "staff account" in the error
    assert client.get(reverse("admin:index")).status_code == 302


def test_admin_role_can_use_the_admin(admin_client_role):
    assert admin_client_role.get(reverse("admin:index")).status_code == 200
    assert admin_client_role.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert admin_client_role.get(reverse("admin:core_auditevent_changelist")).status_code == 200


def test_the_audit_trail_admin_allows_no_add_change_or_delete(admin_world, staff_user):
    superuser = type(staff_user).objects.create_superuser("root", "root@example.com", "pass-Word-123")
    client = Client()
    client.force_login(superuser)
    event = admin_world["event"]
    model_admin = admin.site._registry[AuditEvent]
    request = RequestFactory().get("/admin/")
    request.user = superuser

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert client.get(reverse("admin:core_auditevent_add")).status_code == 403
    assert (
        client.post(reverse("admin:core_auditevent_change", args=[event.pk]), {"actor_name": "rewritten"}).status_code
        == 403
    )
    assert client.post(reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:core_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302, 403)
    assert AuditEvent.objects.get(pk=event.pk).actor_name == "staff1"
