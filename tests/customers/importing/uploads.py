"""Files to import, and the steps the pages take with them, shared by the import's tests."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import Workbook

from customers.importing import batches
from customers.models import Customer, ImportBatch

HEADER = ["code", "name", "scope", "tier", "region", "annual_volume", "tags", "contact_name", "contact_consent"]
ROWS = [
    ["A001", "华东精密机械有限公司", "external", "key", "east", "1200000.50", "汽配;vip", "王芳", "yes"],
    ["A002", "Northern Energy Co.", "internal", "general", "north", "", "", "", ""],
]


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def preview(user, content: bytes, *, name="customers.csv", encoding="auto") -> ImportBatch:
    """Upload and let the (eager) check task run after the commit, as the worker does."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = batches.import_batch_preview(actor=user, upload=SimpleUploadedFile(name, content), encoding=encoding)
    batch.refresh_from_db()
    return batch


def import_now(user, content: bytes, capture, **kwargs) -> ImportBatch:
    """Preview, confirm and run the (eager) commit task, as the pages do."""
    batch = preview(user, content, **kwargs)
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.errors
    with capture(execute=True):
        assert batches.import_batch_confirm(actor=user, batch=batch)
    batch.refresh_from_db()
    return batch


def stored_files(root) -> list:
    folder = root / batches.FILE_FOLDER
    return list(folder.iterdir()) if folder.exists() else []


def upload(client, content: bytes, *, name="customers.csv", encoding="auto"):
    """Post the upload form; the check task runs (eagerly) once the request's transaction commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("customers:import_upload"), {"file": SimpleUploadedFile(name, content), "encoding": encoding}
        )


def checked_batch() -> ImportBatch:
    """The one batch an upload made, after its check."""
    return ImportBatch.objects.get()


def refused(user, content: bytes, **kwargs) -> str:
    """Upload a file the check refuses as a whole: the batch is INVALID with the message, and no
    customer was written. Returns the message."""
    batch = preview(user, content, **kwargs)
    assert batch.status == ImportBatch.Status.INVALID and batch.failure, batch
    assert batch.errors == [] and not Customer.objects.exists()
    return batch.failure
