"""Files to import, and the steps the pages take with them, shared by the import's tests."""

import csv
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.styles import PatternFill

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


def xlsx_with_formatted_rows(rows, header=HEADER, *, formatted_to=3000, gap_then=None) -> bytes:
    """A workbook as Excel leaves it once whole rows were formatted: the data, then formatted empty
    rows (up to `formatted_to`) and a formatted cell at the sheet's last cell (XFD1048576), so the
    sheet claims all 1,048,576 rows and 16,384 columns. `gap_then` (rows) go below the formatting."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    fill = PatternFill("solid", fgColor="FFFF00")
    for number in range(sheet.max_row + 1, formatted_to + 1):
        sheet.cell(row=number, column=1).fill = fill
    for row in gap_then or ():
        sheet.append(row)
    sheet.cell(row=1_048_576, column=16_384).fill = fill
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bomb_xlsx(unpacked_bytes: int) -> bytes:
    """A valid workbook with one more member of zeros that unpacks to `unpacked_bytes` (compressed,
    about a thousandth of that)."""
    buffer = io.BytesIO(xlsx_bytes(ROWS))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * unpacked_bytes)
    return buffer.getvalue()


def gbk_text_valid_as_utf8(length: int) -> str:
    """Chinese characters whose GBK bytes happen to be valid UTF-8 too, found by brute force: a GBK
    character of two bytes, the first in C2-DF and the second in 80-BF, is also one UTF-8 character
    (业 is D2 B5 in GBK, ҵ in UTF-8)."""
    found = []
    for lead in range(0xC2, 0xE0):
        for trail in range(0xA1, 0xC0):
            try:
                character = bytes((lead, trail)).decode("gbk")
            except UnicodeDecodeError:
                continue
            if "\u4e00" <= character <= "\u9fff":
                found.append(character)
            if len(found) == length:
                return "".join(found)
    raise AssertionError("not enough characters")
