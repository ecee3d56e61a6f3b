"""Planning: rows compared with the database (owners, lifecycle steps, consent, audit diffs, re-imports)."""

import pytest
from django.utils import timezone

from core.models import AuditEvent
from customers.models import Contact, Customer, ImportBatch, Lifecycle, LifecycleChange
from tests.customers.importing.uploads import ROWS, csv_bytes, import_now, preview
from tests.factories import ContactFactory, CustomerFactory

# -- updates and re-imports ------------------------------------------------------------------------


@pytest.mark.django_db
def test_update_records_before_and_after_in_the_audit_trail(manager_user, django_capture_on_commit_callbacks):
    customer = CustomerFactory(code="A001", name="旧名称", tier="general")

    import_now(
        manager_user, csv_bytes([["A001", "新名称"]], header=["code", "name"]), django_capture_on_commit_callbacks
    )

    customer.refresh_from_db()
    assert customer.name == "新名称" and customer.tier == "general"  # columns left out stay as they were
    event = AuditEvent.objects.for_object(customer).get()
    assert event.changes == {"name": ["旧名称", "新名称"]}


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing_and_audits_only_the_confirmation(
    manager_user, django_capture_on_commit_callbacks
):
    content = csv_bytes(ROWS)
    import_now(manager_user, content, django_capture_on_commit_callbacks)
    audit_rows, lifecycle_rows = AuditEvent.objects.count(), LifecycleChange.objects.count()

    again = import_now(manager_user, content, django_capture_on_commit_callbacks)

    assert again.status == ImportBatch.Status.DONE
    assert (again.created_count, again.updated_count, again.unchanged_count, again.contact_count) == (0, 0, 2, 0)
    # Only the confirmation itself is audited (on the batch); no customer or contact row.
    (confirmed,) = AuditEvent.objects.order_by("pk")[audit_rows:]
    assert confirmed.content_type.model == "importbatch" and confirmed.object_id == str(again.pk)
    assert LifecycleChange.objects.count() == lifecycle_rows
    assert Customer.objects.count() == 2 and Contact.objects.count() == 1


# -- checks against the database -------------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_owner_is_a_row_error_checked_against_the_database(manager_user):
    batch = preview(manager_user, csv_bytes([["O1", "x", "nobody"]], header=["code", "name", "owner"]))
    assert batch.errors == [{"row": 2, "column": "owner", "message": "There is no user nobody."}]


@pytest.mark.django_db
def test_lifecycle_change_must_be_an_allowed_step(manager_user):
    CustomerFactory(code="L1", lifecycle=Lifecycle.CURRENT)

    batch = preview(manager_user, csv_bytes([["L1", "x", "potential"]], header=["code", "name", "lifecycle"]))

    [error] = batch.errors
    assert error["column"] == "lifecycle" and "cannot become" in error["message"]


@pytest.mark.django_db
def test_lost_customer_needs_a_reason(manager_user):
    CustomerFactory(code="L1", lifecycle=Lifecycle.CURRENT)

    batch = preview(manager_user, csv_bytes([["L1", "x", "流失"]], header=["code", "name", "生命周期"]))

    [error] = batch.errors
    assert error["column"] == "lifecycle_reason"


@pytest.mark.django_db
def test_lost_with_reason_and_win_back_are_recorded_as_lifecycle_steps(
    manager_user, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(code="L1", lifecycle=Lifecycle.CURRENT)
    header = ["code", "name", "lifecycle", "lifecycle_reason"]

    import_now(
        manager_user,
        csv_bytes([["L1", customer.name, "lost", "价格太高"]], header=header),
        django_capture_on_commit_callbacks,
    )
    customer.refresh_from_db()
    assert (customer.lifecycle, customer.lost_reason) == (Lifecycle.LOST, "价格太高") and customer.lost_at

    import_now(
        manager_user,
        csv_bytes([["L1", customer.name, "现实顾客", "回访后恢复合作"]], header=header),
        django_capture_on_commit_callbacks,
    )
    change = customer.lifecycle_changes.first()
    assert (change.from_state, change.to_state, change.is_win_back, change.reason) == (
        Lifecycle.LOST,
        Lifecycle.CURRENT,
        True,
        "回访后恢复合作",
    )


@pytest.mark.django_db
def test_consent_no_withdraws_the_consent_of_an_existing_contact(manager_user, django_capture_on_commit_callbacks):
    customer = CustomerFactory(code="K1")
    contact = ContactFactory(customer=customer, name="赵敏", survey_consent=True, consent_at=timezone.now())

    import_now(
        manager_user,
        csv_bytes([["K1", customer.name, "赵敏", "否"]], header=["code", "name", "contact_name", "contact_consent"]),
        django_capture_on_commit_callbacks,
    )

    contact.refresh_from_db()
    assert contact.consent_withdrawn_at is not None and not contact.may_be_surveyed
    assert Contact.objects.filter(customer=customer).count() == 1
