"""The importance–performance quadrant with stated importance (the paired importance questions) and,
when no importance was asked, with importance derived from the key drivers, checked against a data
set worked out by hand (today is 10 March 2026; the default period is Q1)."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from reports import dashboard, frames
from reports.dashboard_filters import ChartSource, DashboardFilterForm, filters_from
from reports.dashboard_survey_charts import derived_importance
from reports.services import facts_fill
from tests.reports.factories import SurveyWorld, at
from tests.reports.test_dashboard_more import _dashboard, _notes, _table

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("march_10")]

# (quality, delivery, overall) on the 1–5 scale, i.e. 0–100: quality 50 or 100, delivery 0 or 50, in a
# balanced 2 × 2 design (the two dimensions do not correlate), overall = 0.5 × quality + delivery.
# With uncorrelated dimensions Johnson's relative weight of each is its squared correlation with
# overall over R² (here 1): 0.5² × var : 1² × var = 0.25 : 1, so quality 20 % and delivery 80 %.
# Performance (means): quality (50 + 100 + 50 + 100) / 4 = 75, delivery (0 + 0 + 50 + 50) / 4 = 25.
# The split is at the means (importance 50, performance 50): delivery is important and performing
# below → "Focus here"; quality is less important and performing well → "Possible overkill".
RESPONSES = [(3, 1, 2), (5, 1, 3), (3, 3, 4), (5, 3, 5)]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _respond(world, responses, *, importance=None):
    for hour, (quality, delivery, overall) in enumerate(responses):
        world.respond(
            when=at(2026, 3, 2) + datetime.timedelta(hours=hour),
            scores={"quality": quality, "delivery": delivery, "overall": overall},
            importance=importance,
        )
    facts_fill(until=timezone.now())


def _source() -> ChartSource:
    return ChartSource(filters_from(DashboardFilterForm({}), timezone.localdate()), {})


def test_importance_is_derived_from_the_key_drivers_when_none_was_asked(manager_client):
    _respond(SurveyWorld(), RESPONSES)
    shares, fitted = derived_importance(_source())
    assert fitted == 4
    assert shares == {"Delivery": pytest.approx(80.0), "Quality": pytest.approx(20.0)}

    html = _dashboard(manager_client)
    assert _table(html, "quadrants") == [
        ["Quality", "20.0", "75.0", "Possible overkill"],
        ["Delivery", "80.0", "25.0", "Focus here"],
    ]
    assert '<th scope="col">Derived importance (%)</th>' in html
    notes = _notes(html, "quadrants")
    assert "importance is derived from the key drivers" in notes and "fitted on 4 responses" in notes
    assert "Small sample: importance derived from 4 responses (at least 30 needed); indicative only." in notes
    entry = dashboard.build_charts(_source().filters, {}, ["quadrants"])["quadrants"]
    assert entry["importance"] == "derived" and entry["warn"]
    assert entry["figure"].options["ylabel"] == "Derived importance: share of explained overall satisfaction (%)"
    assert "Small sample" in entry["figure"].options["note"]  # printed under the chart too


def test_stated_importance_is_used_when_customers_gave_it(manager_client):
    # The same answers, each also rating the importance of quality 5 (100): stated, not derived.
    _respond(SurveyWorld(), RESPONSES, importance={"quality": 5})
    html = _dashboard(manager_client)
    assert _table(html, "quadrants") == [["Quality", "100.0", "75.0", "Keep it up"]]
    assert '<th scope="col">Stated importance</th>' in html
    assert _notes(html, "quadrants") == ""
    entry = dashboard.build_charts(_source().filters, {}, ["quadrants"])["quadrants"]
    assert entry["importance"] == "stated" and not entry["warn"]


def test_no_importance_and_no_overall_question_says_why_the_quadrant_is_empty(manager_client):
    world = SurveyWorld()
    world.respond(when=at(2026, 3, 2), scores={"quality": 4, "delivery": 3})
    facts_fill(until=timezone.now())
    html = _dashboard(manager_client)
    assert _table(html, "quadrants") == [["No data for this selection"]]
    assert "the key drivers could not be fitted" in _notes(html, "quadrants")


def test_the_quadrant_frame_places_hand_computed_points():
    frame = frames.quadrants(
        [
            {"dimension": "Quality", "importance": 20.0, "performance": 75.0},
            {"dimension": "Delivery", "importance": 80.0, "performance": 25.0},
        ]
    )
    assert list(frame["quadrant"]) == ["overkill", "focus"]
