"""Browser journey of the manager's dashboard, in English and in Chinese: open it, filter by a saved
segment, drill from a chart's table to the responses behind a row, set a quality objective and see
its target on the dashboard card."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reports.services import facts_fill
from tests.e2e.test_customer_journeys import log_in
from tests.factories import CustomerFactory, SegmentFactory, UserFactory
from tests.reports.factories import SurveyWorld

# Names the factories give, in English: data on the Chinese pages.
FACTORY_NAMES = ["Campaign", "Key customer"]
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WORDS = {
    "en": {
        "dashboard": "Dashboard",
        "responses": "Survey responses",
        "saved": "created",
        "target": "Target ≥ 85.0",
        "trend": "Satisfaction index and satisfaction rate by month",
    },
    "zh-hans": {
        "dashboard": "仪表板",
        "responses": "调查答卷",
        "saved": "已创建",
        "target": "目标值 ≥ 85.0",
        "trend": "各月满意指数与满意率",
    },
}


def _survey_data():
    world = SurveyWorld()
    now = timezone.now()
    for n in range(6):
        world.respond(
            when=now - datetime.timedelta(minutes=n + 1),
            customer=CustomerFactory(tier="key", name=f"Key customer {n}"),
            scores={"quality": 5, "delivery": 4},
            importance={"quality": 5},
            recommend=9,
        )
    for n in range(2):
        world.respond(
            when=now - datetime.timedelta(minutes=n + 1),
            customer=CustomerFactory(tier="general", name=f"General customer {n}"),
            scores={"quality": 2, "delivery": 2},
            recommend=4,
        )
    facts_fill(until=timezone.now())
    return world


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_manager_filters_drills_down_and_sets_an_objective(live_server, page, screenshot, language):
    words = WORDS[language]
    UserFactory(username="li", role="manager", preferred_language=language)
    world = _survey_data()
    segment = SegmentFactory(name="Key accounts" if language == "en" else "关键顾客", criteria={"tier": "key"})
    log_in(page, live_server, "li")
    if language == "zh-hans" and page.locator("text=中文").count():
        page.click("text=中文")

    expect(page.locator("h1")).to_have_text(words["dashboard"])
    csi = page.locator("[data-metric=csi]")
    expect(csi.locator("[data-testid=n]")).to_contain_text("8")
    # Each chart's SVG arrives by its own request after the page, titled in the reader's language.
    chart = page.locator("#chart-trend [data-testid=chart-svg] svg")
    expect(chart).to_be_visible()
    expect(chart.locator("title")).to_have_text(words["trend"])
    expect(page.locator("[data-testid=chart-svg] svg")).to_have_count(page.locator("[data-testid=chart-svg]").count())
    screenshot(page, f"{language}-dashboard", allow=FACTORY_NAMES)

    page.select_option("#id_scope", f"segment:{segment.pk}")
    page.click("#dashboard-filters button[type=submit]")
    expect(csi.locator("[data-testid=n]")).to_contain_text("6")
    expect(csi.locator("[data-testid=value]")).to_have_text("91.7")  # (2 × 100 + 75) / 3
    screenshot(page, f"{language}-dashboard-segment", allow=FACTORY_NAMES)

    quality = world.quality.name_zh if language == "zh-hans" else world.quality.name_en
    page.locator(f"#chart-dimensions a[data-drill=dimensions]:has-text('{quality}')").click()
    expect(page.locator("h1")).to_have_text(words["responses"])
    expect(page.locator("[data-testid=responses] tbody tr")).to_have_count(6)
    screenshot(page, f"{language}-dashboard-drill-down", allow=FACTORY_NAMES)

    page.goto(f"{live_server.url}/objectives/new/")
    page.fill("#id_name_en", "CSI at least 85")
    page.fill("#id_name_zh", "顾客满意指数不低于 85")
    page.select_option("#id_metric", "csi")
    page.fill("#id_target", "85")
    page.select_option("#id_period_kind", "quarter")
    screenshot(page, f"{language}-objective-form", allow=FACTORY_NAMES)
    page.click("form.card button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text(words["saved"])

    page.goto(f"{live_server.url}/")
    expect(page.locator("[data-metric=csi] [data-testid=target]")).to_have_text(words["target"])
    screenshot(page, f"{language}-dashboard-with-objective", allow=FACTORY_NAMES)
