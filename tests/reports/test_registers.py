"""The registers taken away as spreadsheets: complaint register, corrective actions, visits."""

import csv
import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEvent
from reports import registers
from tests.complaints.factories import ComplaintFactory, CorrectiveActionFactory
from tests.factories import CustomerFactory, SegmentFactory
from tests.visits.factories import VisitFactory

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


def test_an_empty_period_has_only_the_header(shanghai):
    rows = list(
        registers.complaint_register_rows(
            since=datetime.date(2026, 1, 1), until=datetime.date(2026, 1, 31), language="en"
        )
    )
    assert len(rows) == 1 and rows[0][0] == "Reference"


def test_one_complaint_with_local_times_durations_and_sla_in_english(shanghai):
    # Received 01:48 Beijing time on 2 Nov (17:48 UTC on 1 Nov): the register says 2 Nov.
    ComplaintFactory(
        reference="CMP-2026-00001",
        received_at=_at(2026, 11, 2, 1, 48),
        acknowledged_at=_at(2026, 11, 2, 7, 48),  # 6.0 hours later
        acknowledge_due_at=_at(2026, 11, 2, 9, 0),  # on time
        resolved_at=_at(2026, 11, 5, 13, 48),  # 3.5 days after receipt
        resolve_due_at=_at(2026, 11, 4, 18, 0),  # late
        state="resolved",
        resolution="Seal replaced",
        channel="hotline",
        satisfaction_rating=4,
        satisfaction_at=_at(2026, 11, 6, 9, 0),
    )
    ComplaintFactory(received_at=_at(2026, 12, 1, 0, 5))  # December: outside November

    header, row = registers.complaint_register_rows(
        since=datetime.date(2026, 11, 1), until=datetime.date(2026, 11, 30), language="en"
    )
    record = dict(zip(header, row, strict=True))
    assert record["Reference"] == "CMP-2026-00001"
    assert record["Received at"] == datetime.datetime(2026, 11, 2, 1, 48)
    assert record["Hours to acknowledge"] == Decimal("6.0")
    assert record["Acknowledged on time"] == "Yes"
    assert record["Days to resolve"] == Decimal("3.5")
    assert record["Resolved on time (SLA met)"] == "No"
    assert record["Channel"] == "Customer hotline"
    assert record["Complainant satisfaction (1–5)"] == 4
    assert record["Closed at"] is None


def test_headers_and_values_follow_the_readers_language_and_codes_stay_codes_on_request(shanghai):
    ComplaintFactory(received_at=_at(2026, 11, 3, 10, 0), channel="hotline", state="received")
    since, until = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)

    header, row = registers.complaint_register_rows(since=since, until=until, language="zh-hans")
    chinese = dict(zip(header, row, strict=True))
    assert "编号" in header[0] or header[0] != "Reference"
    assert "顾客热线" in chinese.values()

    header, row = registers.complaint_register_rows(since=since, until=until, language="en", codes=True)
    coded = dict(zip(header, row, strict=True))
    assert coded["Channel"] == "hotline" and coded["State"] == "received"


def test_corrective_actions_of_the_period_with_overdue_and_verification(shanghai, staff_user):
    complaint = ComplaintFactory(received_at=_at(2026, 11, 3, 10, 0), reference="CMP-2026-00007")
    CorrectiveActionFactory(complaint=complaint, owner=staff_user, due_date=datetime.date(2020, 1, 1))
    CorrectiveActionFactory(complaint=ComplaintFactory(received_at=_at(2026, 10, 3, 10, 0)), owner=staff_user)

    header, *rows = registers.corrective_action_rows(
        since=datetime.date(2026, 11, 1), until=datetime.date(2026, 11, 30), language="en"
    )
    assert len(rows) == 1
    record = dict(zip(header, rows[0], strict=True))
    assert record["Complaint"] == "CMP-2026-00007"
    assert record["Overdue"] == "Yes" and record["Status"] == "Open" and record["Due date"] == datetime.date(2020, 1, 1)


def test_visits_planned_against_done_with_their_average_score(shanghai):
    from customers.models import SatisfactionDimension
    from visits.models import VisitScore

    done = VisitFactory(
        due_date=datetime.date(2026, 11, 10),
        status="done",
        visited_on=datetime.date(2026, 11, 9),
        completed_at=_at(2026, 11, 9, 15, 0),
    )
    dimensions = [
        SatisfactionDimension.objects.create(code=f"d{i}", name_en=f"D{i}", name_zh=f"维{i}") for i in range(2)
    ]
    VisitScore.objects.create(visit=done, dimension=dimensions[0], score=4)
    VisitScore.objects.create(visit=done, dimension=dimensions[1], score=5)
    VisitFactory(due_date=datetime.date(2026, 11, 20))  # planned, not done

    header, *rows = registers.visit_rows(
        since=datetime.date(2026, 11, 1), until=datetime.date(2026, 11, 30), language="en"
    )
    by_status = {dict(zip(header, r, strict=True))["Status"]: dict(zip(header, r, strict=True)) for r in rows}
    assert set(by_status) == {"Done", "Planned"}
    assert by_status["Done"]["Average score (1–5)"] == Decimal("4.5")  # (4 + 5) / 2
    assert by_status["Planned"]["Average score (1–5)"] is None


