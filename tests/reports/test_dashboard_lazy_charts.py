"""The dashboard's charts load by their own requests: the page carries every chart's numbers table and
a per-chart SVG URL with the page's filters; each SVG is cached per filter and fill watermark, drawn
from the chart data the page cached (no figures read again), accessible (title, description), in the
reader's language, and behind the same rights as the page (today is 10 March 2026, Q1)."""

import html as html_text
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reports import dashboard
from reports.dashboard_filters import DashboardFilterForm, filters_from
from reports.services import facts_fill
from tests.factories import CustomerFactory, SegmentFactory, UserFactory
from tests.reports.factories import SurveyWorld, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("march_10")]

FIGURE_TABLES = ("reports_responsedailyfact", "reports_satisfactiondailyfact", "surveys_answer", "complaints_complaint")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    world = SurveyWorld()
    for day in range(2, 8):
        world.respond(
            when=at(2026, 3, day, 10),
            customer=CustomerFactory(tier="key"),
            scores={"quality": 5, "delivery": 4},
            importance={"quality": 5},
            recommend=9,
        )
    world.respond(when=at(2026, 3, 8, 10), customer=CustomerFactory(tier="general"), scores={"quality": 2}, recommend=3)
    facts_fill(until=timezone.now())
    return world


def _chart_urls(page: str) -> dict[str, str]:
    return {
        key: html_text.unescape(url)
        for key, url in re.findall(r'id="chart-([\w-]+)-svg" data-testid="chart-svg" hx-get="([^"]+)"', page)
    }


def _client(language: str, role: str | None = "manager") -> Client:
    client = Client()
    client.force_login(UserFactory(role=role, preferred_language=language))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # as the language switch sets it
    return client


def _svg(client, key: str, query: str = "") -> str:
    response = client.get(reverse("reports:dashboard_chart", args=[key]) + (f"?{query}" if query else ""))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    return response.content.decode()


def test_the_page_carries_every_table_and_loads_each_chart_by_its_own_url(manager_client, world):
    page = manager_client.get(reverse("reports:dashboard"), {"period": "quarter", "scope": "tier:key"}).content.decode()
    assert "<svg" not in page  # no chart drawn inside the page's request
    urls = _chart_urls(page)
    assert list(urls) == list(dashboard.CHARTS)
    assert page.count('hx-trigger="load"') == len(dashboard.CHARTS)
    for key, url in urls.items():
        assert url == f"/dashboard/charts/{key}.svg?period=quarter&scope=tier%3Akey"
        section = re.search(rf'<section class="card chart" id="chart-{key}".*?</section>', page, re.S).group(0)
        assert "<table" in section and "<thead>" in section  # the numbers stay on the page
    # The dimension table shows the key customers' figures, beside the chart's URL.
    dimensions = re.search(r'id="chart-dimensions".*?</section>', page, re.S).group(0)
    assert re.search(r'data-drill="dimensions">Quality</a></th><td class="num">100.0<', dimensions)


def test_a_chart_is_an_accessible_svg_in_chinese_for_a_chinese_reader(world):
    from matplotlib.ft2font import FT2Font

    from core.pdf import cjk_fonts

    svg = _svg(_client("zh-hans"), "trend")
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert 'role="img" aria-labelledby="chart-trend-svg-title chart-trend-svg-desc"' in svg
    assert '<title id="chart-trend-svg-title">各月满意指数与满意率</title>' in svg
    assert re.search(r'<desc id="chart-trend-svg-desc">[^<]*表格[^<]*</desc>', svg)
    fonts = cjk_fonts()
    if not fonts:
        pytest.skip("no Chinese font installed")
    font = FT2Font(str(fonts[0].path))
    # Text is drawn as glyph paths (the browser needs no font): the title's 满 is one of them.
    assert f'id="{font.postscript_name}-{font.get_char_index(ord("满")):x}"' in svg
    english = _svg(_client("en"), "trend")
    assert '<title id="chart-trend-svg-title">Satisfaction index and satisfaction rate by month</title>' in english


def test_a_chart_follows_the_filters(manager_client, world):
    everyone = _svg(manager_client, "dimensions")
    key = _svg(manager_client, "dimensions", "scope=tier:key")
    assert everyone != key
    # The key customers' SVG is drawn from their own figures: quality 100 (six fives), not 89.3.
    filters = filters_from(DashboardFilterForm({"scope": "tier:key"}), timezone.localdate())
    entry = dashboard.build_charts(filters, {}, ["dimensions"])["dimensions"]
    means = dict(zip(entry["figure"].frame["dimension"], entry["figure"].frame["mean"], strict=True))
    assert means["Quality"] == 100.0
    assert key == dashboard.render_svg(entry)
    everyone_filters = filters_from(DashboardFilterForm({}), timezone.localdate())
    everyone_entry = dashboard.build_charts(everyone_filters, {}, ["dimensions"])["dimensions"]
    assert dict(zip(everyone_entry["figure"].frame["dimension"], everyone_entry["figure"].frame["mean"]))[
        "Quality"
    ] == pytest.approx((6 * 100 + 25) / 7)
    assert _svg(manager_client, "dimensions", "period=month&day=2025-06-01") != everyone  # another period


def test_a_chart_after_the_page_reads_no_figures_again(manager_client, world):
    manager_client.get(reverse("reports:dashboard"))
    for key in dashboard.CHARTS:
        with CaptureQueriesContext(connection) as queries:
            _svg(manager_client, key)
        touched = [q["sql"] for q in queries if any(table in q["sql"] for table in FIGURE_TABLES)]
        assert not touched, (key, touched)
        assert len(queries) <= 6, (key, [q["sql"] for q in queries])  # session, user, watermark, objectives


def test_a_chart_alone_reads_only_its_own_figures(manager_client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        _svg(manager_client, "nps")
    with django_assert_max_num_queries(6):  # now cached
        _svg(manager_client, "nps")


def test_the_chart_svg_is_cached_until_a_fill_moves_the_watermark(manager_client, world):
    first = _svg(manager_client, "trend")
    world.respond(when=timezone.now(), customer=CustomerFactory(), scores={"quality": 1}, recommend=0)
    assert _svg(manager_client, "trend") == first  # not filled yet: the cached SVG
    facts_fill(until=timezone.now())
    assert _svg(manager_client, "trend") != first


def test_chart_urls_need_login_and_the_figures_right(client, manager_client, auditor_client, world):
    url = reverse("reports:dashboard_chart", args=["trend"])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert auditor_client.get(url).status_code == 200  # auditors read
    assert auditor_client.post(url).status_code in (403, 405)  # and never write
    assert _client("en", role=None).get(url).status_code == 403
    assert manager_client.get(reverse("reports:dashboard_chart", args=["nothing"])).status_code == 404


def test_a_segment_whose_criteria_broke_gets_a_message_not_an_error(manager_client, world):
    segment = SegmentFactory(criteria={"tier": "key"})
    type(segment).objects.filter(pk=segment.pk).update(criteria={"tier": "no-such-tier"})
    svg = _svg(manager_client, "trend", f"scope=segment:{segment.pk}")
    assert "no longer valid" in svg


def test_the_page_runs_a_bounded_number_of_queries_cold_and_warm(manager_client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(60):
        manager_client.get(reverse("reports:dashboard"))
    with django_assert_max_num_queries(12):
        manager_client.get(reverse("reports:dashboard"))
