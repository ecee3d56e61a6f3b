"""The dashboard's key drivers, SLA trend, time to resolve, visit satisfaction and loyalty charts,
the scoped complaint Pareto, the cached headline figures and the drill-down pages, each checked
against a small data set computed by hand (today is 10 March 2026; the default period is Q1)."""

import datetime
import html as html_text
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from complaints.models import ComplaintCategory
from customers.models import SatisfactionDimension
from reports import frames, key_drivers
from reports.figures import FigureScope, Period, figure_for, satisfaction_by_dimension
from reports.figures.drivers import key_driver_rows
from reports.figures.loyalty import loyalty_figures
from reports.figures.trends import resolve_hours, sla_by_month, visit_satisfaction_by_month
from reports.models import Metric
from reports.services import facts_fill, facts_rebuild
from surveys.models import Question
from tests.complaints.factories import ComplaintFactory
from tests.factories import CustomerFactory, SegmentFactory
from tests.reports.factories import SurveyWorld, at
from tests.visits.factories import VisitFactory
from visits.models import VisitScore

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("march_10")]

Q1 = Period(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
EVERYONE = FigureScope.everyone()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _dashboard(client, **params) -> str:
    return client.get(reverse("reports:dashboard"), params).content.decode()


def _table(html: str, key: str) -> list[list[str]]:
    """The rows of a chart's number table, as cell texts (links stripped)."""
    section = re.search(rf'<section class="card chart" id="chart-{key}".*?</section>', html, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", section, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        rows.append(
            [
                html_text.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            ]
        )
    return rows


def _links(html: str, key: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(rf'href="([^"]+)" data-drill="{key}"', html)]


def _notes(html: str, key: str) -> str:
    section = re.search(rf'<section class="card chart" id="chart-{key}".*?</section>', html, re.S).group(0)
    found = re.search(r'data-testid="chart-notes">(.*?)</div>', section, re.S)
    return found.group(1) if found else ""


# -- key drivers ----------------------------------------------------------------------------------------

QUALITY = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 2, 4]
DELIVERY = [3, 1, 4, 1, 5, 2, 2, 5, 3, 4, 1, 3]


def test_key_driver_rows_pair_each_response_overall_with_its_dimension_scores():
    world = SurveyWorld()
    first = world.respond(when=at(2026, 3, 2), scores={"quality": 5, "delivery": 3, "overall": 4})
    world.respond(when=at(2026, 3, 3), scores={"quality": 2})  # no overall: left out of the rows
    found = key_driver_rows(period=Q1, scope=EVERYONE)
    # 5 → 100, 3 → 50, overall 4 → 75 (0–100 scale: (score − 1) / 4 × 100).
    assert found.rows == [
        {"response_id": first.pk, "overall": 75.0, "dimension": "Quality", "score": 100.0},
        {"response_id": first.pk, "overall": 75.0, "dimension": "Delivery", "score": 50.0},
    ]
    assert (found.responses, found.with_overall) == (2, 1)
    assert found.dimension_ids == {"Quality": world.quality.pk, "Delivery": world.delivery.pk}


def test_key_drivers_find_the_dimension_that_moves_overall_with_a_small_sample_warning(manager_client):
    world = SurveyWorld()
    for day, (quality, delivery) in enumerate(zip(QUALITY, DELIVERY, strict=True), start=1):
        # Overall equals quality exactly: one point of quality is one point overall, delivery none.
        world.respond(
            when=at(2026, 3, 1) + datetime.timedelta(hours=day),
            scores={"quality": quality, "delivery": delivery, "overall": quality},
        )
    html = _dashboard(manager_client)
    rows = _table(html, "drivers")
    assert [row[0] for row in rows] == ["Quality", "Delivery"]
    assert rows[0][2] == "1.00" and rows[1][2] in ("0.00", "-0.00")
    assert "Quality moves overall satisfaction most: one point more on Quality goes with 1.00 points more" in rows[0][4]
    notes = _notes(html, "drivers")
    assert "Small sample: 12 responses for 2 dimensions (at least 30 needed)" in notes
    assert "Fitted on 12 complete responses; the dimensions explain 100.0 %" in notes
    quality_link = next(link for link in _links(html, "drivers") if f"dimension={world.quality.pk}" in link)
    assert manager_client.get(quality_link).context["page"].paginator.count == 12