def test_manager_downloads_the_xlsx_with_numbers_as_numbers_and_the_export_is_audited(
    manager_client, manager_user, shanghai
):
    ComplaintFactory(
        received_at=_at(2026, 11, 2, 9, 0), acknowledged_at=_at(2026, 11, 2, 10, 30), subject="=HYPERLINK(1)"
    )

    response = manager_client.get(
        reverse("reports:register_export", args=["complaints", "xlsx"]), {"since": "2026-11-01", "until": "2026-11-30"}
    )

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    row = [cell.value for cell in sheet[2]]
    assert row[header.index("Hours to acknowledge")] == 1.5  # a number, not the text '1.5'
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor == manager_user and event.comment == "complaints.xlsx"


def test_csv_for_a_segment_only_and_staff_cannot_export(manager_client, staff_client, shanghai):
    key = CustomerFactory(tier="key")
    ComplaintFactory(customer=key, received_at=_at(2026, 11, 2, 9, 0), reference="CMP-KEY")
    ComplaintFactory(customer=CustomerFactory(tier="general"), received_at=_at(2026, 11, 2, 9, 0), reference="CMP-GEN")
    segment = SegmentFactory(criteria={"tier": "key"})
    url = reverse("reports:register_export", args=["complaints", "csv"])

    response = manager_client.get(url, {"segment": segment.pk})

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    references = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert references == ["CMP-KEY"]
    assert staff_client.get(url).status_code == 403


def test_bad_parameters_are_refused(manager_client):
    url = reverse("reports:register_export", args=["complaints", "csv"])
    assert manager_client.get(url, {"since": "2026-13-01"}).status_code == 404
    assert manager_client.get(url, {"since": "2026-12-01", "until": "2026-11-01"}).status_code == 404
    assert manager_client.get(reverse("reports:register_export", args=["nothing", "csv"])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_no_code_is_left_in_the_registers_for_people_and_codes_1_keeps_them(shanghai):
    """Every choice column of the three registers in words in both languages (the visit's plan by its
    Chinese name too); with codes the values a machine matches on."""
    from tests.visits.factories import VisitPlanFactory

    plan = VisitPlanFactory(name="Key accounts quarterly", name_zh="关键顾客季度回访")
    VisitFactory(
        plan=plan,
        due_date=datetime.date(2026, 11, 20),
        status="done",
        visited_on=datetime.date(2026, 11, 19),
        completed_at=_at(2026, 11, 19, 16, 0),
        channel="phone",
        purpose="relationship",
    )
    complaint = ComplaintFactory(received_at=_at(2026, 11, 2, 10, 0), channel="hotline", state="received")
    CorrectiveActionFactory(complaint=complaint, kind="corrective", status="open", due_date=datetime.date(2026, 12, 1))
    since, until = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)

    def register(rows_for, language, codes=False):
        header, row = rows_for(since=since, until=until, language=language, codes=codes)
        return dict(zip(header, row, strict=True))

    visit_zh = register(registers.visit_rows, "zh-hans")
    visit_en = register(registers.visit_rows, "en")
    visit_codes = register(registers.visit_rows, "en", codes=True)
    assert visit_zh["回访计划"] == "关键顾客季度回访" and visit_en["Plan"] == "Key accounts quarterly"
    assert visit_codes["Plan"] == "Key accounts quarterly"
    assert visit_en["Channel"] == "Phone call" and visit_codes["Channel"] == "phone"
    assert visit_en["Status"] == "Done" and visit_codes["Status"] == "done"

    complaint_en = register(registers.complaint_register_rows, "en")
    complaint_codes = register(registers.complaint_register_rows, "en", codes=True)
    assert complaint_codes["Channel"] == "hotline" and complaint_en["Channel"] != "hotline"
    assert complaint_codes["State"] == "received" and complaint_en["State"] != "received"

    action_zh = register(registers.corrective_action_rows, "zh-hans")
    action_codes = register(registers.corrective_action_rows, "en", codes=True)
    assert action_codes["Kind"] == "corrective" and action_codes["Status"] == "open"
    assert action_zh["类型"] == "纠正措施" and action_zh["状态"] not in ("open", "")
