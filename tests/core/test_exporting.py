"""core.exporting: every download of rows neutralises formulas, and numbers stay numbers."""

import csv
import decimal
import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from core.exporting import neutralise, rows_file_response

FORMULAS = ['=HYPERLINK("http://x")', "+86 21 5555", "-2+3", "@SUM(A1)", "\tx", "\rx"]
ROWS = [
    ["text", "int", "negative", "decimal", "float", "empty"],
    ["华东", 12, -5, decimal.Decimal("1200.50"), 7.5, None],
]


@pytest.mark.parametrize("value", FORMULAS)
def test_neutralise_prefixes_an_apostrophe_to_formula_text(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["华东机械", "O'Brien", "a=b", "", "x-1"])
def test_neutralise_leaves_ordinary_text_alone(value):
    assert neutralise(value) == value


@pytest.mark.parametrize(("value", "text"), [(-5, "-5"), (-1.5, "-1.5"), (decimal.Decimal("-3.0"), "-3.0"), (0, "0")])
def test_neutralise_never_touches_numbers(value, text):
    assert neutralise(value) == text


def _csv(rows) -> list[list[str]]:
    response = rows_file_response(rows, filename="x.csv", file_format="csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _xlsx(rows):
    response = rows_file_response(rows, filename="x.xlsx", file_format="xlsx", sheet="data")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))["data"]


def test_csv_neutralises_formula_text_but_not_negative_numbers():
    rows = _csv([["a", "b"], *([value, -5] for value in FORMULAS)])

    assert [row[0] for row in rows[1:]] == ["'" + value for value in FORMULAS]
    assert {row[1] for row in rows[1:]} == {"-5"}


def test_xlsx_keeps_formula_text_as_text_without_an_apostrophe():
    sheet = _xlsx([FORMULAS])

    cells = list(sheet[1])
    # A control character is written escaped as OOXML says (_x000D_ for a CR), which Excel reads back;
    # openpyxl leaves inline strings escaped.
    assert [unescape(cell.value) for cell in cells] == FORMULAS
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)


def test_xlsx_writes_numbers_as_numbers_and_none_as_an_empty_cell():
    sheet = _xlsx(ROWS)

    cells = list(sheet[2])
    assert [cell.value for cell in cells] == ["华东", 12, -5, 1200.5, 7.5, None]
    assert [cell.data_type for cell in cells[1:5]] == ["n"] * 4
    assert not any(cell.quotePrefix for cell in cells)


def test_csv_writes_numbers_as_they_are_and_none_as_empty():
    assert _csv(ROWS)[1] == ["华东", "12", "-5", "1200.50", "7.5", ""]


def test_stored_moments_are_written_in_local_time_and_dates_as_dates(settings):
    import datetime
    import zoneinfo

    settings.TIME_ZONE = "Asia/Shanghai"
    # 01:48 Beijing time on 5 March, as the database gives it back: 17:48 UTC on 4 March.
    moment = datetime.datetime(2026, 3, 5, 1, 48, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")).astimezone(datetime.UTC)
    rows = [["at", "due"], [moment, datetime.date(2026, 3, 10)]]

    assert _csv(rows)[1] == ["2026-03-05 01:48:00", "2026-03-10"]
    cells = list(_xlsx(rows)[2])
    assert cells[0].value == datetime.datetime(2026, 3, 5, 1, 48)
    assert cells[0].is_date and cells[1].is_date  # date cells a spreadsheet sorts and filters, not text
