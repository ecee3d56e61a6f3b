"""The analysis report end to end: built by the task in both languages, every section in the PDF,
fonts embedded, the XLSX's numbers as numbers, conclusions carried into a new version, schedules
once per period with one e-mail per recipient, the command, access and a failed build."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from core.models import OutboxMessage
from reports.analysis import content
from reports.analysis.periods import last_full_period, period_from_label
from reports.analysis.services import (
    analysis_report_conclusions_update,
    analysis_report_request,
    analysis_reports_due,
    report_file_path,
)
from reports.analysis.tasks import analysis_reports_schedule_run_task
from reports.models import AnalysisReport, PeriodKind, ReportSchedule, ScheduledReport
from reports.services import facts_fill
from tests.factories import CustomerFactory
from tests.reports.factories import SurveyWorld, at

pytestmark = pytest.mark.django_db

NOVEMBER = period_from_label("2026-11")[1]
HEADINGS = {
    "en": [
        "Customer satisfaction analysis report",
        "Method and sample",
        "Headline figures",
        "Satisfaction trend",
        "Results by dimension",
        "Results by segment",
        "Gaps and importance–performance",
        "Key drivers of overall satisfaction",
        "Customer loyalty",
        "Complaints analysis",
        "Corrective actions and effectiveness",
        "Follow-up visit coverage",
        "Lost business analysis",
        "Quality objectives against targets",
        "Competitors and benchmarks",
        "Conclusions and actions",
    ],
    "zh-hans": [
        "顾客满意度分析报告",
        "测量方法与样本",
        "重要性—绩效分析",
        "总体满意度的关键驱动因素",
        "顾客忠诚度",
        "流失业务分析",
        "竞争对手和标杆",
        "结论与措施",
    ],
}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def december():
    with time_machine.travel(at(2026, 12, 3, 9), tick=True):
        yield


@pytest.fixture
def data(december):
    world = SurveyWorld()
    key = CustomerFactory(tier="key")
    world.respond(
        when=at(2026, 11, 2, 10),
        customer=key,
        scores={"quality": 5, "delivery": 3, "overall": 4},
        importance={"quality": 5},
        recommend=9,
    )
    world.respond(when=at(2026, 11, 12, 15), scores={"quality": 2, "delivery": 4}, recommend=5)
    facts_fill(until=timezone.now())
    return world


def _request(actor, language="en", **kwargs):
    return analysis_report_request(
        actor=actor, period=NOVEMBER, kind=PeriodKind.MONTH, scope=None, language=language, **kwargs
    )


def _text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _fonts_embedded(path) -> list[str]:
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    header = lines[0]
    emb = header.index(" emb ") + 1
    return [line[emb : emb + 3] for line in lines[2:]]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_report_is_built_with_every_section_and_embedded_fonts(
    data, manager_user, language, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = _request(manager_user, language)

    report.refresh_from_db()
    assert report.status == AnalysisReport.Status.DONE, report.error
    assert report.progress == 100
    assert len(report.sha256) == 64
    pdf = report_file_path(report, "pdf")
    text = " ".join(_text(pdf).split())
    for heading in HEADINGS[language]:
        assert heading in text, heading
    assert "2026-11" in text
    fonts = _fonts_embedded(pdf)
    assert fonts and all(flag == "yes" for flag in fonts)


def test_the_xlsx_keeps_numbers_as_numbers(data, manager_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = _request(manager_user)
    report.refresh_from_db()

    workbook = load_workbook(io.BytesIO(report_file_path(report, "xlsx").read_bytes()))

    sheet = workbook["headline"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    csi = rows[0]
    # Two responses: (2×100 + 50)/3 = 83.3 and (2×25 + 75)/3 = 41.7; the CSI is their mean, 62.5.
    assert isinstance(csi[1], float) and csi[1] == pytest.approx(62.5, abs=0.1)
    assert csi[2] == 2
    assert isinstance(workbook["dimensions"].cell(row=3, column=2).value, float)


def test_conclusions_are_carried_into_a_regenerated_version(data, manager_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _request(manager_user)
    analysis_report_conclusions_update(
        actor=manager_user, report=first, conclusions="Delivery lags: weekly dispatch review from January."
    )

    with django_capture_on_commit_callbacks(execute=True):
        second = _request(manager_user)

    second.refresh_from_db()
    assert second.version == 2
    assert second.conclusions == "Delivery lags: weekly dispatch review from January."
    assert "weekly dispatch review" in " ".join(_text(report_file_path(second, "pdf")).split())


def test_the_schedule_makes_one_report_per_period_and_one_e_mail_per_recipient(
    data, manager_user, django_capture_on_commit_callbacks, mailoutbox
):
    ReportSchedule.objects.create(name="Monthly", recipients="quality@example.com, gm@example.com", language="en")

    with django_capture_on_commit_callbacks(execute=True):
        assert analysis_reports_schedule_run_task.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert analysis_reports_schedule_run_task.delay().get() == 0
        assert analysis_reports_due(today=datetime.date(2026, 12, 20)) == []

    (report,) = AnalysisReport.objects.all()
    assert (report.period_start, report.period_end, report.period_label) == (NOVEMBER.since, NOVEMBER.until, "2026-11")
    assert report.status == AnalysisReport.Status.DONE
    assert ScheduledReport.objects.count() == 1
    mails = OutboxMessage.objects.filter(template="reports/analysis_report_ready")
    assert sorted(address for m in mails for address in m.to) == ["gm@example.com", "quality@example.com"]
    assert sorted(address for m in mailoutbox for address in m.to) == ["gm@example.com", "quality@example.com"]
    assert all(reverse("reports:analysis_detail", args=[report.pk]) in m.body for m in mailoutbox)


def test_the_next_period_gets_its_own_report(data):
    ReportSchedule.objects.create(name="Quarterly", period_kind=PeriodKind.QUARTER, recipients="")
    assert last_full_period(PeriodKind.QUARTER, datetime.date(2026, 12, 3)) == period_from_label("2026-Q3")[1]

    analysis_reports_due(today=datetime.date(2026, 12, 3))
    analysis_reports_due(today=datetime.date(2027, 1, 2))
    analysis_reports_due(today=datetime.date(2027, 1, 3))

    assert sorted(AnalysisReport.objects.values_list("period_label", flat=True)) == ["2026-Q3", "2026-Q4"]


def test_report_generate_writes_the_pdf(data, tmp_path):
    output = tmp_path / "report.pdf"

    call_command("report_generate", "--period", "2026-11", "--language", "zh-hans", "--output", str(output))

    assert output.read_bytes().startswith(b"%PDF")
    assert "结论与措施" in " ".join(_text(output).split())
    assert AnalysisReport.objects.count() == 0


def test_an_auditor_downloads_but_neither_generates_nor_edits(
    data, manager_user, auditor_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = _request(manager_user)

    pdf = auditor_client.get(reverse("reports:analysis_download", args=[report.pk, "pdf"]))
    xlsx = auditor_client.get(reverse("reports:analysis_download", args=[report.pk, "xlsx"]))
    generate = auditor_client.post(
        reverse("reports:analysis_list"), {"period": "2026-11", "language": "en", "segment": ""}
    )
    edit = auditor_client.post(reverse("reports:analysis_detail", args=[report.pk]), {"conclusions": "x"})

    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert xlsx.status_code == 200
    assert (generate.status_code, edit.status_code) == (403, 403)
    assert AnalysisReport.objects.count() == 1
    report.refresh_from_db()
    assert report.conclusions == ""


def test_a_manager_generates_from_the_page_and_sees_progress(manager_client, data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = manager_client.post(
            reverse("reports:analysis_list"), {"period": "2026-Q4", "language": "zh-hans", "segment": ""}
        )
    report = AnalysisReport.objects.get()
    assert response.status_code == 302
    assert report.status == AnalysisReport.Status.QUEUED and report.period_label == "2026-Q4"

    fragment = manager_client.get(reverse("reports:analysis_progress", args=[report.pk]))
    page = manager_client.get(reverse("reports:analysis_list"))

    assert 'hx-trigger="every 2s"' in fragment.content.decode()
    assert page.status_code == 200 and "2026-Q4" in page.content.decode()


def test_a_failed_build_records_the_error(data, manager_user, monkeypatch, django_capture_on_commit_callbacks):
    def broken(context):
        raise RuntimeError("the figures are unavailable")

    monkeypatch.setattr(content, "SECTIONS", (content.title_page, broken))

    with django_capture_on_commit_callbacks(execute=True):
        report = _request(manager_user)

    report.refresh_from_db()
    assert report.status == AnalysisReport.Status.FAILED
    assert "the figures are unavailable" in report.error
    assert report_file_path(report, "pdf") is None


def test_section_titles_are_translated():
    with translation.override("zh-hans"):
        assert str(content.SECTION_TITLES["conclusions"]) == "结论与措施"


def _killed_mid_build(report: AnalysisReport, *, silent: datetime.timedelta, started: datetime.timedelta) -> None:
    """As a worker SIGKILLed mid-build leaves it: running, its last progress `silent` ago."""
    now = timezone.now()
    AnalysisReport.objects.filter(pk=report.pk).update(
        status=AnalysisReport.Status.RUNNING, progress=40, started_at=now - started, updated_at=now - silent
    )


def test_a_build_a_killed_worker_left_running_is_built_and_mailed_once_by_the_minute_job(
    data, manager_user, django_capture_on_commit_callbacks, mailoutbox
):
    from reports.analysis.tasks import analysis_reports_recover_task

    schedule = ReportSchedule.objects.create(
        name="Monthly", recipients="quality@example.com, gm@example.com", language="en"
    )
    with django_capture_on_commit_callbacks(execute=False):  # the build task is lost with the worker
        analysis_reports_due()
    (report,) = AnalysisReport.objects.filter(schedule=schedule)
    _killed_mid_build(report, silent=datetime.timedelta(minutes=16), started=datetime.timedelta(minutes=17))

    with django_capture_on_commit_callbacks(execute=True):
        assert analysis_reports_recover_task.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert analysis_reports_recover_task.delay().get() == 0

    report.refresh_from_db()
    assert report.status == AnalysisReport.Status.DONE and report.progress == 100
    assert report_file_path(report, "pdf") is not None
    assert AnalysisReport.objects.count() == 1
    assert sorted(address for m in mailoutbox for address in m.to) == ["gm@example.com", "quality@example.com"]


def test_a_slow_build_still_making_progress_is_not_queued_again(data, manager_user, django_capture_on_commit_callbacks):
    from reports.analysis.services import analysis_reports_requeue_stale

    with django_capture_on_commit_callbacks(execute=False):
        report = _request(manager_user)
    # Started an hour ago, but its last section was done a minute ago: alive, not stale.
    _killed_mid_build(report, silent=datetime.timedelta(minutes=1), started=datetime.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert analysis_reports_requeue_stale() == 0

    report.refresh_from_db()
    assert report.status == AnalysisReport.Status.RUNNING and callbacks == []


def test_a_requeued_report_is_not_queued_again_by_the_next_minute(
    settings, data, manager_user, django_capture_on_commit_callbacks
):
    from reports.analysis.services import analysis_reports_requeue_stale

    settings.ANALYSIS_REPORT_STALE_AFTER_SECONDS = 600
    with django_capture_on_commit_callbacks(execute=False):
        report = _request(manager_user)
    _killed_mid_build(report, silent=datetime.timedelta(minutes=11), started=datetime.timedelta(minutes=12))

    with django_capture_on_commit_callbacks(execute=False) as first:
        assert analysis_reports_requeue_stale() == 1
    with django_capture_on_commit_callbacks(execute=False) as second:
        assert analysis_reports_requeue_stale(now=timezone.now() + datetime.timedelta(minutes=1)) == 0
    with django_capture_on_commit_callbacks(execute=False) as later:
        assert analysis_reports_requeue_stale(now=timezone.now() + datetime.timedelta(minutes=11)) == 1

    report.refresh_from_db()
    assert report.status == AnalysisReport.Status.QUEUED
    assert (len(first), len(second), len(later)) == (1, 0, 1)


def test_a_done_report_whose_e_mails_a_killed_worker_never_recorded_is_mailed_once(
    data, django_capture_on_commit_callbacks, mailoutbox
):
    from reports.analysis.tasks import analysis_reports_recover_task

    ReportSchedule.objects.create(name="Monthly", recipients="gm@example.com", language="en")
    with django_capture_on_commit_callbacks(execute=False):
        (report,) = analysis_reports_due()
    # Killed between "done" and the e-mails' transaction (analysis_report_build, then _mail).
    AnalysisReport.objects.filter(pk=report.pk).update(status=AnalysisReport.Status.DONE, finished_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        analysis_reports_recover_task.delay().get()
        analysis_reports_recover_task.delay().get()

    assert [m.to for m in mailoutbox] == [["gm@example.com"]]


def test_the_recovery_job_runs_every_minute():
    from celery.schedules import crontab

    from csm.celery import app

    (entry,) = [e for e in app.conf.beat_schedule.values() if e["task"] == "reports.analysis_reports_recover_task"]
    assert entry["schedule"] == crontab()


def test_a_manager_keeps_a_schedule_and_an_auditor_cannot(manager_client, auditor_client):
    from core.models import AuditEvent

    response = manager_client.post(
        reverse("reports:analysis_schedule_create"),
        {
            "name": "Monthly to the board",
            "period_kind": "month",
            "segment": "",
            "language": "zh-hans",
            "recipients": "gm@example.com",
            "is_active": "on",
        },
    )
    refused = auditor_client.post(
        reverse("reports:analysis_schedule_create"),
        {"name": "Auditor's", "period_kind": "month", "language": "en", "recipients": ""},
    )
    invalid = manager_client.post(
        reverse("reports:analysis_schedule_create"),
        {"name": "Bad", "period_kind": "month", "language": "en", "recipients": "not an address"},
    )

    schedule = ReportSchedule.objects.get()
    assert response.status_code == 302 and schedule.recipient_list == ["gm@example.com"]
    assert refused.status_code == 403 and invalid.status_code == 200
    assert AuditEvent.objects.filter(object_id=str(schedule.pk), action="create").exists()
    assert auditor_client.get(reverse("reports:analysis_schedule_list")).status_code == 200


def test_the_loyalty_and_complaint_sections_keep_to_the_report_scope(december):
    from complaints.models import ComplaintCategory
    from reports.figures import FigureScope
    from surveys.models import Question
    from tests.complaints.factories import ComplaintFactory

    world = SurveyWorld()
    Question.objects.create(
        version=world.version,
        position=9,
        code="buy_again",
        kind="rating",
        text_en="Again?",
        text_zh="再购?",
        scale_max=5,
        loyalty_aspect="repurchase",
    )
    world.questions["buy_again"] = Question.objects.get(version=world.version, code="buy_again")
    key, general = CustomerFactory(tier="key"), CustomerFactory(tier="general")
    world.respond(when=at(2026, 11, 5), customer=key, scores={"buy_again": 4})  # 75
    world.respond(when=at(2026, 11, 6), customer=general, scores={"buy_again": 2})  # 25
    leak = ComplaintCategory.objects.create(name="Leak", name_zh="泄漏", code="t-leak-report")
    for customer in (key, general, general):
        ComplaintFactory(customer=customer, category=leak, received_at=at(2026, 11, 7))
    facts_fill(until=timezone.now())

    def context(scope):
        return content.ReportContext(report=None, period=NOVEMBER, scope=scope, today=datetime.date(2026, 12, 3))

    everyone, keyed = context(FigureScope.everyone()), context(FigureScope.classification("tier", "key"))
    assert content.loyalty(everyone).tables[0].rows[0] == ["Intention to buy again", 50.0, 2]
    assert content.loyalty(keyed).tables[0].rows[-1] == ["Customer loyalty index", 75.0, 1]
    assert content.complaints(everyone).tables[0].rows[0][:2] == ["Leak", 3]
    assert content.complaints(keyed).tables[0].rows[0][:2] == ["Leak", 1]
    drivers = content.drivers(everyone)
    assert drivers.tables[0].rows == [] and any("Too few complete responses" in p for p in drivers.paragraphs)
