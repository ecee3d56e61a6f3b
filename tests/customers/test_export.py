"""Customer export: streamed CSV, XLSX, formula neutralisation, filters, audit, access."""

import csv
import io

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEvent
from customers.exporting import EXPORT_COLUMNS
from tests.factories import ContactFactory, CustomerFactory

DANGEROUS = {"=": '=HYPERLINK("http://x")', "+": "+86 21 5555", "-": "-2+3", "@": "@SUM(A1)"}


def export_csv(client, **params) -> tuple[StreamingHttpResponse, list[list[str]]]:
    response = client.get(reverse("customers:export", args=["csv"]), params)
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel needs the BOM to read UTF-8 Chinese
    return response, list(csv.reader(io.StringIO(body[1:])))


def export_xlsx(client, **params) -> tuple[FileResponse, list[list[str]]]:
    response = client.get(reverse("customers:export", args=["xlsx"]), params)
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [["" if v is None else str(v) for v in row] for row in workbook.worksheets[0].iter_rows(values_only=True)]
    return response, rows


@pytest.mark.django_db
def test_csv_export_streams_and_neutralises_formula_cells(staff_client):
    customer = CustomerFactory(code="F1", name=DANGEROUS["="], phone=DANGEROUS["+"], address=DANGEROUS["@"])
    ContactFactory(customer=customer, name=DANGEROUS["-"], email="a@example.com")

    response, rows = export_csv(staff_client)

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    assert rows[0] == list(EXPORT_COLUMNS)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["name"] == "'" + DANGEROUS["="]
    assert record["phone"] == "'" + DANGEROUS["+"]
    assert record["address"] == "'" + DANGEROUS["@"]
    assert record["contact_name"] == "'" + DANGEROUS["-"]
    assert not any(cell.startswith(tuple(DANGEROUS)) for row in rows for cell in row)


@pytest.mark.django_db
def test_xlsx_export_neutralises_formula_cells(staff_client):
    customer = CustomerFactory(code="F1", name=DANGEROUS["="], phone=DANGEROUS["+"], address=DANGEROUS["@"])
    ContactFactory(customer=customer, name=DANGEROUS["-"], email="a@example.com")

    response, rows = export_xlsx(staff_client)

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert rows[0] == list(EXPORT_COLUMNS)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["name"] == DANGEROUS["="] and record["contact_name"] == DANGEROUS["-"]  # no apostrophe shown
    again = staff_client.get(reverse("customers:export", args=["xlsx"]))
    workbook = load_workbook(io.BytesIO(b"".join(again.streaming_content)))
    cells = {cell.value: cell for cell in workbook.worksheets[0][2]}
    for value in DANGEROUS.values():
        assert cells[value].data_type == "s" and cells[value].quotePrefix  # text, never a formula


@pytest.mark.django_db
def test_export_keeps_chinese_and_writes_the_primary_contact(staff_client):
    customer = CustomerFactory(code="C1", name="华南贸易有限公司")
    ContactFactory(customer=customer, name="次要联系人", is_primary=False)
    ContactFactory(customer=customer, name="主要联系人", is_primary=True)

    _, rows = export_csv(staff_client)

    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["name"] == "华南贸易有限公司" and record["contact_name"] == "主要联系人"


@pytest.mark.django_db
def test_export_follows_the_list_filters(staff_client):
    CustomerFactory(code="K1", tier="key")
    CustomerFactory(code="G1", tier="general")

    _, rows = export_csv(staff_client, tier="key")

    assert [row[0] for row in rows[1:]] == ["K1"]


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_is_recorded_in_the_audit_trail(auditor_client, auditor_user, file_format):
    CustomerFactory()

    response = auditor_client.get(reverse("customers:export", args=[file_format]), {"region": "east"})
    b"".join(response.streaming_content)

    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor == auditor_user
    assert event.changes["format"] == [None, file_format]
    assert event.changes["filters"] == [None, {"region": ["east"]}]


@pytest.mark.django_db
def test_export_of_an_unknown_format_is_not_found(staff_client):
    assert staff_client.get(reverse("customers:export", args=["pdf"])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


@pytest.mark.django_db
def test_export_streams_in_batches_with_a_bounded_number_of_queries(staff_client, django_assert_max_num_queries):
    for index in range(30):
        ContactFactory(customer=CustomerFactory(code=f"Q{index:02d}"))

    with django_assert_max_num_queries(15):
        _, rows = export_csv(staff_client)

    assert len(rows) == 31
