"""Browser journey of the dashboard's newer parts, in English and in Chinese: the key drivers with
their reading, customer loyalty, SLA compliance, the time to resolve and the follow-up visits'
satisfaction; drilling from an SLA month to its complaints; the verbatim comments filtered by score
band; importing feedback records from a GBK CSV file, first with an error (nothing written), then
corrected."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from customers.models import SatisfactionDimension
from feedback.models import FeedbackRecord
from reports.services import facts_fill
from surveys.models import Answer, Question
from tests.complaints.factories import ComplaintFactory
from tests.e2e.test_customer_journeys import log_in
from tests.factories import CustomerFactory, UserFactory
from tests.reports.factories import SurveyWorld
from tests.visits.factories import VisitFactory
from visits.models import VisitScore

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "screenshots"

WORDS = {
    "en": {
        "drivers": "Key drivers of overall satisfaction",
        "reading": "moves overall satisfaction most",
        "complaints": "Complaints behind the figure",
        "comments": "Verbatim comments",
        "imported": "2 feedback records imported (read as GB18030 (GBK)).",
        "nothing": "Nothing was imported",
    },
    "zh-hans": {
        "drivers": "总体满意度的关键驱动因素",
        "reading": "",
        "complaints": "该数据背后的投诉",
        "comments": "顾客原话",
        "imported": "已导入 2 条反馈记录（按 GB18030 (GBK) 读取）。",
        "nothing": "未导入任何记录",
    },
}
QUALITY = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 2, 4]
DELIVERY = [3, 1, 4, 1, 5, 2, 2, 5, 3, 4, 1, 3]


def _data():
    now = timezone.now()
    world = SurveyWorld()
    world.questions["buy_again"] = Question.objects.create(
        version=world.version,
        position=10,
        code="buy_again",
        kind="rating",
        text_en="Would you buy from us again?",
        text_zh="您是否会再次购买？",
        scale_max=5,
        loyalty_aspect="repurchase",
    )
    remarks = Question.objects.create(
        version=world.version, position=11, code="remarks", kind="text", text_en="Remarks", text_zh="意见"
    )
    for n, (quality, delivery) in enumerate(zip(QUALITY, DELIVERY, strict=True)):
        response = world.respond(
            when=now - datetime.timedelta(hours=n + 1),
            customer=CustomerFactory(tier="key" if n % 2 else "general", name=f"客户 {n}"),
            scores={"quality": quality, "delivery": delivery, "overall": quality, "buy_again": max(1, quality - 1)},
            recommend=quality * 2,
        )
        if quality == 1:
            Answer.objects.create(response=response, question=remarks, text="交货太慢，质量也不稳定")
        if quality == 5:
            Answer.objects.create(response=response, question=remarks, text="Great service, thank you")
    # Complaints: two due last month (one on time, one late), resolved after 2 h and 5 days.
    month_ago = now - datetime.timedelta(days=30)
    for hours, late in ((2, False), (120, True)):
        ComplaintFactory(
            received_at=month_ago,
            acknowledged_at=month_ago,
            resolved_at=month_ago + datetime.timedelta(hours=hours),
            resolve_due_at=month_ago + datetime.timedelta(hours=48),
            state="resolved",
            resolution="Fixed",
            subject="密封件泄漏" if late else "Late delivery",
        )
    quality_dimension = SatisfactionDimension.objects.get(code="quality")
    visit = VisitFactory(status="done", visited_on=month_ago.date(), completed_at=month_ago)
    VisitScore.objects.create(visit=visit, dimension=quality_dimension, score=4)
    facts_fill(until=timezone.now())
    return world


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_manager_reads_drivers_loyalty_sla_and_comments_and_imports_feedback(
    live_server, page, screenshot, language, tmp_path
):
    words = WORDS[language]
    UserFactory(username="wang", role="manager", preferred_language=language)
    _data()
    log_in(page, live_server, "wang")
    if language == "zh-hans" and page.locator("text=中文").count():
        page.click("text=中文")

    page.goto(f"{live_server.url}/dashboard/")
    drivers = page.locator("#chart-drivers")
    expect(drivers.locator("h2")).to_have_text(words["drivers"])
    expect(drivers.locator("[data-testid=chart-notes]")).to_contain_text("12")
    if words["reading"]:
        expect(drivers.locator("tbody")).to_contain_text(words["reading"])
    screenshot(page, f"{language}-dashboard-more")
    for key in ("drivers", "loyalty", "sla", "resolve-time", "visits"):
        section = page.locator(f"#chart-{key}")
        expect(section.locator("svg").first).to_be_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        section.screenshot(path=str(SCREENSHOTS / f"{language}-chart-{key}.png"))
    expect(page.locator("[data-metric=loyalty_index] [data-testid=n]")).to_contain_text("12")

    page.locator("#chart-sla a[data-drill=sla]").first.click()
    expect(page.locator("h1")).to_have_text(words["complaints"])
    expect(page.locator("[data-testid=complaints] tbody tr")).to_have_count(2)
    screenshot(page, f"{language}-dashboard-more-sla-complaints")

    page.goto(f"{live_server.url}/dashboard/")
    page.click("[data-testid=comments-link]")
    expect(page.locator("h1")).to_have_text(words["comments"])
    expect(page.locator("[data-testid=comments] tbody tr")).to_have_count(4)
    page.select_option("#id_band", "dissatisfied")
    page.click("#comment-filters button[type=submit]")
    expect(page.locator("[data-testid=comments] tbody tr")).to_have_count(2)
    expect(page.locator("[data-testid=comments]")).to_contain_text("交货太慢")
    screenshot(page, f"{language}-comments-dissatisfied")

    bad = tmp_path / "claims-bad.csv"
    bad.write_bytes(
        "来源,收到日期,倾向,摘要,金额\n索赔,2026-11-10,负面,泵体漏水,12800\n传闻,2026-11-11,负面,未知来源,\n".encode(
            "gbk"
        )
    )
    page.goto(f"{live_server.url}/feedback/import/")
    page.set_input_files("#id_file", str(bad))
    page.click("[data-testid=import-form] button[type=submit]")
    expect(page.locator("[data-testid=import-errors-summary]")).to_contain_text(words["nothing"])
    expect(page.locator("[data-testid=import-errors] tbody tr")).to_have_count(1)
    assert FeedbackRecord.objects.count() == 0
    screenshot(page, f"{language}-feedback-import-errors")

    good = tmp_path / "claims.csv"
    good.write_bytes(
        "来源,收到日期,倾向,摘要,金额\n索赔,2026-11-10,负面,泵体漏水,12800\n赞扬,2026-11-11,正面,售后响应及时,\n".encode(
            "gbk"
        )
    )
    page.set_input_files("#id_file", str(good))
    page.click("[data-testid=import-form] button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text(words["imported"])
    assert FeedbackRecord.objects.count() == 2
    screenshot(page, f"{language}-feedback-imported")
