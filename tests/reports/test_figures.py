"""Every headline figure against a small data set computed by hand (the arithmetic is in comments)."""

import datetime

import pytest
from django.utils import timezone

from complaints.models import CorrectiveAction
from customers.models import LifecycleChange
from reports.figures import (
    MIN_SAMPLE,
    FigureScope,
    InvalidPeriod,
    Period,
    facts_as_of,
    figure_for,
    figures_compared,
    headline_figures,
    satisfaction_by_dimension,
    survey_by_classification,
    survey_by_month,
    survey_figures,
)
from reports.services import facts_fill
from surveys.models import Invitation
from tests.complaints.factories import ComplaintFactory, CorrectiveActionFactory
from tests.factories import CustomerFactory, SegmentFactory, UserFactory
from tests.reports.factories import SurveyWorld, at
from tests.visits.factories import VisitFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("march_10")]

MARCH = Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
FEBRUARY = Period(datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))


@pytest.fixture
def world():
    world = SurveyWorld()
    world.key = CustomerFactory(tier="key")
    world.internal = CustomerFactory(scope="internal")
    # A (key): quality 5 → 100, delivery 3 → 50, overall 4 → 75; CSI (2×100 + 50)/3 = 83.3; promoter (9).
    world.respond(
        when=at(2026, 3, 2, 10),
        customer=world.key,
        scores={"quality": 5, "delivery": 3, "overall": 4},
        importance={"quality": 5},
        recommend=9,
    )
    # B (internal): quality 2 → 25, delivery 4 → 75; CSI (2×25 + 75)/3 = 41.7; detractor (5).
    world.respond(when=at(2026, 3, 2, 15), customer=world.internal, scores={"quality": 2, "delivery": 4}, recommend=5)
    # C (open link): quality 4 → 75; CSI 75.0.
    world.respond(when=at(2026, 3, 3, 9), open_link=True, scores={"quality": 4})
    facts_fill(until=timezone.now())
    return world


def test_survey_figures_for_everyone(world):
    figures = survey_figures(period=MARCH, scope=FigureScope.everyone())

    # CSI: (83.3 + 41.7 + 75.0) / 3 = 66.67 over 3 responses, fewer than MIN_SAMPLE (5).
    assert figures["csi"].value == pytest.approx(200.0 / 3)
    assert (figures["csi"].n, figures["csi"].insufficient) == (3, True)
    # Satisfaction rate: A and C reach 75 → 2 / 3 = 66.7 %.
    rate = figures["satisfaction_rate"]
    assert (rate.numerator, rate.denominator, rate.value) == (2, 3, pytest.approx(200 / 3))
    # NPS: 1 promoter − 1 detractor over 2 answers = 0.
    assert (figures["nps"].value, figures["nps"].n, figures["nps"].numerator) == (0, 2, 0)
    # Employee satisfaction rate: internal responses B only, not satisfied: 0 / 1 = 0 %.
    assert (figures["employee_satisfaction_rate"].value, figures["employee_satisfaction_rate"].n) == (0, 1)


def test_an_empty_period_has_no_figures_rather_than_zero(world):
    figures = survey_figures(period=FEBRUARY, scope=FigureScope.everyone())

    for key in ("csi", "satisfaction_rate", "nps", "employee_satisfaction_rate"):
        assert (figures[key].value, figures[key].n, figures[key].insufficient) == (None, 0, True)


def test_one_response_gives_its_own_values_at_100_percent(world):
    figures = survey_figures(period=MARCH, scope=FigureScope.classification("tier", "key"))

    # Only A: CSI 83.3, satisfied 1 / 1 = 100 %, NPS (1 − 0) / 1 = 100.
    assert figures["csi"].value == pytest.approx(83.3)
    assert (figures["satisfaction_rate"].value, figures["nps"].value) == (100, 100)
    assert figures["employee_satisfaction_rate"].value is None  # no internal response among key customers


