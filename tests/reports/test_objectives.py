"""Quality objectives: status across periods (met, not met, at risk mid-period, no data), values
entered by hand, idempotent computation, and the audit trail."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from core.exceptions import ApplicationError
from core.models import AuditEvent
from customers.models import LifecycleChange
from reports.figures import Period
from reports.models import Direction, Metric, ObjectiveResult, ObjectiveStatus, PeriodKind
from reports.services import (
    facts_fill,
    objective_create,
    objective_result_record_manual,
    objective_results_compute,
    objective_retire,
    objective_status,
    objective_update,
)
from tests.factories import CustomerFactory
from tests.reports.factories import QualityObjectiveFactory, SurveyWorld, at

pytestmark = pytest.mark.django_db

Q1 = Period(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))


@pytest.mark.parametrize(
    ("direction", "target", "actual", "elapsed", "cumulative", "expected"),
    [
        (Direction.AT_LEAST, 90, 92, 1, False, ObjectiveStatus.MET),
        (Direction.AT_LEAST, 90, 90, 1, False, ObjectiveStatus.MET),  # at the target is met
        (Direction.AT_LEAST, 90, 89.9, 1, False, ObjectiveStatus.NOT_MET),
        (Direction.AT_LEAST, 90, 80, 0.5, False, ObjectiveStatus.AT_RISK),
        (Direction.AT_MOST, 3, 2, 1, True, ObjectiveStatus.MET),
        # 2 lost after a third of the period → 6 projected to its end, above at most 3.
        (Direction.AT_MOST, 3, 2, 1 / 3, True, ObjectiveStatus.AT_RISK),
        (Direction.AT_MOST, 3, 4, 1, True, ObjectiveStatus.NOT_MET),
        (Direction.AT_LEAST, 90, None, 1, False, ObjectiveStatus.NO_DATA),
        (Direction.AT_LEAST, 90, None, 0.5, False, ObjectiveStatus.NO_DATA),
    ],
)
def test_objective_status(direction, target, actual, elapsed, cumulative, expected):
    assert (
        objective_status(
            direction=direction, target=Decimal(target), actual=actual, elapsed=elapsed, cumulative=cumulative
        )
        == expected
    )


@pytest.fixture
def answered_in_march():
    world = SurveyWorld()
    with time_machine.travel(at(2026, 3, 10, 9), tick=True):
        # Three responses in March: CSI 100, 75 and 25 → mean 66.67; satisfied (≥ 75): 2 / 3 = 66.67 %.
        for score in (5, 4, 2):
            world.respond(when=at(2026, 3, 2), scores={"quality": score})
        facts_fill(until=timezone.now())
    return world


def statuses(objective):
    return {r.period_start: (r.status, r.actual) for r in ObjectiveResult.objects.filter(objective=objective)}


def test_results_across_periods_no_data_at_risk_then_final(answered_in_march):
    high = QualityObjectiveFactory(metric=Metric.SATISFACTION_RATE, target=Decimal("90"))
    low = QualityObjectiveFactory(metric=Metric.SATISFACTION_RATE, target=Decimal("60"))

    with time_machine.travel(at(2026, 3, 10, 9), tick=True):
        objective_results_compute(period=Q1)

    jan, feb, mar = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)
    # January and February: no responses → no data. March, open: 66.67 % < 90 → at risk; ≥ 60 → met.
    assert statuses(high) == {
        jan: (ObjectiveStatus.NO_DATA, None),
        feb: (ObjectiveStatus.NO_DATA, None),
        mar: (ObjectiveStatus.AT_RISK, Decimal("66.67")),
    }
    assert statuses(low)[mar] == (ObjectiveStatus.MET, Decimal("66.67"))

    with time_machine.travel(at(2026, 4, 2, 1), tick=True):
        objective_results_compute(period=Q1)
        # March has ended: 66.67 % < 90 is final, not met.
        assert statuses(high)[mar] == (ObjectiveStatus.NOT_MET, Decimal("66.67"))
        count = ObjectiveResult.objects.count()
        events = AuditEvent.objects.count()
        objective_results_compute(period=Q1)
    # Idempotent: no new rows, and nothing changed so nothing more audited.
    assert ObjectiveResult.objects.count() == count == 6
    assert AuditEvent.objects.count() == events


def test_a_count_objective_is_at_risk_on_its_trend(db):
    objective = QualityObjectiveFactory(metric=Metric.LOST_CUSTOMERS, target=Decimal("3"), direction=Direction.AT_MOST)
    for day in (2, 5):
        change = LifecycleChange.objects.create(customer=CustomerFactory(), from_state="current", to_state="lost")
        LifecycleChange.objects.filter(pk=change.pk).update(changed_at=at(2026, 3, day))

    with time_machine.travel(at(2026, 3, 10, 9), tick=True):
        objective_results_compute(period=Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)))

    # 2 lost in 10 of 31 days → 6.2 projected, above at most 3.
    result = ObjectiveResult.objects.get(objective=objective)
    assert (result.status, result.actual, result.n) == (ObjectiveStatus.AT_RISK, Decimal("2.00"), 2)


def test_a_manual_value_with_its_source(manager_user):
    objective = QualityObjectiveFactory(
        metric=Metric.MANUAL, name_en="Product pass rate", name_zh="产品合格率", target=Decimal("95")
    )

    with time_machine.travel(at(2026, 3, 10, 9), tick=True):
        result = objective_result_record_manual(
            actor=manager_user,
            objective=objective,
            period_start=datetime.date(2026, 2, 14),
            actual=Decimal("98.5"),
            source="MES export 2026-02",
        )
        again = objective_result_record_manual(
            actor=manager_user,
            objective=objective,
            period_start=datetime.date(2026, 2, 1),
            actual=Decimal("94"),
            source="MES export 2026-02, corrected",
        )
        objective_results_compute(period=Q1)

    assert again.pk == result.pk
    again.refresh_from_db()
    # February, closed: 94 < 95 → not met; kept by the computation, which gives March no data.
    assert (again.status, again.actual, again.source, again.is_manual) == (
        ObjectiveStatus.NOT_MET,
        Decimal("94.00"),
        "MES export 2026-02, corrected",
        True,
    )
    assert statuses(objective)[datetime.date(2026, 3, 1)] == (ObjectiveStatus.NO_DATA, None)
    assert AuditEvent.objects.for_object(again).count() == 2


def test_manual_values_are_refused_for_computed_objectives_or_without_source(manager_user):
    computed = QualityObjectiveFactory(metric=Metric.CSI)
    manual = QualityObjectiveFactory(metric=Metric.MANUAL)
    with pytest.raises(ApplicationError):
        objective_result_record_manual(
            actor=manager_user,
            objective=computed,
            period_start=datetime.date(2026, 1, 1),
            actual=Decimal(1),
            source="x",
        )
    with pytest.raises(ApplicationError):
        objective_result_record_manual(
            actor=manager_user,
            objective=manual,
            period_start=datetime.date(2026, 1, 1),
            actual=Decimal(1),
            source=" ",
        )


def test_create_update_retire_are_audited_and_for_managers_only(manager_user, auditor_user, staff_user):
    data = {
        "name_en": "Customer satisfaction rate",
        "name_zh": "客户满意率",
        "metric": Metric.SATISFACTION_RATE,
        "target": Decimal("90"),
        "direction": Direction.AT_LEAST,
        "period_kind": PeriodKind.QUARTER,
        "scope_field": "scope",
        "scope_value": "external",
    }
    for user in (auditor_user, staff_user):
        with pytest.raises(ApplicationError):
            objective_create(actor=user, data=data)

    objective = objective_create(actor=manager_user, data=data)
    objective_update(actor=manager_user, objective=objective, data={"target": Decimal("92")})
    objective_retire(actor=manager_user, objective=objective)

    actions = list(AuditEvent.objects.for_object(objective).order_by("at", "id").values_list("action", "changes"))
    assert [a for a, _ in actions] == ["create", "update", "update"]
    assert actions[1][1] == {"target": ["90", "92"]}
    objective.refresh_from_db()
    assert (objective.owner, objective.is_active) == (manager_user, False)


def test_objective_results_compute_skips_retired_and_future_periods(answered_in_march, manager_user):
    objective = QualityObjectiveFactory(metric=Metric.CSI, period_kind=PeriodKind.YEAR)
    retired = QualityObjectiveFactory(metric=Metric.CSI, is_active=False)
    with time_machine.travel(at(2026, 3, 10, 9), tick=True):
        objective_results_compute(period=Period(datetime.date(2026, 1, 1), datetime.date(2027, 12, 31)))
    # 2026 started, 2027 not yet; CSI 66.67 < 90 mid-year → at risk.
    assert statuses(objective) == {datetime.date(2026, 1, 1): (ObjectiveStatus.AT_RISK, Decimal("66.67"))}
    assert not ObjectiveResult.objects.filter(objective=retired).exists()
