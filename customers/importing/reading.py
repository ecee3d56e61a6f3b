"""Reading a file: CSV (in its text encoding) or XLSX bytes into a table of cells, and its header
row into the known columns."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.exporting import FORMULA_PREFIXES

from ..models import CUSTOMER_EDITABLE_FIELDS, Customer
from .columns import HEADER_ALIASES, REQUIRED_COLUMNS, match_key

ENCODING_AUTO, ENCODING_UTF8, ENCODING_GB18030 = "auto", "utf-8", "gb18030"
# What each choice decodes with. utf-8-sig also reads UTF-8 without a BOM; GB18030 is the superset of
# GBK and GB2312 that Chinese Excel writes. A batch stores the codec that worked, so the commit reads
# the file exactly as the preview did.
CODECS = {ENCODING_UTF8: "utf-8-sig", ENCODING_GB18030: "gb18030", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16"}
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the OLE2 container of Excel 97-2003 .xls files
# A sheet's real extent. The import knows about 25 columns; formatting that runs to column XFD
# (16,384) would otherwise make every row that long. Data never sits below 1,000 empty rows in a
# customer list, while formatted empty rows run on to row 1,048,576.
XLSX_MAX_COLUMNS = 200
XLSX_EMPTY_ROWS_RUN = 1000
XLSX_MAX_MEMBERS = 1000  # a workbook of one sheet has about ten


@dataclass
class Table:
    file_format: str
    encoding: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells); the header is row 1


def _cell_unneutralise(text: str) -> str:
    # Our export prefixes an apostrophe to cells a spreadsheet would run as a formula; take it off.
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        return text[1:]
    return text


def _csv_decode(content: bytes, encoding: str) -> tuple[str, str]:
    """Strict decoding: a file that is not valid in the encoding is refused, never patched with
    replacement characters."""
    if encoding == ENCODING_AUTO:
        if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
            candidates = ("utf-16",)
        else:
            # UTF-8 first: its byte patterns almost never occur in GBK text, while GB18030 decodes
            # most UTF-8 bytes into wrong Chinese characters.
            candidates = ("utf-8-sig", "gb18030")
        for codec in candidates:
            try:
                return content.decode(codec), codec
            except UnicodeDecodeError:
                continue
        raise ApplicationError(
            _("The file's text encoding was not recognised. Save it as CSV (UTF-8) or XLSX and upload it again.")
        )
    codec = CODECS[encoding]
    try:
        return content.decode(codec), codec
    except UnicodeDecodeError as error:
        raise ApplicationError(
            _(
                "The file is not valid %(encoding)s text (unreadable bytes at position %(position)s). "
                "Choose another encoding or automatic detection."
            )
            % {"encoding": encoding_label(codec), "position": error.start}
        ) from error


def _decodes(content: bytes, codec: str) -> bool:
    try:
        content.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def encoding_choice_check(*, content: bytes, encoding: str) -> None:
    """At upload: refuse GB18030 chosen for a file that is UTF-8 text (reading it so would garble its
    Chinese). Once a batch was read, its page offers the other reading of a file valid in both, which
    the user then chooses knowingly (import_batch_reread), so only the upload asks this."""
    if (
        CODECS.get(encoding) == "gb18030"
        and not content.startswith((XLSX_MAGIC, XLS_MAGIC))
        and not content.isascii()
        and _decodes(content, "utf-8")
    ):
        raise ApplicationError(
            _(
                "This file is UTF-8 text, not GB18030 (GBK): reading it as GB18030 would garble its Chinese. "
                "Choose UTF-8 or automatic detection."
            )
        )


# The readings a page may offer instead of the one detection chose: Chinese Excel writes GBK, everything
# else UTF-8, and a short GBK file can be valid UTF-8 as well (业院 reads as ҵԺ).
REREAD_CODECS = ("utf-8-sig", "gb18030")


def other_encodings(*, content: bytes, codec: str) -> list[str]:
    """The codecs besides `codec` that decode this CSV file strictly (an ASCII file reads the same in
    every one, so it has none)."""
    if codec not in REREAD_CODECS or content.isascii() or content.startswith(codecs.BOM_UTF8):
        return []  # the same in every reading; a byte-order mark says UTF-8 for certain
    return [other for other in REREAD_CODECS if other != codec and _decodes(content, other)]


def encoding_label(codec: str) -> str:
    return {"utf-8-sig": "UTF-8", "gb18030": "GB18030 (GBK)", "utf-16": "UTF-16"}.get(codec, codec)


# The only column whose cells may hold line breaks (Alt+Enter in Excel). A line break anywhere else
# means a quotation mark opened a cell and swallowed the rows after it into one customer.
MULTILINE_COLUMNS = frozenset({"notes"})


def _unbalanced_quote_message(row: int) -> str:
    return _(
        'Row %(row)s: a quotation mark (") opens a cell that is not closed where it should be, so the rows '
        "after it would be read into this one. Nothing was imported: correct the quotation marks in that "
        "row and upload the file again."
    ) % {"row": row}


def _csv_records(text: str) -> Iterator[list[str]]:
    first_line = text.split("\n", 1)[0]
    # Chinese Excel writes commas; "Unicode text" and some exports use tabs or semicolons.
    delimiter = max(",\t;", key=first_line.count) if first_line else ","
    # strict: an unterminated quote at the end of the file, or text after a closing quote, is an
    # error rather than a silently merged record.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    multiline: set[int] | None = None
    row = 0
    while True:
        row += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            # Strict mode's quotation errors: "unexpected end of data", "',' expected after '\"'".
            if "expected" in str(error) or "end of data" in str(error):
                raise ApplicationError(_unbalanced_quote_message(row)) from error
            raise ApplicationError(
                _("Row %(row)s: the file is not a valid CSV file: %(error)s") % {"row": row, "error": error}
            ) from error
        if multiline is None:
            aliases = _header_aliases()
            multiline = {i for i, name in enumerate(cells) if aliases.get(match_key(name)) in MULTILINE_COLUMNS}
        elif any(("\n" in cell or "\r" in cell) and i not in multiline for i, cell in enumerate(cells)):
            raise ApplicationError(_unbalanced_quote_message(row))
        yield cells


def _xlsx_cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number typed as a number reads back as 13800000000.0
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _xlsx_unreadable() -> ApplicationError:
    return ApplicationError(_("The file is not a readable XLSX workbook. Save it again from Excel as .xlsx."))


def too_many_rows_message(max_rows: int) -> str:
    return _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": f"{max_rows:,}"}


def xlsx_unpacked_size_check(content: bytes, *, max_bytes: int | None = None) -> None:
    """Refuse a workbook whose members unpack to more than `max_bytes` (a ZIP bomb: a few kilobytes
    that inflate to gigabytes of XML), reading only the ZIP's directory, before openpyxl opens it.
    The declared sizes are a real bound: Python's zipfile stops a member at its declared size and
    fails its CRC check rather than inflate more."""
    max_bytes = settings.CUSTOMER_IMPORT_MAX_UNPACKED_BYTES if max_bytes is None else max_bytes
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _xlsx_unreadable() from error
    if len(members) > XLSX_MAX_MEMBERS or sum(member.file_size for member in members) > max_bytes:
        raise ApplicationError(
            _(
                "The workbook unpacks to more than %(max)s MB, more than an import may read. Delete unused "
                "sheets, pictures and formatting, or save it as CSV, and upload it again."
            )
            % {"max": f"{max_bytes / 1024 / 1024:g}"}
        )


@dataclass
class XlsxSheet:
    records: list[list[str]]  # row by row from row 1, the trailing empty rows left out
    rows_scanned: int  # how many rows were read, empty ones included: the work done


def xlsx_sheet_read(
    content: bytes,
    *,
    max_rows: int,
    max_unpacked_bytes: int | None = None,
    cell_text: Callable[[Any], str] | None = None,
) -> XlsxSheet:
    """The first sheet's rows as text cells, read by the sheet's real extent rather than the extent
    it claims: a sheet whose empty rows are formatted (an ordinary Excel habit) claims 1,048,576 rows,
    and openpyxl would hand over every one of them (a 16 KB file took 20 s and 458 MB).

    The claimed dimension is dropped, at most XLSX_MAX_COLUMNS columns are read, reading stops after
    XLSX_EMPTY_ROWS_RUN empty rows in a row (formatting, not data), and a sheet with more than
    `max_rows` non-empty rows below its header is refused as soon as the next one is read.
    `cell_text` turns a cell's value into text (by default as the customer import reads it).
    Raises ApplicationError for a workbook that is too large unpacked, unreadable or too long."""
    from openpyxl import load_workbook

    cell_text = cell_text or _xlsx_cell_text
    xlsx_unpacked_size_check(content, max_bytes=max_unpacked_bytes)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    # openpyxl reports a damaged workbook with whatever its zip and XML layers raise (BadZipFile,
    # KeyError, InvalidFileException, ParseError, ...); every one of them means the same to the user.
    except Exception as error:  # noqa: BLE001
        raise _xlsx_unreadable() from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # never trust the stored dimension, too large or too small
        records: list[list[str]] = []
        filled = scanned = empty_run = 0
        for values in sheet.iter_rows(max_col=XLSX_MAX_COLUMNS, values_only=True):
            scanned += 1
            if not any(v is not None and v != "" for v in values):
                empty_run += 1
                if empty_run >= XLSX_EMPTY_ROWS_RUN:
                    break
                continue
            records.extend([] for _ in range(empty_run))  # keep the row numbers of the cells
            empty_run = 0
            filled += 1
            if filled > max_rows + 1:  # the header and max_rows rows; do not read any further
                raise ApplicationError(too_many_rows_message(max_rows))
            cells = [cell_text(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            records.append(cells)
        return XlsxSheet(records=records, rows_scanned=scanned)
    except ApplicationError:
        raise
    except Exception as error:  # noqa: BLE001  (as above, for a sheet that fails while it is read)
        raise _xlsx_unreadable() from error
    finally:
        workbook.close()


def file_format_check(content: bytes) -> str:
    """ "xlsx" or "csv", told by the content (never the file's name), for a file that may be read: not
    empty, not an old .xls, not an XLSX that unpacks to too much. Reads no rows. Raises
    ApplicationError."""
    if not content.strip():
        raise ApplicationError(_("The file is empty."))
    if content.startswith(XLS_MAGIC):
        raise ApplicationError(_("Excel 97-2003 (.xls) files are not supported. Save the file as .xlsx or CSV."))
    if content.startswith(XLSX_MAGIC):
        xlsx_unpacked_size_check(content)
        return "xlsx"
    return "csv"


def table_read(*, content: bytes, encoding: str = ENCODING_AUTO, max_rows: int | None = None) -> Table:
    """Read a CSV or XLSX file, recognised by its content (never its name). Raises ApplicationError
    for an empty, unreadable or over-long file."""
    max_rows = settings.CUSTOMER_IMPORT_MAX_ROWS if max_rows is None else max_rows
    if file_format_check(content) == "xlsx":
        file_format, codec = "xlsx", ""
        records: Iterable[list[str]] = xlsx_sheet_read(content, max_rows=max_rows).records
    else:
        text, codec = _csv_decode(content, encoding)
        file_format, records = "csv", _csv_records(text)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(records, start=1):
        cells = [_cell_unneutralise(c.strip()) for c in cells]
        if header is None:
            header = cells
            continue
        if not any(cells):
            continue  # spreadsheets leave blank rows behind; they are not data
        if len(rows) >= max_rows:
            raise ApplicationError(too_many_rows_message(max_rows))
        rows.append((number, cells))
    if not header or not any(header):
        raise ApplicationError(_("The first row must hold the column headers, e.g. code, name (客户编码, 客户名称)."))
    if not rows:
        raise ApplicationError(_("The file has column headers but no customer rows."))
    return Table(file_format=file_format, encoding=codec, header=header, rows=rows)


def _header_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for column, names in HEADER_ALIASES.items():
        for name in (column, *names):
            aliases.setdefault(match_key(name), column)
    # The customer fields' own labels, in both languages, as the edit form shows them.
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for column in (*CUSTOMER_EDITABLE_FIELDS, "tags"):
                aliases.setdefault(match_key(str(Customer._meta.get_field(column).verbose_name)), column)
    return aliases


def columns_locate(header: list[str]) -> dict[str, int]:
    """Which cell of a row holds each known column. Unknown columns are ignored."""
    aliases = _header_aliases()
    located: dict[str, int] = {}
    for index, text in enumerate(header):
        column = aliases.get(match_key(text))
        if column is None:
            continue
        if column in located:
            raise ApplicationError(
                _("The columns “%(first)s” and “%(second)s” mean the same thing; keep one of them.")
                % {"first": header[located[column]], "second": text}
            )
        located[column] = index
    missing = [c for c in REQUIRED_COLUMNS if c not in located]
    if missing:
        raise ApplicationError(
            _(
                "Required columns are missing: %(columns)s. The first row must hold the column headers, "
                "e.g. code, name (客户编码, 客户名称)."
            )
            % {"columns": ", ".join(missing)}
        )
    return located
