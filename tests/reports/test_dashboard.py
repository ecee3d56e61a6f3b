"""The manager's dashboard: figures on the page against headline_figures, the small-sample and
empty cases, the segment filter, the query count, the drill-down links and the chart cache."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from reports.dashboard import format_value
from reports.figures import FigureScope, Period, headline_figures
from reports.models import Metric
from reports.services import facts_fill
from tests.factories import CustomerFactory, SegmentFactory
from tests.reports.factories import QualityObjectiveFactory, SurveyWorld, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("march_10")]

Q1 = Period(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    world = SurveyWorld()
    world.general = CustomerFactory(tier="general", region="north")
    for day in range(2, 8):  # six key customers' responses: enough for a confident figure
        world.respond(
            when=at(2026, 3, day, 10),
            customer=CustomerFactory(tier="key", region="east"),
            scores={"quality": 5, "delivery": 4},
            importance={"quality": 5},
            recommend=9,
        )
    world.respond(when=at(2026, 3, 8, 10), customer=world.general, scores={"quality": 2, "delivery": 2}, recommend=3)
    facts_fill(until=timezone.now())
    return world


def _card(html: str, metric: str) -> str:
    match = re.search(rf'data-metric="{metric}">(.*?)</div>\s*</div>', html, re.S)
    assert match, metric
    return match.group(1)


def _value(html: str, metric: str) -> str:
    return re.search(r'data-testid="value">([^<]*)<', _card(html, metric)).group(1).strip()


def test_a_manager_lands_on_the_dashboard_and_staff_keep_my_work(manager_client, staff_client, world):
    page = manager_client.get("/")
    assert page.status_code == 200
    assert "reports/dashboard.html" in [t.name for t in page.templates]
    assert "reports/my_work.html" in [t.name for t in staff_client.get("/").templates]
    overview = manager_client.get("/?view=overview")
    assert "reports/home.html" in [t.name for t in overview.templates]


def test_the_cards_show_headline_figures_with_sample_sizes(manager_client, world):
    html = manager_client.get(reverse("reports:dashboard")).content.decode()
    figures = headline_figures(period=Q1, scope=FigureScope.everyone(), today=datetime.date(2026, 3, 10))
    for key, figure in figures.items():
        card = _card(html, key)
        assert f"Sample size: {figure.n}" in card
        if figure.value is None:
            assert _value(html, key) == "—"
        elif figure.insufficient:
            assert f"too few answers (n = {figure.n})" in card
        else:
            assert _value(html, key) == format_value(figure.value, figure.unit)
    assert figures["csi"].n == 7 and not figures["csi"].insufficient
    assert _value(html, "csi") == format_value(figures["csi"].value, "index")


def test_too_few_answers_and_nothing_to_divide_by(manager_client):
    world = SurveyWorld()
    for day in (2, 3, 4):
        world.respond(when=at(2026, 3, day, 10), customer=CustomerFactory(), scores={"quality": 4}, recommend=8)
    facts_fill(until=timezone.now())
    html = manager_client.get(reverse("reports:dashboard")).content.decode()
    assert "too few answers (n = 3)" in _card(html, "csi")
    assert _value(html, "median_hours_to_resolve") == "—"  # no complaints resolved: no median


def test_the_segment_filter_changes_the_figures(manager_client, world):
    segment = SegmentFactory(name="Key accounts", criteria={"tier": "key"})
    everyone = manager_client.get(reverse("reports:dashboard")).content.decode()
    keyed = manager_client.get(reverse("reports:dashboard"), {"scope": f"segment:{segment.pk}"}).content.decode()
    of_segment = headline_figures(period=Q1, scope=FigureScope.of_segment(segment), today=datetime.date(2026, 3, 10))
    assert of_segment["csi"].n == 6
    assert "Sample size: 6" in _card(keyed, "csi") and "Sample size: 7" in _card(everyone, "csi")
    assert _value(keyed, "csi") == format_value(of_segment["csi"].value, "index")
    assert _value(keyed, "csi") != _value(everyone, "csi")
    tier = manager_client.get(reverse("reports:dashboard"), {"scope": "tier:general"}).content.decode()
    assert "too few answers (n = 1)" in _card(tier, "csi")


def test_the_page_runs_a_bounded_number_of_queries(manager_client, world, django_assert_max_num_queries):
    SegmentFactory(name="Key accounts", criteria={"tier": "key"})
    with django_assert_max_num_queries(60):
        assert manager_client.get(reverse("reports:dashboard")).status_code == 200
    # Warm: the headline figures and the charts come from the cache.
    with django_assert_max_num_queries(15):
        assert manager_client.get(reverse("reports:dashboard")).status_code == 200


def test_the_charts_are_cached_and_a_fill_renews_them(manager_client, world):
    first = manager_client.get(reverse("reports:dashboard")).content.decode()
    world.respond(when=timezone.now(), customer=CustomerFactory(tier="general"), scores={"quality": 1}, recommend=0)
    cached = manager_client.get(reverse("reports:dashboard")).content.decode()
    # Each chart's table is on the page, its SVG comes by its own request.
    assert first.count('data-testid="chart-svg"') == cached.count('data-testid="chart-svg"') >= 9
    facts_fill(until=timezone.now())
    renewed = manager_client.get(reverse("reports:dashboard")).content.decode()
    month_row = (
        r'data-drill="trend">2026-03</a></th><td class="num">[^<]*</td><td class="num">[^<]*</td><td class="num">{}<'
    )
    assert re.search(month_row.format(7), cached) and re.search(month_row.format(8), renewed)


def test_drill_down_links_lead_to_the_responses_behind_a_row(manager_client, world):
    html = manager_client.get(reverse("reports:dashboard")).content.decode()
    links = re.findall(r'href="([^"]+)" data-drill="dimensions"', html)
    assert links
    quality = next(link for link in links if f"dimension={world.quality.pk}" in link)
    page = manager_client.get(quality.replace("&amp;", "&"))
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 7
    month = re.search(r'href="([^"]+)" data-drill="trend"', html).group(1).replace("&amp;", "&")
    assert manager_client.get(month).context["page"].paginator.count == 7
    by_tier = re.search(r'href="([^"]+by_value=key[^"]*)" data-drill="segments"', html).group(1).replace("&amp;", "&")
    assert manager_client.get(by_tier).context["page"].paginator.count == 6


def test_the_card_shows_the_objective_target(manager_client, world):
    QualityObjectiveFactory(metric=Metric.CSI, target=90, name_en="CSI at least 90")
    html = manager_client.get(reverse("reports:dashboard")).content.decode()
    assert "Target ≥ 90.0" in _card(html, "csi")


def test_an_auditor_reads_the_dashboard(auditor_client, world):
    assert auditor_client.get("/").status_code == 200
    assert "reports/dashboard.html" in [t.name for t in auditor_client.get("/").templates]