def test_key_drivers_warn_when_dimensions_are_collinear():
    world = SurveyWorld()
    for hour, score in enumerate(QUALITY * 3):
        world.respond(
            when=at(2026, 3, 1) + datetime.timedelta(hours=hour),
            scores={"quality": score, "delivery": score, "overall": min(5, score + hour % 2)},
        )
    drivers = key_drivers.key_drivers(key_driver_rows(period=Q1, scope=EVERYONE).rows)
    assert any(
        "Dimensions overlap (collinearity): Delivery, Quality" in w or "collinearity" in w for w in drivers.warnings
    )


def test_key_drivers_of_an_empty_period_one_response_and_no_overall_question(manager_client):
    html = _dashboard(manager_client)
    assert _table(html, "drivers") == [["No data for this selection"]]
    assert "Too few complete responses (0)" in _notes(html, "drivers")
    world = SurveyWorld()
    world.respond(when=at(2026, 3, 2), scores={"quality": 5, "delivery": 3, "overall": 4})
    cache.clear()
    assert "Too few complete responses (1)" in _notes(_dashboard(manager_client), "drivers")
    cache.clear()
    other = SurveyWorld()
    other.respond(when=at(2025, 6, 3), scores={"quality": 5})  # a period where nobody rated overall
    html = _dashboard(manager_client, period="month", day="2025-06-10")
    assert "No response in this selection rated overall satisfaction" in _notes(html, "drivers")


# -- SLA compliance and time to resolve -----------------------------------------------------------------


@pytest.fixture
def sla_world():
    key = CustomerFactory(tier="key")
    general = CustomerFactory(tier="general")

    def due(when, resolved=None, customer=key, kind="complaint"):
        return ComplaintFactory(
            customer=customer,
            kind=kind,
            received_at=when - datetime.timedelta(days=3),
            resolve_due_at=when,
            resolved_at=resolved,
            state="resolved" if resolved else "investigating",
            resolution="Fixed" if resolved else "",
            acknowledged_at=when - datetime.timedelta(days=3),
        )

    due(at(2026, 1, 10), at(2026, 1, 9))  # January: on time
    due(at(2026, 1, 20), at(2026, 1, 21))  # late
    due(at(2026, 1, 25), customer=general)  # never resolved: late
    due(at(2026, 1, 26), kind="compliment")  # not a complaint
    due(at(2026, 2, 5), at(2026, 2, 4))  # February: on time
    due(at(2026, 3, 9))  # March: due yesterday, unresolved: late
    due(at(2026, 3, 20))  # due later this month: not counted yet
    return key, general


def test_sla_compliance_by_month_counts_the_complaints_due_by_now(sla_world):
    rows = sla_by_month(period=Q1, scope=EVERYONE)
    assert rows == [
        {"month": datetime.date(2026, 1, 1), "on_time": 1, "total": 3},
        {"month": datetime.date(2026, 2, 1), "on_time": 1, "total": 1},
        {"month": datetime.date(2026, 3, 1), "on_time": 0, "total": 1},
    ]
    key = sla_by_month(period=Q1, scope=FigureScope.classification("tier", "key"))
    assert [(r["on_time"], r["total"]) for r in key] == [(1, 2), (1, 1), (0, 1)]
    assert sla_by_month(period=Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)), scope=EVERYONE) == []


def test_the_sla_chart_shows_each_month_with_its_drill_down(manager_client, sla_world):
    html = _dashboard(manager_client)
    assert _table(html, "sla") == [
        ["2026-01", "1", "3", "33.3 %"],
        ["2026-02", "1", "1", "100.0 %"],
        ["2026-03", "0", "1", "0.0 %"],
    ]
    january = _links(html, "sla")[0]
    page = manager_client.get(january)
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 3


def test_the_time_to_resolve_distribution_counts_each_bin(manager_client):
    received = at(2026, 2, 1)
    for hours in (2, 5, 30, 400, 400):
        ComplaintFactory(
            received_at=received,
            resolved_at=received + datetime.timedelta(hours=hours),
            state="resolved",
            resolution="Fixed",
            acknowledged_at=received,
        )
    ComplaintFactory(received_at=received)  # not resolved: not in the distribution
    rows = resolve_hours(period=Q1, scope=EVERYONE, edges=frames.RESOLVE_HOURS_EDGES)
    assert [row["n"] for row in rows] == [1, 1, 0, 1, 0, 0, 2]
    html = _dashboard(manager_client)
    table = _table(html, "resolve-time")
    assert table[0] == ["0–4 h", "1", "20.0 %"]
    assert table[-1] == ["over 14 d", "2", "40.0 %"]
    longest = _links(html, "resolve-time")[-1]
    assert "hours_from=336" in longest and "hours_to" not in longest
    assert manager_client.get(longest).context["page"].paginator.count == 2
    # An empty period: no bins at all.
    html = _dashboard(manager_client, period="year", day="2025-05-01")
    assert _table(html, "resolve-time") == [["No data for this selection"]]