def test_a_segment_reads_the_customers_it_selects(world):
    key_segment = SegmentFactory(criteria={"tier": "key"})
    nobody = SegmentFactory(criteria={"region": ["north"]})

    figures = survey_figures(period=MARCH, scope=FigureScope.of_segment(key_segment))
    empty = survey_figures(period=MARCH, scope=FigureScope.of_segment(nobody))

    # The key segment selects A's customer: the same as the classification (83.3, 100 %).
    assert figures["csi"].value == pytest.approx(83.3)
    assert figures["satisfaction_rate"].value == 100
    assert (empty["csi"].value, empty["csi"].n, empty["nps"].value) == (None, 0, None)


def test_enough_responses_clear_the_insufficient_flag():
    world = SurveyWorld()
    for day in range(1, MIN_SAMPLE + 1):
        world.respond(when=at(2026, 3, day), scores={"quality": 1}, recommend=0)
    facts_fill(until=timezone.now())

    figures = survey_figures(period=MARCH, scope=FigureScope.everyone())

    # Five responses of quality 1 → CSI 0, none satisfied (0 %), five detractors (NPS −100).
    assert (figures["csi"].value, figures["csi"].n, figures["csi"].insufficient) == (0, 5, False)
    assert (figures["satisfaction_rate"].value, figures["nps"].value) == (0, -100)


def test_by_dimension_includes_a_dimension_without_answers(world):
    rows = {row.dimension_id: row for row in satisfaction_by_dimension(period=MARCH, scope=FigureScope.everyone())}

    quality, delivery, overall = rows[world.quality.pk], rows[world.delivery.pk], rows[None]
    # Quality: 100, 25, 75 → mean 66.67; ≥ 75: 2 / 3; importance only A's 5 → 100; gap −33.3.
    assert quality.mean.value == pytest.approx(200 / 3)
    assert quality.satisfaction_rate.value == pytest.approx(200 / 3)
    assert quality.importance.value == 100
    assert quality.gap == pytest.approx(200 / 3 - 100)
    # Delivery: 50, 75 → 62.5; 1 / 2 = 50 %; no importance asked, no gap.
    assert (delivery.mean.value, delivery.satisfaction_rate.value, delivery.gap) == (62.5, 50, None)
    # Overall (no dimension): A's 4 → 75, 100 %.
    assert (overall.mean.value, overall.mean.n) == (75, 1)
    # Seeded dimensions nobody answered are listed, without a value.
    unanswered = [row for key, row in rows.items() if key not in (world.quality.pk, world.delivery.pk, None)]
    assert unanswered and all(row.mean.value is None and row.mean.n == 0 for row in unanswered)


def test_by_dimension_for_a_segment_with_no_answers(world):
    nobody = SegmentFactory(criteria={"region": ["north"]})
    rows = satisfaction_by_dimension(period=MARCH, scope=FigureScope.of_segment(nobody))
    assert all(row.mean.value is None for row in rows)
    rows = {
        r.dimension_id: r
        for r in satisfaction_by_dimension(
            period=MARCH, scope=FigureScope.of_segment(SegmentFactory(criteria={"tier": "key"}))
        )
    }
    assert rows[world.quality.pk].mean.value == 100


def test_by_month_lists_every_month_with_gaps_as_none(world):
    rows = survey_by_month(period=Period(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)), scope=FigureScope())

    assert [row.month for row in rows] == [
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
        datetime.date(2026, 3, 1),
    ]
    assert [row.responses for row in rows] == [0, 0, 3]
    assert rows[0].csi.value is None
    assert rows[2].csi.value == pytest.approx(200 / 3)


def test_by_month_for_a_segment(world):
    rows = survey_by_month(period=MARCH, scope=FigureScope.of_segment(SegmentFactory(criteria={"scope": "internal"})))
    # B only: CSI 41.7, not satisfied.
    assert [(row.month, row.responses, row.satisfaction_rate.value) for row in rows] == [
        (datetime.date(2026, 3, 1), 1, 0)
    ]


