"""Hostile and unlucky files: a sheet whose formatted empty rows claim a million rows, a ZIP bomb, and
the check's bounds in the worker (time, memory, a worker killed)."""

import datetime
import io
import multiprocessing

import openpyxl
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError
from customers import tasks
from customers.importing import batches
from customers.importing.limits import address_space_limited
from customers.importing.reading import XLSX_EMPTY_ROWS_RUN, xlsx_sheet_read
from customers.models import Customer, ImportBatch
from tests.customers.importing.uploads import (
    HEADER,
    ROWS,
    csv_bytes,
    preview,
    stored_files,
    upload,
    xlsx_with_formatted_rows,
    zip_bomb_xlsx,
)

pytestmark = pytest.mark.django_db

# -- a sheet's real extent -------------------------------------------------------------------------


def test_formatted_empty_rows_to_the_last_row_are_not_read(manager_user):
    content = xlsx_with_formatted_rows(ROWS, formatted_to=5000)
    claimed = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    assert (claimed.max_row, claimed.max_column) == (1_048_576, 16_384)  # what the sheet says

    sheet = xlsx_sheet_read(content, max_rows=100_000)

    # The header and two rows, then 1,000 empty rows and no further: not 1,048,576.
    assert sheet.rows_scanned == 3 + XLSX_EMPTY_ROWS_RUN
    assert [cells[:2] for cells in sheet.records] == [HEADER[:2], ["A001", "华东精密机械有限公司"], ROWS[1][:2]]
    batch = preview(manager_user, content, name="formatted.xlsx")
    assert batch.status == ImportBatch.Status.PREVIEWED and (batch.row_count, batch.created_count) == (2, 2)


def test_rows_below_a_short_gap_of_formatted_rows_are_read_with_their_row_numbers(manager_user):
    content = xlsx_with_formatted_rows(ROWS[:1], formatted_to=400, gap_then=[["B9", "=broken", "nowhere"]])

    batch = preview(manager_user, content, name="gap.xlsx")

    # Row 401 is read (400 formatted rows are no end of data) and its errors name row 401.
    assert batch.status == ImportBatch.Status.INVALID
    assert {error["row"] for error in batch.errors} == {401}


def test_a_sheet_with_more_rows_than_the_limit_is_refused_at_the_first_row_too_many(manager_user, settings):
    settings.CUSTOMER_IMPORT_MAX_ROWS = 2
    rows = [[f"C{n}", f"Customer {n}"] for n in range(5)]

    with pytest.raises(ApplicationError, match="more than 2 rows"):
        xlsx_sheet_read(xlsx_with_formatted_rows(rows, header=["code", "name"]), max_rows=2)

    batch = preview(manager_user, xlsx_with_formatted_rows(rows, header=["code", "name"]), name="long.xlsx")
    assert batch.status == ImportBatch.Status.INVALID and "more than 2 rows" in batch.failure


def test_a_row_formatted_to_the_last_column_is_read_to_200_columns(manager_user):
    content = xlsx_with_formatted_rows(ROWS, formatted_to=3)

    sheet = xlsx_sheet_read(content, max_rows=10)

    assert max(len(cells) for cells in sheet.records) == len(HEADER)  # trailing empty cells dropped


# -- a ZIP bomb ------------------------------------------------------------------------------------


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_opened(
    manager_client, settings, monkeypatch, _private_media
):
    settings.CUSTOMER_IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    content = zip_bomb_xlsx(2 * 1024 * 1024)
    assert len(content) < 30_000

    def never(*args, **kwargs):
        raise AssertionError("openpyxl opened the workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", never)

    response = upload(manager_client, content, name="bomb.xlsx")

    assert response.status_code == 200
    assert "unpacks to more than 1 MB" in " ".join(response.context["form"].errors["file"])
    assert not ImportBatch.objects.exists() and stored_files(_private_media) == []


def test_a_workbook_within_the_unpacked_bound_is_read(manager_user, settings):
    settings.CUSTOMER_IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    batch = preview(manager_user, zip_bomb_xlsx(100_000), name="padded.xlsx")
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.created_count == 2


# -- the check runs in the worker ------------------------------------------------------------------


def test_the_upload_stores_the_file_and_the_worker_checks_it(manager_client, manager_user, _private_media):
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        response = manager_client.post(
            reverse("customers:import_upload"), {"file": _upload(csv_bytes(ROWS)), "encoding": "auto"}
        )

    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("customers:import_detail", args=[batch.pk])
    assert batch.status == ImportBatch.Status.CHECKING and len(stored_files(_private_media)) == 1
    page = manager_client.get(response.url).content.decode()
    assert "Checking the file" in page and 'hx-trigger="every 2s"' in page and "Confirm import" not in page

    [enqueue] = callbacks
    enqueue()  # the worker runs the task (eagerly here)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED and (batch.row_count, batch.created_count) == (2, 2)
    page = manager_client.get(response.url).content.decode()
    assert "Confirm import" in page and "hx-trigger" not in page and "Checking the file" not in page
    assert not Customer.objects.exists()


def test_the_check_task_has_its_time_limits():
    assert tasks.customer_import_check_task.soft_time_limit == django_settings.CUSTOMER_IMPORT_CHECK_SOFT_SECONDS
    assert tasks.customer_import_check_task.time_limit == django_settings.CUSTOMER_IMPORT_CHECK_HARD_SECONDS
    assert django_settings.CUSTOMER_IMPORT_CHECK_SOFT_SECONDS < django_settings.CUSTOMER_IMPORT_CHECK_HARD_SECONDS


@pytest.mark.parametrize(
    ("raised", "expected"), [(SoftTimeLimitExceeded(), "took longer than allowed"), (MemoryError(), "more memory")]
)
def test_a_check_out_of_time_or_memory_is_invalid_with_a_message_and_keeps_no_file(
    manager_user, monkeypatch, _private_media, raised, expected
):
    def exceed(**kwargs):
        raise raised

    monkeypatch.setattr(batches, "import_batch_check", exceed)

    batch = preview(manager_user, csv_bytes(ROWS))

    assert batch.status == ImportBatch.Status.INVALID and expected in batch.failure
    assert batch.stored_path == "" and stored_files(_private_media) == []
    assert not Customer.objects.exists()


def test_a_check_whose_worker_was_killed_is_shown_stopped_and_the_purge_fails_it(manager_client, manager_user):
    with TestCase.captureOnCommitCallbacks(execute=False):
        batch = batches.import_batch_preview(actor=manager_user, upload=_upload(csv_bytes(ROWS)))
    long_ago = timezone.now() - datetime.timedelta(seconds=django_settings.CUSTOMER_IMPORT_CHECK_HARD_SECONDS + 120)
    ImportBatch.objects.filter(pk=batch.pk).update(updated_at=long_ago)

    page = manager_client.get(reverse("customers:import_detail", args=[batch.pk])).content.decode()
    assert "took longer than allowed" in page and "hx-trigger" not in page

    batches.import_batches_purge_stale()

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INVALID and "took longer than allowed" in batch.failure


def _allocate_under_a_limit(queue) -> None:
    with address_space_limited(200 * 1024 * 1024):
        try:
            bytearray(1024 * 1024 * 1024)
        except MemoryError:
            queue.put("refused")
            return
    queue.put("allocated")


def test_the_address_space_limit_turns_a_large_allocation_into_a_memory_error():
    # In a child process: the limit binds a whole process, as it does a worker child.
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_allocate_under_a_limit, args=(queue,))
    child.start()
    child.join(30)
    assert queue.get(timeout=5) == "refused"


def _upload(content: bytes, name: str = "customers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