# -- the complaint Pareto respects the scope ------------------------------------------------------------


def test_the_complaint_pareto_counts_only_the_customers_in_scope(manager_client):
    leak = ComplaintCategory.objects.create(name="Leak", name_zh="泄漏", code="t-leak")
    key, general = CustomerFactory(tier="key"), CustomerFactory(tier="general")
    for customer in (key, key, general):
        ComplaintFactory(customer=customer, category=leak, received_at=at(2026, 2, 3), root_cause_category="material")
    segment = SegmentFactory(name="Key accounts", criteria={"tier": "key"})

    everyone = _dashboard(manager_client)
    assert _table(everyone, "pareto-category") == [["Leak", "3", "100.0 %", "100.0 %"]]
    for scope in ("tier:key", f"segment:{segment.pk}"):
        html = _dashboard(manager_client, scope=scope)
        assert _table(html, "pareto-category") == [["Leak", "2", "100.0 %", "100.0 %"]], scope
        assert _table(html, "pareto-root_cause")[0][1] == "2"
        for key_name in ("pareto-category", "pareto-root_cause"):
            link = _links(html, key_name)[0]
            assert manager_client.get(link).context["page"].paginator.count == 2, (scope, key_name)
    assert _table(_dashboard(manager_client, scope="tier:general"), "pareto-category")[0][1] == "1"


# -- satisfaction from follow-up visits -----------------------------------------------------------------


def test_visit_satisfaction_by_month_from_the_scores_given_during_visits(manager_client):
    quality, delivery = SatisfactionDimension.objects.order_by("position")[:2]
    february = VisitFactory(status="done", visited_on=datetime.date(2026, 2, 3), completed_at=at(2026, 2, 3))
    VisitScore.objects.create(visit=february, dimension=quality, score=5)
    VisitScore.objects.create(visit=february, dimension=delivery, score=3)
    march = VisitFactory(status="done", visited_on=datetime.date(2026, 3, 2), completed_at=at(2026, 3, 2))
    VisitScore.objects.create(visit=march, dimension=quality, score=4)
    VisitFactory(status="done", visited_on=datetime.date(2026, 3, 4), completed_at=at(2026, 3, 4))  # no scores
    VisitFactory(due_date=datetime.date(2026, 3, 5))  # planned
    rows = visit_satisfaction_by_month(period=Q1, scope=EVERYONE)
    # February: mean of 5 and 3 = 4 → 75 on 0–100; one of two scores satisfied (≥ 4). March: 4 → 75, 100 %.
    assert rows == [
        {"month": datetime.date(2026, 2, 1), "mean": 75.0, "satisfaction_rate": 0.5, "scores": 2, "visits": 1},
        {"month": datetime.date(2026, 3, 1), "mean": 75.0, "satisfaction_rate": 1.0, "scores": 1, "visits": 1},
    ]
    html = _dashboard(manager_client)
    assert _table(html, "visits") == [["2026-02", "75.0", "50.0 %", "1"], ["2026-03", "75.0", "100.0 %", "1"]]
    march_link = _links(html, "visits")[-1]
    page = manager_client.get(march_link)
    assert page.status_code == 200 and list(page.context["page"]) == [march]


def test_visit_satisfaction_of_a_scope_without_visits_is_empty():
    VisitFactory(
        status="done",
        visited_on=datetime.date(2026, 2, 3),
        completed_at=at(2026, 2, 3),
        customer=CustomerFactory(tier="general"),
    )
    assert visit_satisfaction_by_month(period=Q1, scope=FigureScope.classification("tier", "key")) == []


# -- loyalty ----------------------------------------------------------------------------------------------


@pytest.fixture
def loyal_world():
    world = SurveyWorld()
    for position, (code, aspect) in enumerate((("buy_again", "repurchase"), ("stay", "retention")), start=10):
        world.questions[code] = Question.objects.create(
            version=world.version,
            position=position,
            code=code,
            kind="rating",
            text_en=code,
            text_zh=code,
            scale_max=5,
            loyalty_aspect=aspect,
        )
    world.key = CustomerFactory(tier="key")
    # Repurchase 5 → 100 and 2 → 25; staying 3 → 50; the third response answers no loyalty question.
    world.respond(when=at(2026, 3, 2), customer=world.key, scores={"quality": 4, "buy_again": 5, "stay": 3})
    world.respond(when=at(2026, 3, 3), customer=CustomerFactory(tier="general"), scores={"buy_again": 2})
    world.respond(when=at(2026, 3, 4), customer=CustomerFactory(tier="general"), scores={"quality": 3})
    facts_fill(until=timezone.now())
    return world