def test_by_classification(world):
    rows = survey_by_classification(period=MARCH, field="tier")

    # general: B (41.7) and the open link has no tier (""): C (75.0); key: A (83.3). One each.
    assert {row.value: row.csi.value for row in rows} == {
        "general": pytest.approx(41.7),
        "": pytest.approx(75.0),
        "key": pytest.approx(83.3),
    }
    channels = {row.value: row.responses for row in survey_by_classification(period=MARCH, field="channel")}
    assert channels == {"invitation": 2, "open_link": 1}


@pytest.fixture
def operations(world):
    today = datetime.date(2026, 3, 10)
    # Invitations issued in March: A's and B's (completed), one sent, one bounced, one not yet sent.
    for status in (Invitation.Status.SENT, Invitation.Status.BOUNCED, Invitation.Status.INVITED):
        world.invite(status=status)
    world.invite(status=Invitation.Status.SENT, created=at(2026, 2, 10))  # February: not counted
    # Complaints received in March.
    on_time = ComplaintFactory(
        received_at=at(2026, 3, 1, 10),
        state="closed",
        acknowledged_at=at(2026, 3, 1, 10),
        resolved_at=at(2026, 3, 1, 12),
        resolve_due_at=at(2026, 3, 2),
        resolution="Fixed",
        closed_at=at(2026, 3, 2),
        close_reason="confirmed",
    )
    ComplaintFactory(
        received_at=at(2026, 3, 2, 10),
        state="resolved",
        acknowledged_at=at(2026, 3, 2, 10),
        resolved_at=at(2026, 3, 3, 10),
        resolve_due_at=at(2026, 3, 2, 12),
        resolution="Fixed late",
    )
    ComplaintFactory(received_at=at(2026, 3, 4), state="withdrawn", end_reason="Customer withdrew")
    ComplaintFactory(received_at=at(2026, 3, 5), state="investigating", acknowledged_at=at(2026, 3, 5))
    ComplaintFactory(received_at=at(2026, 3, 5), kind="compliment")  # not a complaint
    ComplaintFactory(received_at=at(2026, 2, 5))  # February
    # Corrective actions.
    verifier = UserFactory(role="manager")
    CorrectiveActionFactory(complaint=on_time, due_date=datetime.date(2026, 3, 5))  # open, overdue
    CorrectiveActionFactory(complaint=on_time, due_date=datetime.date(2026, 3, 20))  # open, not due yet
    for result, verified in (
        ("effective", at(2026, 3, 6)),
        ("not_effective", at(2026, 3, 7)),
        ("effective", at(2026, 2, 7)),
    ):
        CorrectiveActionFactory(
            complaint=on_time,
            due_date=datetime.date(2026, 3, 1),
            status=CorrectiveAction.Status.DONE,
            done_at=verified,
            verified_at=verified,
            verified_by=verifier,
            result=result,
        )
    # Visits due in March: two done, one planned, one cancelled; one due in April.
    for status in ("done", "done", "planned", "cancelled"):
        done = {"visited_on": datetime.date(2026, 3, 8), "completed_at": at(2026, 3, 8)} if status == "done" else {}
        VisitFactory(due_date=datetime.date(2026, 3, 8), status=status, **done)
    VisitFactory(due_date=datetime.date(2026, 4, 8))
    # Lifecycle: two lost and one win-back in March, one lost in February.
    for to_state, win_back, when in (
        ("lost", False, at(2026, 3, 3)),
        ("lost", False, at(2026, 3, 4)),
        ("current", True, at(2026, 3, 6)),
        ("lost", False, at(2026, 2, 6)),
    ):
        change = LifecycleChange.objects.create(
            customer=CustomerFactory(), from_state="current", to_state=to_state, is_win_back=win_back
        )
        LifecycleChange.objects.filter(pk=change.pk).update(changed_at=when)
    return today


