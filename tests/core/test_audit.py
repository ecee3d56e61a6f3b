"""The audit trail is append-only in the application AND in the database, and shows on record pages."""

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from core import append_only
from core.audit import audit_record, diff, snapshot
from core.models import AuditEvent
from customers import services
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(staff_user):
    customer = CustomerFactory(name="Audited Co")
    return audit_record(
        actor=staff_user,
        action=AuditEvent.Action.UPDATE,
        instance=customer,
        changes={"name": ["Before Co", "Audited Co"]},
    )


@pytest.fixture
def audit_triggers():
    """Every append-only trigger (core.append_only), as production has them.

    The test settings leave out the one the test runner's flush would trip (SQLite's DELETE
    trigger, PostgreSQL's TRUNCATE trigger); this installs it inside the test's transaction, which
    rolls it back.
    """
    append_only.install(connection, "core_auditevent", complete=True)


def _unchanged(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.changes == {"name": ["Before Co", "Audited Co"]}
    assert stored.object_repr == event.object_repr


def test_saving_an_existing_audit_event_is_refused(event):
    event.changes = {"name": ["Rewritten", "History"]}

    with pytest.raises(PermissionError):
        event.save()

    _unchanged(event)


def test_an_audit_event_loaded_from_the_database_cannot_be_saved_again(event):
    loaded = AuditEvent.objects.get(pk=event.pk)
    loaded.comment = "edited"

    with pytest.raises(PermissionError):
        loaded.save()
    assert AuditEvent.objects.get(pk=event.pk).comment == ""


def test_deleting_an_audit_event_is_refused(event):
    with pytest.raises(PermissionError):
        event.delete()

    _unchanged(event)


def test_queryset_update_of_the_audit_trail_is_refused(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(comment="edited")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(actor_name="nobody")

    _unchanged(event)


def test_queryset_delete_of_the_audit_trail_is_refused(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()

    _unchanged(event)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditevent SET comment = 'edited' WHERE id = %s",
        "UPDATE core_auditevent SET changes = '{}' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ],
    ids=["update-comment", "update-changes", "delete"],
)
def test_database_trigger_refuses_raw_sql_changes_to_the_audit_trail(audit_triggers, event, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])

    _unchanged(event)


def test_database_still_accepts_new_audit_events(event, staff_user):
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM core_auditevent")
        (before,) = cursor.fetchone()

    audit_record(actor=staff_user, action=AuditEvent.Action.CREATE, instance=CustomerFactory())

    assert AuditEvent.objects.count() == before + 1


def test_a_user_who_made_audited_changes_cannot_be_deleted_only_deactivated(user_of_role):
    leaver = user_of_role("staff", username="leaver")
    customer = services.customer_create(actor=leaver, data={"code": "LV-1", "name": "Left behind"})

    with pytest.raises(ProtectedError):
        leaver.delete()
    leaver.is_active = False
    leaver.save()

    event = AuditEvent.objects.for_object(customer).get()
    assert event.actor == leaver
    assert event.actor_name == "leaver"


def test_a_user_who_never_acted_can_be_deleted(user_of_role):
    user_of_role("staff", username="never-acted").delete()


def test_snapshot_and_diff_give_json_safe_before_after_pairs():
    customer = CustomerFactory(annual_volume="12.50", name="Snap")

    values = snapshot(customer)

    assert values["annual_volume"] == "12.50"
    assert values["name"] == "Snap"
    assert "created_at" not in values and "updated_at" not in values
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}


def test_request_origin_is_recorded_for_changes_made_through_a_page(manager_client, manager_user):
    customer = CustomerFactory(name="Web Co")

    manager_client.post(
        reverse("customers:lifecycle", args=[customer.pk]),
        {"to_state": "lost", "reason": "Closed plant", "reason_category": "business_closed"},
        REMOTE_ADDR="198.51.100.23",
        HTTP_USER_AGENT="Firefox/140",
    )

    event = AuditEvent.objects.for_object(customer).get(action=AuditEvent.Action.TRANSITION)
    assert event.ip_address == "198.51.100.23"
    assert event.user_agent == "Firefox/140"
    assert event.source == "web"
    assert event.actor == manager_user
    assert event.comment == "Closed plant"


def test_audit_rows_appear_on_the_customer_detail_page(auditor_client, staff_user):
    customer = services.customer_create(
        actor=staff_user, data={"code": "TL-1", "name": "Timeline Co", "owner": staff_user}
    )
    services.customer_update(actor=staff_user, customer=customer, data={"phone": "021-8888-6666"})
    services.contact_create(actor=staff_user, customer=customer, data={"name": "Contact Zhao"})
    services.customer_change_lifecycle(
        actor=staff_user, customer=customer, to_state="lost", reason="Plant closed", reason_category="price"
    )
    unrelated = services.customer_create(actor=staff_user, data={"code": "NO-1", "name": "Elsewhere Ltd"})

    response = auditor_client.get(customer.get_absolute_url())

    assert response.status_code == 200
    events = response.context["audit_events"]
    assert [e.action for e in events] == ["transition", "create", "update", "create"]
    assert not [e for e in events if e.object_id == str(unrelated.pk) and e.content_type.model == "customer"]
    page = response.content.decode()
    history = page[page.index('id="audit-history"') :]
    assert "021-8888-6666" in history  # the after value of the update
    assert "Contact Zhao" in history
    assert "Plant closed" in history
    assert "staff1" in history
    assert "Elsewhere Ltd" not in history
    timeline = [entry for entry in response.context["timeline"] if entry.kind == "audit"]
    assert any("Timeline Co" in entry.title for entry in timeline)


def test_auditor_exports_the_audit_trail_as_csv_with_formulas_neutralised(auditor_client, staff_user):
    services.customer_create(actor=staff_user, data={"code": "F-1", "name": '=HYPERLINK("x")'})

    response = auditor_client.get(reverse("audit:audit_export"), {"codes": "1"})

    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:4] == ["id", "at", "actor", "action"]
    assert len(rows) == 2
    assert rows[1][2] == "staff1" and rows[1][3] == "create"
    assert rows[1][6].startswith("'=")


def test_staff_cannot_read_the_audit_trail(staff_client):
    assert staff_client.get(reverse("audit:audit_export")).status_code == 403
    assert staff_client.get(reverse("audit:audit_list")).status_code == 403