def test_the_loyalty_index_is_the_mean_of_its_aspects(loyal_world):
    loyalty = loyalty_figures(period=Q1, scope=EVERYONE)
    aspects = {a.aspect: (a.mean.value, a.mean.n) for a in loyalty.aspects}
    assert aspects == {"repurchase": (62.5, 2), "recommend": (None, 0), "retention": (50.0, 1)}
    # (62.5 + 50) / 2 over the two aspects answered; two responses gave a loyalty answer.
    assert (loyalty.index.value, loyalty.index.n, loyalty.index.insufficient) == (56.25, 2, True)
    assert figure_for(metric=Metric.LOYALTY_INDEX, period=Q1).value == 56.25


def test_loyalty_stays_out_of_satisfaction(loyal_world):
    dimensions = satisfaction_by_dimension(period=Q1, scope=EVERYONE)
    assert all(d.dimension_id is not None for d in dimensions)  # no "overall" row made of loyalty answers
    quality = next(d for d in dimensions if d.dimension_id == loyal_world.quality.pk)
    assert quality.mean.n == 2


def test_a_segment_reads_the_same_loyalty_as_the_facts(loyal_world):
    segment = SegmentFactory(criteria={"tier": "key"})
    from_source = loyalty_figures(period=Q1, scope=FigureScope.of_segment(segment))
    from_facts = loyalty_figures(period=Q1, scope=FigureScope.classification("tier", "key"))
    assert from_source == from_facts
    assert (from_source.index.value, from_source.index.n) == (75.0, 1)  # (100 + 50) / 2, one response


def test_loyalty_of_an_empty_period_and_of_a_recommendation_question(loyal_world):
    empty = loyalty_figures(period=Period(datetime.date(2025, 1, 1), datetime.date(2025, 1, 31)), scope=EVERYONE)
    assert (empty.index.value, empty.index.n) == (None, 0)
    Question.objects.filter(pk=loyal_world.questions["recommend"].pk).update(loyalty_aspect="recommend")
    loyal_world.respond(when=at(2026, 3, 5), recommend=10)  # 0–10: 10 → 100
    loyal_world.respond(when=at(2026, 3, 6), recommend=0)  # 0 → 0
    facts_rebuild(since=Q1.since, until=Q1.until)  # the marking changed the past days
    loyalty = loyalty_figures(period=Q1, scope=EVERYONE)
    recommend = next(a for a in loyalty.aspects if a.aspect == "recommend")
    assert (recommend.mean.value, recommend.mean.n) == (50.0, 2)
    assert loyalty.index.value == pytest.approx((62.5 + 50 + 50) / 3)
    assert loyalty.index.n == 4


def test_the_dashboard_shows_the_loyalty_card_and_chart(manager_client, loyal_world):
    html = _dashboard(manager_client)
    card = re.search(r'data-metric="loyalty_index">(.*?)</div>\s*</div>', html, re.S).group(1)
    assert "Customer loyalty index" in card and "too few answers (n = 2)" in card
    assert _table(html, "loyalty") == [
        ["Intention to buy again", "62.5", "2"],
        ["Recommending us to others", "—", "0"],
        ["Staying with us against a competitor's offer", "50.0", "1"],
    ]
    assert "Loyalty index 56.2 (n = 2)" in _notes(html, "loyalty") or "Loyalty index 56.3 (n = 2)" in _notes(
        html, "loyalty"
    )
    repurchase = _links(html, "loyalty")[0]
    assert manager_client.get(repurchase).context["page"].paginator.count == 2


def test_a_loyalty_question_has_no_dimension_and_is_scored():
    world = SurveyWorld()
    question = Question(
        version=world.version, code="stay2", kind="text", text_en="x", text_zh="x", loyalty_aspect="retention"
    )
    with pytest.raises(Exception) as error:
        question.full_clean()
    assert "loyalty_aspect" in error.value.message_dict
    question = Question(
        version=world.version,
        code="stay3",
        kind="rating",
        text_en="x",
        text_zh="x",
        loyalty_aspect="retention",
        dimension=world.quality,
    )
    with pytest.raises(Exception) as error:
        question.full_clean()
    assert "dimension" in error.value.message_dict


