"""Importing feedback records from CSV (UTF-8 or GBK) and XLSX: all or nothing, row errors shown."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.exceptions import ApplicationError
from core.models import AuditEvent
from customers.models import SatisfactionDimension
from feedback.importing import feedback_import
from feedback.models import FeedbackRecord
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ZH_HEADER = "来源,收到日期,客户编码,倾向,维度,摘要,索赔单号,金额\n"


def _csv(*rows: str, header: str = ZH_HEADER) -> str:
    return header + "".join(row + "\n" for row in rows)


def test_a_chinese_utf8_file_with_labels_is_imported_and_audited(manager_user):
    customer = CustomerFactory(code="C-001")
    quality = SatisfactionDimension.objects.get(code="quality")
    content = _csv(
        '索赔,2026/11/10,C-001,负面,产品质量,泵体密封件三个月后漏水,WC-0042,"12,800.00"',
        "Dealer report,2026-11-12,,Neutral,,华东经销商月报,,",
    ).encode("utf-8")

    result = feedback_import(actor=manager_user, content=content)

    assert (result.errors, result.encoding, len(result.created)) == ([], "UTF-8", 2)
    claim = FeedbackRecord.objects.get(reference="WC-0042")
    assert (claim.source, claim.sentiment, claim.customer, claim.dimension) == (
        "warranty_claim",
        "negative",
        customer,
        quality,
    )
    assert (claim.received_on, claim.amount) == (datetime.date(2026, 11, 10), Decimal("12800.00"))
    report = FeedbackRecord.objects.get(summary="华东经销商月报")
    assert (report.source, report.customer, report.amount) == ("dealer_report", None, None)
    event = AuditEvent.objects.for_object(claim).get()
    assert event.action == AuditEvent.Action.CREATE and event.source == "import"


def test_a_gbk_csv_is_read_as_gb18030(manager_user):
    content = _csv("赞扬,2026-11-03,,正面,,客户表扬售后响应及时,,").encode("gbk")

    result = feedback_import(actor=manager_user, content=content)

    assert result.encoding == "GB18030 (GBK)" and result.errors == []
    assert FeedbackRecord.objects.get().summary == "客户表扬售后响应及时"


def test_an_xlsx_file_with_english_headers_and_date_cells(manager_user):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Source", "Received on", "Sentiment", "Summary", "Amount (CNY)"])
    sheet.append(["warranty_claim", datetime.datetime(2026, 11, 5), "negative", "Valve cracked", 3500])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = feedback_import(actor=manager_user, content=buffer.getvalue())

    assert (result.encoding, result.errors) == ("XLSX", [])
    record = FeedbackRecord.objects.get()
    assert (record.received_on, record.amount) == (datetime.date(2026, 11, 5), Decimal("3500"))


def test_one_bad_row_writes_nothing_and_every_error_names_its_row(manager_user):
    content = _csv(
        "索赔,2026-11-10,,负面,,Fine row,,",
        "Rumour,2026-11-10,,负面,,Unknown source,,",
        "索赔,2026-13-45,NOPE,sad,unknown-dim,,,-5",
    ).encode("utf-8")

    result = feedback_import(actor=manager_user, content=content)

    assert FeedbackRecord.objects.count() == 0 and result.created == []
    problems = {(e.row, e.column) for e in result.errors}
    assert (3, "source") in problems
    assert {(4, "customer code"), (4, "dimension"), (4, "received on"), (4, "sentiment"), (4, "summary")} <= {
        (row, column.lower()) for row, column in problems
    }
    assert any(e.row == 4 and "amount" in e.column.lower() for e in result.errors)
    assert all(e.row != 2 for e in result.errors)


def test_staff_cannot_import_feedback_about_another_staff_members_customer(staff_user, other_staff_user):
    CustomerFactory(code="C-009", owner=other_staff_user)
    content = _csv("索赔,2026-11-10,C-009,负面,,Leak,,").encode("utf-8")

    result = feedback_import(actor=staff_user, content=content)

    assert [e.message for e in result.errors] == ["You may not record feedback about this customer."]
    assert not FeedbackRecord.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        ("来源,摘要\n索赔,x\n".encode(), "Required columns are missing"),
        (ZH_HEADER.encode(), "no feedback rows"),
        (b"\xd0\xcf\x11\xe0rest", ".xls"),
        (b"PK\x03\x04broken", "not a readable XLSX"),
        (b"source,received_on\n\xff\xfe\xfa,x\n", "encoding was not recognised"),
    ],
)
def test_a_file_problem_is_refused_with_a_clear_message(manager_user, content, message):
    with pytest.raises(ApplicationError) as error:
        feedback_import(actor=manager_user, content=content, encoding="utf-8")
    assert message in error.value.message
    assert not FeedbackRecord.objects.exists()


def test_the_import_page_reports_success_or_lists_the_errors(manager_client):
    good = SimpleUploadedFile("claims.csv", _csv("索赔,2026-11-10,,负面,,Leak,,").encode("utf-8"))
    response = manager_client.post(reverse("feedback:records_upload"), {"file": good, "encoding": "auto"}, follow=True)
    assert "1 feedback records imported (read as UTF-8)." in response.content.decode()
    bad = SimpleUploadedFile("claims.csv", _csv("Rumour,2026-11-10,,负面,,Leak,,").encode("utf-8"))
    response = manager_client.post(reverse("feedback:records_upload"), {"file": bad, "encoding": "auto"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="import-errors"' in html
    assert "Nothing was imported: 1 error in 1 rows" in html
    assert FeedbackRecord.objects.count() == 1


def test_an_auditor_cannot_import(auditor_client):
    upload = SimpleUploadedFile("claims.csv", _csv("索赔,2026-11-10,,负面,,Leak,,").encode("utf-8"))
    response = auditor_client.post(reverse("feedback:records_upload"), {"file": upload})
    assert response.status_code == 403
    assert not FeedbackRecord.objects.exists()


def test_an_xlsx_whose_formatted_empty_rows_claim_a_million_rows_is_read_by_its_real_extent(manager_user, monkeypatch):
    from customers.importing import reading
    from tests.customers.importing.uploads import xlsx_with_formatted_rows

    content = xlsx_with_formatted_rows(
        [["compliment", datetime.date(2026, 11, 3), "positive", "客户表扬售后响应及时"]],
        header=["source", "received_on", "sentiment", "summary"],
        formatted_to=4000,
    )
    scanned = []
    real_read = reading.xlsx_sheet_read

    def counting(*args, **kwargs):
        sheet = real_read(*args, **kwargs)
        scanned.append(sheet.rows_scanned)
        return sheet

    monkeypatch.setattr("feedback.importing.xlsx_sheet_read", counting)

    result = feedback_import(actor=manager_user, content=content)

    assert scanned == [2 + reading.XLSX_EMPTY_ROWS_RUN]
    assert result.errors == [] and FeedbackRecord.objects.get().received_on == datetime.date(2026, 11, 3)


def test_an_xlsx_that_unpacks_to_too_much_is_refused_and_nothing_is_written(manager_user, monkeypatch):
    from feedback import importing
    from tests.customers.importing.uploads import zip_bomb_xlsx

    monkeypatch.setattr(importing, "FEEDBACK_IMPORT_MAX_UNPACKED_BYTES", 1024 * 1024)

    with pytest.raises(ApplicationError, match="unpacks to more than 1 MB"):
        feedback_import(actor=manager_user, content=zip_bomb_xlsx(2 * 1024 * 1024))
    assert not FeedbackRecord.objects.exists()
