"""Browser journey of an auditor: log in, pick last quarter, read the clause map, generate the evidence
pack with its progress and download it. In English and in Chinese."""

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from evidence.manifest import pack_verify
from evidence.models import MeasurementReview
from evidence.selectors import last_quarter
from tests.complaints.factories import ComplaintFactory, CorrectiveActionFactory
from tests.factories import ContactFactory, CustomerFactory, UserFactory

# serialized_rollback: the roles and permissions come from data migrations.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "pass-Word-123"


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".usermenu")).to_be_visible()


def _last_quarter_records(manager) -> None:
    since, until = last_quarter()
    zone = timezone.get_current_timezone()
    customer = CustomerFactory(name="上海精工机械有限公司", tier="key")
    ContactFactory(customer=customer, name="李娜")
    for day in (5, 40):
        received = datetime.datetime.combine(since + datetime.timedelta(days=day), datetime.time(10), tzinfo=zone)
        complaint = ComplaintFactory(customer=customer, received_at=received, subject="泵漏油")
        CorrectiveActionFactory(complaint=complaint, owner=manager, status="done", done_at=received)
    MeasurementReview.objects.create(
        reviewed_on=until - datetime.timedelta(days=10),
        reviewed_by="质量部 王芳",
        scope="问卷、抽样与权重",
        conclusion="方法适用",
        recorded_by=manager,
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_auditor_reads_the_clause_map_of_last_quarter_and_downloads_the_pack(
    live_server, page, screenshot, settings, tmp_path, language
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    UserFactory(username="auditor", first_name="Audrey", role="auditor")
    _last_quarter_records(UserFactory(username="wang", role="manager"))
    since, until = last_quarter()
    log_in(page, live_server, "auditor")
    if language == "zh-hans":
        page.click("form.langswitch button")
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.click("nav.mainnav >> text=" + ("证据" if language == "zh-hans" else "Evidence"))
    page.click("[data-testid=last-quarter]")
    expect(page.locator("#id_since")).to_have_value(since.isoformat())
    expect(page.locator("#id_until")).to_have_value(until.isoformat())
    clause_map = page.locator("[data-testid=clause-map]")
    expect(clause_map).to_contain_text("9.1.2")
    expect(clause_map).to_contain_text("ISO 10004:2018")
    if language == "zh-hans":
        expect(clause_map).to_contain_text("本期未开展调查。")
        expect(clause_map).to_contain_text("已完成但未做有效性验证的纠正措施：2 项。")
    else:
        expect(clause_map).to_contain_text("No survey ran in this period.")
        expect(clause_map).to_contain_text("Corrective actions done without an effectiveness check: 2.")
    screenshot(page, f"{language}-evidence-clause-map")

    expect(page.locator("#id_pack-since")).to_have_value(since.isoformat())
    page.select_option("#id_pack-language", language)
    page.click("[data-testid=pack-form] button[type=submit]")
    progress = page.locator("[data-testid=pack-progress]")
    expect(progress).to_have_attribute("data-status", "done", timeout=60_000)
    expect(progress).to_contain_text("100%")
    screenshot(page, f"{language}-evidence-pack-ready")

    with page.expect_download() as download:
        page.click("[data-testid=pack-download]")
    path = Path(download.value.path())
    assert download.value.suggested_filename.endswith(".zip")
    assert {finding.status for finding in pack_verify(path)} == {"intact"}
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        names = archive.namelist()
        index = archive.read("index.html").decode()
    assert names[-1] == "manifest.json" and "index.pdf" in names
    assert ("证据包" if language == "zh-hans" else "Evidence pack") in index
