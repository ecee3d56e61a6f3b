"""Importing feedback records (warranty claims, dealer reports, delivered-quality data...) from a CSV
or XLSX file, all or nothing.

The approach of customers.importing, at the size of this table: the file is recognised by its
content (XLSX is a ZIP; anything else is CSV text, read as UTF-8 and then as GB18030, the superset
of GBK that Chinese Excel writes, strictly: never patched with replacement characters); headers are
matched to FEEDBACK_EDITABLE_FIELDS by the field's name or its label in English or Chinese; every row
is validated by the record form (choices may be given by code or by label in either language,
customers by code, dimensions by code or name); customers and dimensions are looked up once for the
whole file. Only when no row has an error are the records written, in one transaction, each through
`feedback_record_create` (checked per customer and audited, with the import as its origin).
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from core.context import current_origin, origin
from core.exceptions import ApplicationError
from customers.importing.columns import match_key
from customers.importing.reading import xlsx_sheet_read
from customers.models import Customer, SatisfactionDimension

from .forms import FeedbackRecordForm
from .models import FEEDBACK_EDITABLE_FIELDS, FeedbackRecord, Sentiment, Source
from .services import feedback_record_can_change, feedback_record_create

# A file of feedback is a month's claims or reports: a few hundred rows. The limit keeps one
# request (validation and writing, about 3 ms a row here) well inside the 60 s worker timeout.
FEEDBACK_IMPORT_MAX_ROWS = 2000
FEEDBACK_IMPORT_MAX_BYTES = 5 * 1024 * 1024
FEEDBACK_IMPORT_MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # 2,000 rows unpack to a few MB
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
REQUIRED_COLUMNS = ("source", "received_on", "sentiment", "summary")
# Headers besides the fields' own labels (in both languages), as people write them.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "source": ("来源", "类型"),
    "received_on": ("date", "日期", "收到日期"),
    "customer": ("customer code", "客户编码", "顾客编码", "客户代码"),
    "sentiment": ("倾向", "评价"),
    "dimension": ("维度", "满意维度"),
    "summary": ("摘要", "标题"),
    "details": ("详情", "说明"),
    "reference": ("编号", "单号", "索赔单号"),
    "amount": ("金额", "索赔金额"),
}
ENCODINGS = {"auto": ("utf-8-sig", "gb18030"), "utf-8": ("utf-8-sig",), "gb18030": ("gb18030",)}
ENCODING_LABELS = {"utf-8-sig": "UTF-8", "gb18030": "GB18030 (GBK)", "xlsx": "XLSX"}


@dataclass
class RowError:
    row: int  # the spreadsheet's row number (the header is row 1)
    column: str
    message: str


@dataclass
class ImportResult:
    encoding: str  # how the file was read: "UTF-8", "GB18030 (GBK)" or "XLSX"
    rows: int
    errors: list[RowError] = field(default_factory=list)
    created: list[FeedbackRecord] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def records_read(content: bytes, encoding: str = "auto") -> tuple[str, list[list[str]]]:
    """(how it was read, the rows of cells) of a CSV or XLSX file. Raises ApplicationError for an
    empty, unreadable or over-long file."""
    if not content.strip():
        raise ApplicationError(_("The file is empty."))
    if len(content) > FEEDBACK_IMPORT_MAX_BYTES:
        raise ApplicationError(_("The file is larger than 5 MB. Split it into smaller files."))
    if content.startswith(XLS_MAGIC):
        raise ApplicationError(_("Excel 97-2003 (.xls) files are not supported. Save the file as .xlsx or CSV."))
    if content.startswith(XLSX_MAGIC):
        # Bounded by the sheet's real extent and by its unpacked size: see customers.importing.reading.
        sheet = xlsx_sheet_read(
            content,
            max_rows=FEEDBACK_IMPORT_MAX_ROWS,
            max_unpacked_bytes=FEEDBACK_IMPORT_MAX_UNPACKED_BYTES,
            cell_text=_text,
        )
        return ENCODING_LABELS["xlsx"], sheet.records
    for codec in ENCODINGS.get(encoding, ENCODINGS["auto"]):
        try:
            text = content.decode(codec)
        except UnicodeDecodeError:
            continue
        first_line = text.split("\n", 1)[0]
        delimiter = max(",\t;", key=first_line.count)
        try:
            rows = [
                [cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            ]
        except csv.Error as error:
            raise ApplicationError(_("The file is not a valid CSV file: %(error)s") % {"error": error}) from error
        return ENCODING_LABELS[codec], rows
    raise ApplicationError(
        _("The file's text encoding was not recognised. Save it as CSV (UTF-8) or XLSX and upload it again.")
    )


def _header_aliases() -> dict[str, str]:
    aliases = {}
    for name in FEEDBACK_EDITABLE_FIELDS:
        aliases[match_key(name)] = name
        for alias in HEADER_ALIASES.get(name, ()):
            aliases[match_key(alias)] = name
        for language in ("en", "zh-hans"):
            with translation.override(language):
                aliases.setdefault(match_key(str(FeedbackRecord._meta.get_field(name).verbose_name)), name)
                if name == "customer":
                    aliases.setdefault(match_key(str(FeedbackRecordForm.base_fields["customer"].label)), name)
    return aliases


def columns_locate(header: list[str]) -> dict[str, int]:
    aliases = _header_aliases()
    located: dict[str, int] = {}
    for index, text in enumerate(header):
        name = aliases.get(match_key(text))
        if name is None or not text:
            continue
        if name in located:
            raise ApplicationError(
                _("The columns “%(first)s” and “%(second)s” mean the same thing; keep one of them.")
                % {"first": header[located[name]], "second": text}
            )
        located[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in located]
    if missing:
        labels = ", ".join(str(FeedbackRecord._meta.get_field(name).verbose_name) for name in missing)
        raise ApplicationError(_("Required columns are missing: %(columns)s.") % {"columns": labels})
    return located


def _choice_values(choices) -> dict[str, str]:
    """Each choice by its code and by its label in English and Chinese."""
    values = {}
    for value, _label in choices.choices:
        values[match_key(value)] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                values[match_key(str(choices(value).label))] = value
    return values


def _date(text: str) -> str:
    """Dates as 2026-11-10, 2026/11/10 or 2026.11.10 (what Chinese Excel writes), ISO for the form."""
    for separator in ("/", "."):
        if separator in text:
            parts = text.split(" ")[0].split(separator)
            if len(parts) == 3 and all(part.isdigit() for part in parts):
                return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"
    return text.split("T")[0].split(" ")[0]


def feedback_import(*, actor, content: bytes, encoding: str = "auto") -> ImportResult:
    """Validate every row; write all of them (one transaction) only when none has an error. A file
    problem (unreadable, no header, missing columns, too many rows) raises ApplicationError."""
    how, records = records_read(content, encoding)
    records = [row for row in records if any(row)]
    if not records:
        raise ApplicationError(_("The file is empty."))
    header, rows = records[0], records[1:]
    columns = columns_locate(header)
    if not rows:
        raise ApplicationError(_("The file has column headers but no feedback rows."))
    if len(rows) > FEEDBACK_IMPORT_MAX_ROWS:
        raise ApplicationError(
            _("The file has more than %(max)s rows. Split it into smaller files.")
            % {"max": f"{FEEDBACK_IMPORT_MAX_ROWS:,}"}
        )
    result = ImportResult(encoding=how, rows=len(rows))
    cells = [{name: (row[index] if index < len(row) else "") for name, index in columns.items()} for row in rows]
    codes = {c["customer"] for c in cells if c.get("customer")}
    customers = {c.code: c for c in Customer.objects.filter(code__in=codes)} if codes else {}
    dimensions: dict[str, SatisfactionDimension] = {}
    for dimension in SatisfactionDimension.objects.filter(is_active=True):
        for key in (dimension.code, dimension.name_en, dimension.name_zh):
            dimensions.setdefault(match_key(key), dimension)
    sources, sentiments = _choice_values(Source), _choice_values(Sentiment)
    clean_rows = []
    for number, raw in enumerate(cells, start=2):
        errors = _row_errors(number, raw, result)
        data = {name: raw.get(name, "") for name in FEEDBACK_EDITABLE_FIELDS if name not in ("customer", "dimension")}
        data["source"] = sources.get(match_key(data["source"]), data["source"])
        data["sentiment"] = sentiments.get(match_key(data["sentiment"]), data["sentiment"])
        data["received_on"] = _date(data["received_on"])
        data["amount"] = data.get("amount", "").replace(",", "").replace("¥", "").replace("￥", "")
        form = FeedbackRecordForm(data=data)
        del form.fields["customer"], form.fields["dimension"]
        customer = dimension = None
        if raw.get("customer"):
            customer = customers.get(raw["customer"])
            if customer is None:
                errors.append(RowError(number, _label("customer"), _("No customer has this code.")))
            elif not feedback_record_can_change(user=actor, customer=customer):
                errors.append(
                    RowError(number, _label("customer"), _("You may not record feedback about this customer."))
                )
        if raw.get("dimension"):
            dimension = dimensions.get(match_key(raw["dimension"]))
            if dimension is None:
                errors.append(RowError(number, _label("dimension"), _("No active dimension has this code or name.")))
        if not form.is_valid():
            for name, messages in form.errors.items():
                for message in messages:
                    errors.append(RowError(number, _label(name) if name != "__all__" else "", message))
        result.errors.extend(errors)
        if not errors:
            clean_rows.append({**form.cleaned_data, "customer": customer, "dimension": dimension})
    if result.errors:
        return result
    here = current_origin()
    with transaction.atomic(), origin(replace(here, source="import")):
        result.created = [feedback_record_create(actor=actor, data=row) for row in clean_rows]
    return result


def _label(name: str) -> str:
    if name == "customer":
        return str(FeedbackRecordForm.base_fields["customer"].label)
    return str(FeedbackRecord._meta.get_field(name).verbose_name)


def _row_errors(number: int, raw: dict[str, str], result: ImportResult) -> list[RowError]:
    """Cells that would be lost silently: a value NUL bytes spoil (PostgreSQL refuses them)."""
    return [
        RowError(number, _label(name), _("The cell holds a NUL character; remove it."))
        for name, value in raw.items()
        if "\x00" in value
    ]