def test_operational_figures(operations):
    figures = headline_figures(period=MARCH, today=operations)

    # Response rate: delivered = 2 completed + 1 sent = 3 (bounced and not sent left out); 2 / 3.
    assert (figures["response_rate"].numerator, figures["response_rate"].denominator) == (2, 3)
    # Handling rate: closed + resolved + withdrawn = 3 of 4 complaints received = 75 %.
    assert figures["complaint_handling_rate"].value == 75
    # On time: of the 2 resolved or closed, 1 resolved before its due time = 50 %.
    assert figures["on_time_resolution_rate"].value == 50
    # Median time to resolve: 2 h and 24 h → nearest-rank median (lower middle) = 2 h.
    assert (figures["median_hours_to_resolve"].value, figures["median_hours_to_resolve"].n) == (2, 2)
    # Overdue actions: 1 (due 5 March, open); effectiveness: 1 effective of 2 verified in March.
    assert figures["corrective_actions_overdue"].value == 1
    assert figures["corrective_actions_overdue"].insufficient is False
    assert figures["action_effectiveness_rate"].value == 50
    # Visit coverage: 2 done of 3 due (the cancelled one left out) = 66.7 %.
    assert figures["visit_coverage"].value == pytest.approx(200 / 3)
    # Lifecycle: 2 lost, 1 win-back in March.
    assert (figures["lost_customers"].value, figures["win_backs"].value) == (2, 1)


def test_operational_figures_of_an_empty_period_are_none_or_zero(world):
    figures = headline_figures(period=Period(datetime.date(2025, 1, 1), datetime.date(2025, 1, 31)))

    for key in (
        "response_rate",
        "complaint_handling_rate",
        "on_time_resolution_rate",
        "median_hours_to_resolve",
        "action_effectiveness_rate",
        "visit_coverage",
    ):
        assert (figures[key].value, figures[key].n) == (None, 0), key
    assert (figures["lost_customers"].value, figures["corrective_actions_overdue"].value) == (0, 0)


def test_the_figure_set_takes_a_bounded_number_of_queries(operations, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        headline_figures(period=MARCH, today=operations)
    segment = SegmentFactory(criteria={"tier": "key"})
    with django_assert_max_num_queries(8):
        headline_figures(period=MARCH, scope=FigureScope.of_segment(segment), today=operations)
    with django_assert_max_num_queries(24):
        figures_compared(period=MARCH, today=operations)
    with django_assert_max_num_queries(2):
        satisfaction_by_dimension(period=MARCH, scope=FigureScope())
    with django_assert_max_num_queries(1):
        survey_by_month(period=Period(datetime.date(2024, 4, 1), MARCH.until), scope=FigureScope())


def test_comparison_with_the_previous_period_and_the_year_before(operations):
    compared = figures_compared(period=MARCH, today=operations)

    # February: one lost customer; March: two → +1. February 2025: nothing.
    lost = compared["lost_customers"]
    assert (lost.previous.value, lost.change_from_previous, lost.year_before.value) == (1, 1, 0)
    # No survey answers in February: no change to give.
    assert compared["csi"].previous.value is None and compared["csi"].change_from_previous is None
    assert figure_for(metric="lost_customers", period=MARCH).value == 2


def test_periods():
    assert MARCH.previous() == FEBRUARY
    assert Period(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)).previous() == Period(
        datetime.date(2025, 10, 1), datetime.date(2025, 12, 31)
    )
    assert Period(datetime.date(2026, 3, 5), datetime.date(2026, 3, 11)).previous() == Period(
        datetime.date(2026, 2, 26), datetime.date(2026, 3, 4)
    )
    assert Period(datetime.date(2024, 2, 29), datetime.date(2024, 2, 29)).year_before().since == datetime.date(
        2023, 2, 28
    )
    with pytest.raises(InvalidPeriod):
        Period(datetime.date(2026, 3, 2), datetime.date(2026, 3, 1))


def test_freshness_is_the_oldest_watermark(world):
    assert facts_as_of() is not None
    assert facts_as_of() <= timezone.now()
