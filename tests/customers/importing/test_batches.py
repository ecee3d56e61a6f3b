"""The batch: preview, the all-or-nothing commit, export -> import, the pages' access, housekeeping."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from customers.importing import batches, writing
from customers.models import Contact, Customer, ImportBatch, Lifecycle, LifecycleChange
from customers.tasks import customer_import_commit_task
from tests.customers.importing.uploads import ROWS, csv_bytes, import_now, preview, stored_files, upload
from tests.factories import ContactFactory, CustomerFactory, UserFactory

# -- the happy path --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_preview_counts_rows_and_writes_no_customers(manager_user, _private_media):
    CustomerFactory(code="A002", name="Old name", scope="internal", tier="general", region="north")

    batch = preview(manager_user, csv_bytes(ROWS))

    assert batch.status == ImportBatch.Status.PREVIEWED
    assert (batch.row_count, batch.created_count, batch.updated_count, batch.unchanged_count) == (2, 1, 1, 0)
    assert batch.contact_count == 1
    assert batch.errors == []
    assert not Customer.objects.filter(code="A001").exists()
    assert Customer.objects.get(code="A002").name == "Old name"
    # The file is kept for the commit under a random name, never the user's.
    [stored] = stored_files(_private_media)
    assert stored.name != "customers.csv" and batch.stored_path.endswith(stored.name)


@pytest.mark.django_db
def test_confirmed_import_writes_customers_contacts_tags_lifecycle_and_audit(
    manager_user, django_capture_on_commit_callbacks, _private_media
):
    batch = import_now(manager_user, csv_bytes(ROWS), django_capture_on_commit_callbacks)

    assert batch.status == ImportBatch.Status.DONE
    assert (batch.created_count, batch.updated_count, batch.contact_count) == (2, 0, 1)
    customer = Customer.objects.get(code="A001")
    assert customer.name == "华东精密机械有限公司"
    assert (customer.scope, customer.tier, customer.region) == ("external", "key", "east")
    assert customer.annual_volume == Decimal("1200000.50")
    assert sorted(customer.tags.values_list("name", flat=True)) == ["vip", "汽配"]
    contact = customer.contacts.get()
    assert contact.name == "王芳" and contact.is_primary
    assert contact.survey_consent and contact.consent_at is not None and contact.may_be_surveyed
    change = LifecycleChange.objects.get(customer=customer)
    assert (change.from_state, change.to_state, change.changed_by) == ("", Lifecycle.CURRENT, manager_user)
    event = AuditEvent.objects.for_object(customer).get()
    assert event.action == AuditEvent.Action.IMPORT and event.actor == manager_user
    assert event.changes["name"] == [None, "华东精密机械有限公司"]
    assert event.changes["tags"] == [None, ["vip", "汽配"]]
    assert AuditEvent.objects.for_object(contact).get().action == AuditEvent.Action.IMPORT
    # Once imported, the uploaded copy of the customer data is deleted.
    assert stored_files(_private_media) == []


# -- export -> import ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(manager_client, manager_user, file_format):
    owner = UserFactory(username="wang.li")
    customer = CustomerFactory(
        code="R1",
        name="=SUM(A1) 华南贸易",
        owner=owner,
        annual_volume=Decimal("99.90"),
        phone="+86 755 1234",
        lifecycle="potential",
        potential_source="competitor",
    )
    customer.tags.create(name="-折扣")
    ContactFactory(
        customer=customer,
        name="周杰",
        email="zhou@example.cn",
        is_primary=True,
        survey_consent=True,
        consent_at=timezone.now(),
    )
    CustomerFactory(code="R2", name="No contact Ltd", region="", industry="")
    exported = (
        b"".join(manager_client.get(reverse("customers:export", args=[file_format])).streaming_content)
        if file_format == "csv"
        else b"".join(manager_client.get(reverse("customers:export", args=[file_format])))
    )

    batch = preview(manager_user, exported, name=f"export.{file_format}")

    assert batch.errors == []
    assert (batch.created_count, batch.updated_count, batch.unchanged_count, batch.contact_count) == (0, 0, 2, 0)


# -- confirm and commit ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_confirm_page_imports_and_double_confirm_imports_once(
    manager_client, manager_user, django_capture_on_commit_callbacks
):
    batch = preview(manager_user, csv_bytes(ROWS))
    url = reverse("customers:import_detail", args=[batch.pk])
    assert "Confirm import" in manager_client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = manager_client.post(url)
        second = manager_client.post(url)

    assert first.status_code == second.status_code == 302
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert Customer.objects.count() == 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT, object_repr__contains="A001").count() == 1
    page = manager_client.get(url).content.decode()
    assert "Confirm import" not in page and "hx-trigger" not in page


@pytest.mark.django_db
def test_a_task_delivered_twice_imports_once(manager_user, django_capture_on_commit_callbacks):
    batch = import_now(manager_user, csv_bytes(ROWS), django_capture_on_commit_callbacks)
    audit_rows = AuditEvent.objects.count()

    customer_import_commit_task.delay(batch.pk)

    assert Customer.objects.count() == 2 and AuditEvent.objects.count() == audit_rows
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE


@pytest.mark.django_db
def test_queued_import_page_polls_with_htmx(manager_client, manager_user):
    batch = preview(manager_user, csv_bytes(ROWS))
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED)

    page = manager_client.get(reverse("customers:import_detail", args=[batch.pk])).content.decode()

    assert 'hx-trigger="every 2s"' in page and 'hx-select="#import-status"' in page


@pytest.mark.django_db
def test_failure_midway_through_the_commit_writes_nothing_and_marks_the_batch_failed(
    manager_user, django_capture_on_commit_callbacks, monkeypatch
):
    existing = CustomerFactory(code="A002", name="Before")

    def broken(events):
        raise RuntimeError("disk full")

    # Customers, contacts, tags and lifecycle rows are written by then; the audit rows fail.
    monkeypatch.setattr(writing, "audit_record_many", broken)
    batch = preview(manager_user, csv_bytes(ROWS))
    with django_capture_on_commit_callbacks(execute=True):
        batches.import_batch_confirm(actor=manager_user, batch=batch)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "disk full" in batch.failure
    assert list(Customer.objects.values_list("code", flat=True)) == ["A002"]
    existing.refresh_from_db()
    assert existing.name == "Before"
    assert not Contact.objects.exists() and not LifecycleChange.objects.exists()
    assert not existing.tags.exists()


@pytest.mark.django_db
def test_commit_refuses_rows_that_became_invalid_after_the_preview(manager_user, django_capture_on_commit_callbacks):
    customer = CustomerFactory(code="A1", lifecycle=Lifecycle.POTENTIAL)
    batch = preview(manager_user, csv_bytes([["A1", customer.name, "current"]], header=["code", "name", "lifecycle"]))
    Customer.objects.filter(pk=customer.pk).update(lifecycle=Lifecycle.LOST)  # someone else, meanwhile

    with django_capture_on_commit_callbacks(execute=True):
        batches.import_batch_confirm(actor=manager_user, batch=batch)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors[0]["column"] == "lifecycle_reason"
    assert not LifecycleChange.objects.exists()


@pytest.mark.django_db
def test_invalid_batch_cannot_be_confirmed(manager_client, manager_user):
    batch = preview(manager_user, csv_bytes([["A1", ""]], header=["code", "name"]))

    response = manager_client.post(reverse("customers:import_detail", args=[batch.pk]), follow=True)

    assert "has errors" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INVALID


# -- the error report ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_errors_download_lists_every_error_with_formulas_neutralised(manager_client, manager_user):
    rows = [[f"E{i}", "", ""] for i in range(250)] + [["E999", "=cmd|' /C calc'!A0", "=1+1"]]
    batch = preview(manager_user, csv_bytes(rows, header=["code", "name", "scope"]))

    response = manager_client.get(reverse("customers:import_errors", args=[batch.pk]))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert lines[0] == ["Row", "Column", "Message"]
    assert len(lines) == 1 + 251
    assert lines[-1][0] == "252" and "=1+1" in lines[-1][2]
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)
    page = manager_client.get(reverse("customers:import_detail", args=[batch.pk]))
    assert len(page.context["errors"]) == 200 and page.context["errors_more"] == 51


# -- access ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_cannot_import_nor_read_imports(staff_client, manager_user):
    batch = preview(manager_user, csv_bytes(ROWS))

    assert staff_client.get(reverse("customers:import_upload")).status_code == 403
    assert upload(staff_client, csv_bytes(ROWS)).status_code == 403
    assert staff_client.get(reverse("customers:import_detail", args=[batch.pk])).status_code == 403
    assert staff_client.post(reverse("customers:import_detail", args=[batch.pk])).status_code == 403
    assert staff_client.get(reverse("customers:import_errors", args=[batch.pk])).status_code == 403
    assert ImportBatch.objects.count() == 1 and not Customer.objects.exists()


def test_auditors_read_every_import_and_change_nothing(auditor_client, manager_user):
    batch = preview(manager_user, csv_bytes(ROWS), name="客户清单.csv")

    upload_page = auditor_client.get(reverse("customers:import_upload"))
    detail = auditor_client.get(reverse("customers:import_detail", args=[batch.pk]))

    assert upload_page.status_code == 200 and "客户清单.csv" in upload_page.content.decode()
    assert 'enctype="multipart/form-data"' not in upload_page.content.decode()
    assert detail.status_code == 200 and "Confirm import" not in detail.content.decode()
    assert auditor_client.get(reverse("customers:import_errors", args=[batch.pk])).status_code == 200
    assert upload(auditor_client, csv_bytes(ROWS)).status_code == 403
    assert auditor_client.post(reverse("customers:import_detail", args=[batch.pk])).status_code == 403
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert ImportBatch.objects.count() == 1 and not Customer.objects.exists()


@pytest.mark.django_db
def test_admins_may_import_and_read_another_persons_upload_but_not_confirm_it(admin_client_role, manager_user):
    batch = preview(manager_user, csv_bytes(ROWS))
    url = reverse("customers:import_detail", args=[batch.pk])

    assert admin_client_role.get(reverse("customers:import_upload")).status_code == 200
    assert admin_client_role.get(url).status_code == 200
    assert "Confirm import" not in admin_client_role.get(url).content.decode()
    admin_client_role.post(url)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


@pytest.mark.django_db
def test_upload_page_renders_the_form_and_recent_imports(manager_client, manager_user):
    preview(manager_user, csv_bytes(ROWS), name="客户清单.csv")

    page = manager_client.get(reverse("customers:import_upload")).content.decode()

    assert 'enctype="multipart/form-data"' in page and "客户清单.csv" in page


# -- housekeeping ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_purge_deletes_stale_unimported_batches_and_their_files(manager_user, _private_media):
    stale = preview(manager_user, csv_bytes(ROWS))
    fresh = preview(manager_user, csv_bytes(ROWS))
    done = preview(manager_user, csv_bytes(ROWS))
    day_ago = timezone.now() - datetime.timedelta(hours=25)
    ImportBatch.objects.filter(pk__in=[stale.pk, done.pk]).update(created_at=day_ago)
    ImportBatch.objects.filter(pk=done.pk).update(status=ImportBatch.Status.DONE)

    assert batches.import_batches_purge_stale() == 1

    assert set(ImportBatch.objects.values_list("pk", flat=True)) == {fresh.pk, done.pk}
    assert not (_private_media / stale.stored_path).exists()
    assert (_private_media / fresh.stored_path).exists()
