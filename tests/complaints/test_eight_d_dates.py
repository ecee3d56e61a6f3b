"""The 8D PDF dates every moment in the configured time zone (Asia/Shanghai), as the complaint's page
does: a complaint received in the first eight hours of a Beijing day is dated that day, not the UTC
day before."""

import datetime
import shutil
import subprocess
import zoneinfo

import pytest

from complaints.eight_d import eight_d_pdf
from core.exporting import date_text, datetime_text, local_date, local_datetime
from tests.complaints.factories import ComplaintFactory, CorrectiveActionFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC


def _text(content: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("hour", [0, 1, 7])
def test_a_moment_before_eight_in_the_morning_is_dated_its_local_day(settings, hour):
    settings.TIME_ZONE = "Asia/Shanghai"
    moment = datetime.datetime(2026, 3, 5, hour, 48, tzinfo=SHANGHAI).astimezone(UTC)  # 4 March in UTC

    assert moment.date() == datetime.date(2026, 3, 4)
    assert local_date(moment) == datetime.date(2026, 3, 5)
    assert local_datetime(moment) == datetime.datetime(2026, 3, 5, hour, 48)
    assert date_text(moment) == "03/05/2026"  # en's SHORT_DATE_FORMAT
    assert datetime_text(moment).startswith("03/05/2026")


def test_dates_and_empty_values_are_left_as_they_are():
    assert local_date(datetime.date(2026, 3, 5)) == datetime.date(2026, 3, 5)
    assert local_datetime(None) is None and date_text(None) == "—" and datetime_text(None, empty="") == ""


@pytest.mark.django_db
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils' pdftotext")
@pytest.mark.parametrize(("hour", "minute"), [(0, 0), (1, 48), (7, 59)])
def test_eight_d_pdf_dates_a_complaint_received_early_in_the_morning_on_its_local_day(settings, tmp_path, hour, minute):
    settings.TIME_ZONE = "Asia/Shanghai"
    received = datetime.datetime(2026, 3, 5, hour, minute, tzinfo=SHANGHAI)
    done = datetime.datetime(2026, 3, 9, 6, 30, tzinfo=SHANGHAI)  # 8 March in UTC
    complaint = ComplaintFactory(
        received_at=received,
        state="closed",
        acknowledged_at=received,
        resolved_at=done,
        resolution="Seal replaced",
        closed_at=done,
        close_reason="resolved",
    )
    CorrectiveActionFactory(complaint=complaint, status="done", done_at=done, due_date=datetime.date(2026, 3, 10))

    english = _text(eight_d_pdf(complaint=complaint, language="en"), tmp_path)
    chinese = _text(eight_d_pdf(complaint=complaint, language="zh-hans"), tmp_path)

    assert "03/05/2026" in english and "03/04/2026" not in english
    assert "03/09/2026" in english and "03/08/2026" not in english
    assert "2026年3月5日" in chinese and "2026年3月4日" not in chinese
    assert "2026年3月9日" in chinese and "2026年3月8日" not in chinese


@pytest.mark.parametrize(
    "template", ["emails/complaints/escalation_body.txt", "emails/complaints/acknowledgement_body.txt"]
)
def test_e_mails_date_moments_in_the_configured_time_zone(settings, template):
    """E-mails render in the worker too (core.mail): the template's date filter localises an aware
    moment to the current time zone, settings.TIME_ZONE outside a request."""
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    settings.TIME_ZONE = "Asia/Shanghai"
    due = datetime.datetime(2026, 3, 5, 1, 48, tzinfo=SHANGHAI).astimezone(UTC)  # 4 March 17:48 UTC
    complaint = SimpleNamespace(
        reference="CMP-1",
        subject="Leak",
        customer=SimpleNamespace(name="Harbour"),
        get_severity_display="High",
        get_state_display="Received",
        assignee=None,
        acknowledge_due_at=due,
        resolve_due_at=due,
    )

    body = render_to_string(template, {"complaint": complaint, "url": "", "status_url": ""})

    assert ("March 5, 2026" in body or "03/05/2026" in body) and "March 4" not in body and "03/04/2026" not in body
