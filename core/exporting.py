"""Downloading rows as a file: CSV streamed (with a BOM, so Excel opens UTF-8 Chinese text
correctly) or XLSX written row by row to a temporary file. Every download of rows goes through
`rows_file_response`; files that go elsewhere (the members of the evidence pack's ZIP) are written by
`csv_chunks` and `xlsx_write`, the same writer.

Callers pass raw values (text, numbers, None); the writer neutralises text a spreadsheet would run as
a formula (OWASP CSV injection: a leading = + - @, tab or CR), so no caller can forget it:
- CSV: such text gets a leading apostrophe (customers' import takes it off again);
- XLSX: such text is written as a text cell with the quotePrefix style, so it stays text, shows no
  apostrophe and reads back unchanged.
Numbers are never neutralised (a negative number is a number, not a formula) and stay numbers in XLSX.

Times in documents (files, PDFs, e-mails' text) are the configured time zone's (settings.TIME_ZONE), the
ones people read on the pages: `local_datetime`, `date_text` and `datetime_text` are the one way to put a
stored (UTC) moment into a document. Without them a complaint received at 01:48 Beijing time is dated
the day before, because Django's date formatting of an aware datetime keeps its own (UTC) zone.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import formats, timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NUMBER_TYPES = (int, float, decimal.Decimal)
DATE_TYPES = (datetime.date, datetime.time, datetime.timedelta)  # openpyxl writes these as date cells


def _cell_value(value: Any) -> Any:
    """A stored moment passed as it is becomes local time: no file shows UTC (and openpyxl refuses
    aware datetimes)."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return local_datetime(value, seconds=True)
    return value


def neutralise(value) -> str:
    """The CSV text of a cell value that no spreadsheet will evaluate as a formula."""
    if value is None:
        return ""
    value = _cell_value(value)
    text = str(value)
    if not isinstance(value, NUMBER_TYPES) and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def local_datetime(moment: datetime.datetime | None, *, seconds: bool = False) -> datetime.datetime | None:
    """A stored moment as a naive date and time in the configured time zone (spreadsheets have no time
    zones), to the minute unless `seconds`. A naive value is taken as local already."""
    if moment is None:
        return None
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment).replace(tzinfo=None)
    return moment.replace(microsecond=0) if seconds else moment.replace(second=0, microsecond=0)


def local_date(value: datetime.date | datetime.datetime | None) -> datetime.date | None:
    """The local calendar day of a moment (a date stays as it is)."""
    if isinstance(value, datetime.datetime):
        local = local_datetime(value)
        return local.date() if local else None
    return value


def date_text(value: datetime.date | datetime.datetime | None, *, empty: str = "—") -> str:
    """The local day of a date or moment in the active language's short date format."""
    day = local_date(value)
    return formats.date_format(day, "SHORT_DATE_FORMAT") if day else empty


def datetime_text(value: datetime.datetime | None, *, empty: str = "—") -> str:
    """A moment in local time in the active language's short date-and-time format."""
    local = local_datetime(value)
    return formats.date_format(local, "SHORT_DATETIME_FORMAT") if local else empty


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([neutralise(value) for value in row])


def _xlsx_row(worksheet, row: Iterable) -> list:
    from openpyxl.cell import WriteOnlyCell

    cells: list[Any] = []
    for value in row:
        value = _cell_value(value)
        if value is None or isinstance(value, (*NUMBER_TYPES, *DATE_TYPES)):
            cells.append(value)
            continue
        text = str(value)
        if text.startswith(FORMULA_PREFIXES):
            cell = WriteOnlyCell(worksheet, value=text)
            cell.data_type = "s"  # openpyxl would store a leading "=" as a formula
            cell.quotePrefix = True  # and Excel would evaluate it again once the cell is edited
            cells.append(cell)
        else:
            cells.append(text)
    return cells


def csv_chunks(rows: Iterable[Iterable]) -> Iterator[bytes]:
    """The CSV file of `rows` as UTF-8 bytes (BOM first), neutralised, one chunk per row: as lazy as
    `rows` is."""
    for text in _csv_stream(rows):
        yield text.encode("utf-8")


def xlsx_write(rows: Iterable[Iterable], handle: IO[bytes], *, sheet: str = "rows") -> None:
    """Write `rows` to `handle` as an XLSX workbook of one sheet (openpyxl's write-only mode: rows go to
    a temporary file as they come, not into memory), neutralised."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    for row in rows:
        worksheet.append(_xlsx_row(worksheet, row))
    workbook.save(handle)


def rows_file_response(rows: Iterable[Iterable], *, filename: str, file_format: str, sheet: str = "rows"):
    """A download of `rows` (the header first) as `file_format` ("csv" or "xlsx"), neutralised as the
    module says. CSV streams as `rows` yields, so a generator reading in batches keeps memory flat."""
    if file_format == "csv":
        response = StreamingHttpResponse(_csv_stream(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    handle = tempfile.TemporaryFile()
    xlsx_write(rows, handle, sheet=sheet)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