# -- cached headline figures --------------------------------------------------------------------------


def test_headline_figures_are_cached_until_the_fill_moves_on(manager_client, django_assert_max_num_queries):
    facts_fill(until=timezone.now())

    def handling(html: str) -> str:
        return re.search(r'data-metric="complaint_handling_rate">(.*?)</div>\s*</div>', html, re.S).group(1)

    assert "Sample size: 0" in handling(_dashboard(manager_client))
    ComplaintFactory(received_at=at(2026, 3, 5))
    with django_assert_max_num_queries(15):  # warm: figures and charts from the cache
        assert "Sample size: 0" in handling(_dashboard(manager_client))
    facts_fill(until=timezone.now())  # the watermark moves on: new figures
    assert "Sample size: 1" in handling(_dashboard(manager_client))


def test_each_filter_has_its_own_cached_figures(manager_client):
    facts_fill(until=timezone.now())
    ComplaintFactory(received_at=at(2026, 3, 5), customer=CustomerFactory(tier="key"))
    everyone = _dashboard(manager_client)
    general = _dashboard(manager_client, scope="tier:general")
    pattern = r'data-metric="complaint_handling_rate">.*?Sample size: (\d+)'
    assert re.search(pattern, everyone, re.S).group(1) == "1"
    assert re.search(pattern, general, re.S).group(1) == "0"


def test_the_drill_down_pages_and_a_segment_dashboard_run_bounded_queries(
    manager_client, sla_world, django_assert_max_num_queries
):
    segment = SegmentFactory(name="Key accounts", criteria={"tier": "key"})
    for day in (2, 3):
        visit = VisitFactory(status="done", visited_on=datetime.date(2026, 3, day), completed_at=at(2026, 3, day))
        VisitScore.objects.create(visit=visit, dimension=SatisfactionDimension.objects.first(), score=4)
    with django_assert_max_num_queries(70):
        html = _dashboard(manager_client, scope=f"segment:{segment.pk}")
    assert [row[2] for row in _table(html, "sla")] == ["2", "1", "1"]  # the key customer's complaints only
    with django_assert_max_num_queries(12):
        page = manager_client.get(_links(html, "sla")[0])
    assert page.context["page"].paginator.count == 2
    with django_assert_max_num_queries(12):
        visits = manager_client.get(reverse("reports:visits"), {"since": "2026-03-01", "until": "2026-03-31"})
    assert visits.context["page"].paginator.count == 2


def test_a_drill_down_link_shows_only_to_a_reader_who_may_open_it(manager_client, staff_client, sla_world):
    """Staff see the dashboard but only their own visits: the visit chart's months keep their numbers
    without the link to every visit of the month (which would answer 403)."""
    for day in (2, 3):
        visit = VisitFactory(status="done", visited_on=datetime.date(2026, 3, day), completed_at=at(2026, 3, day))
        VisitScore.objects.create(visit=visit, dimension=SatisfactionDimension.objects.first(), score=4)
    facts_fill(until=timezone.now())
    period = {"period": "custom", "since": "2026-03-01", "until": "2026-03-31"}
    manager, staff = _dashboard(manager_client, **period), _dashboard(staff_client, **period)

    assert _table(staff, "visits") == _table(manager, "visits")
    assert [row[3] for row in _table(manager, "visits")] == ["2"]
    assert len(_links(manager, "visits")) == 1 and _links(staff, "visits") == []
    assert manager_client.get(_links(manager, "visits")[0]).status_code == 200
    assert staff_client.get(_links(manager, "visits")[0]).status_code == 403
    # What staff may open stays linked, and opens.
    assert _links(staff, "sla") == _links(manager, "sla") != []
    assert staff_client.get(_links(staff, "sla")[0]).status_code == 200


def test_a_drill_down_link_without_a_period_lists_nothing(manager_client, sla_world):
    assert manager_client.get(reverse("reports:complaints")).context["page"].paginator.count == 0
    assert manager_client.get(reverse("reports:visits")).context["page"].paginator.count == 0


def test_a_loyalty_objective_gets_its_result_per_period(loyal_world):
    from reports.services.objectives import objective_results_compute
    from tests.reports.factories import QualityObjectiveFactory

    objective = QualityObjectiveFactory(metric=Metric.LOYALTY_INDEX, target=60, period_kind="quarter")
    [result] = objective_results_compute(period=Q1, today=datetime.date(2026, 3, 10))
    assert result.objective == objective
    assert (float(result.actual), result.n) == (56.25, 2)
