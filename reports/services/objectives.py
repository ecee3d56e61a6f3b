"""Quality objectives (质量目标, ISO 9001 6.2): managers define them; results per period are computed
from the figures (or entered by hand with their source) and kept as history. Every write is audited."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import require
from core.audit import audit_record, diff, snapshot
from core.exceptions import ApplicationError
from core.models import AuditEvent
from customers.selectors import InvalidCriteria

from ..figures import FigureScope, Period, figure_for, month_period, quarter_period, year_period
from ..models import Direction, Metric, ObjectiveResult, ObjectiveStatus, PeriodKind, QualityObjective
from .facts import FILL_LAG

OBJECTIVE_FIELDS = (
    "name_en",
    "name_zh",
    "metric",
    "target",
    "direction",
    "period_kind",
    "scope_field",
    "scope_value",
    "segment",
    "owner",
)
# Counts that accrue over a period: mid-period they are projected to the period's end ("on the
# trend"); rates and indices are judged on their value so far.
CUMULATIVE_METRICS = frozenset({Metric.LOST_CUSTOMERS, Metric.WIN_BACKS, Metric.CORRECTIVE_ACTIONS_OVERDUE})
# A result computed this long after its period ended is final: the facts fill (every 5 minutes,
# FILL_LAG behind) has then taken in the period's last answers. Later runs keep it as reported.
FINAL_AFTER = FILL_LAG + datetime.timedelta(minutes=30)

PERIOD_OF = {PeriodKind.MONTH: month_period, PeriodKind.QUARTER: quarter_period, PeriodKind.YEAR: year_period}


def _require_manager(actor, perm: str) -> None:
    require(actor, perm, _("You are not allowed to change quality objectives."))


def objective_period(*, objective: QualityObjective, day: datetime.date) -> Period:
    """The objective's period (month, quarter or year) that contains `day`."""
    return PERIOD_OF[PeriodKind(objective.period_kind)](day)


def objective_periods(*, objective: QualityObjective, period: Period) -> list[Period]:
    """The objective's periods that overlap `period`, oldest first."""
    result = []
    current = objective_period(objective=objective, day=period.since)
    while current.since <= period.until:
        result.append(current)
        current = objective_period(objective=objective, day=current.until + datetime.timedelta(days=1))
    return result


def objective_status(
    *,
    direction: str,
    target: Decimal,
    actual: float | Decimal | None,
    elapsed: float = 1.0,
    cumulative: bool = False,
) -> str:
    """Met / not met for a closed period (`elapsed` = 1); for an open one (0 < elapsed < 1, the share
    of the period gone), met or at risk by the trend: a count is projected to the period's end
    (actual / elapsed), a rate is judged on its value so far. No value: no data."""
    if actual is None:
        return ObjectiveStatus.NO_DATA
    value = float(actual)
    if elapsed < 1 and cumulative and elapsed > 0:
        value = value / elapsed
    meets = value >= float(target) if direction == Direction.AT_LEAST else value <= float(target)
    if meets:
        return ObjectiveStatus.MET
    return ObjectiveStatus.AT_RISK if elapsed < 1 else ObjectiveStatus.NOT_MET


def _elapsed(period: Period, today: datetime.date) -> float:
    if today > period.until:
        return 1.0
    return max(0.0, min(1.0, ((today - period.since).days + 1) / period.days))


def _clean(objective: QualityObjective) -> None:
    if objective.metric == Metric.MANUAL and (objective.scope_field or objective.segment_id):
        raise ValidationError({"scope_field": _("A value entered by hand has no scope.")})
    objective.full_clean()


def objective_create(*, actor, data: dict[str, Any]) -> QualityObjective:
    _require_manager(actor, "reports.add_qualityobjective")
    objective = QualityObjective(**{key: value for key, value in data.items() if key in OBJECTIVE_FIELDS})
    if objective.owner_id is None:
        objective.owner = actor
    _clean(objective)
    with transaction.atomic():
        objective.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            instance=objective,
            changes={k: [None, v] for k, v in snapshot(objective).items() if v not in (None, "")},
        )
    return objective


def objective_update(*, actor, objective: QualityObjective, data: dict[str, Any]) -> QualityObjective:
    """Change an objective. Results already computed keep their status until their period is
    recomputed (open periods are, on the next run)."""
    _require_manager(actor, "reports.change_qualityobjective")
    before = snapshot(objective)
    for key, value in data.items():
        if key in OBJECTIVE_FIELDS:
            setattr(objective, key, value)
    _clean(objective)
    with transaction.atomic():
        objective.save()
        changes = diff(before, snapshot(objective))
        if changes:
            audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=objective, changes=changes)
    return objective


def objective_retire(*, actor, objective: QualityObjective) -> QualityObjective:
    """Stop measuring an objective; its results stay as history."""
    _require_manager(actor, "reports.change_qualityobjective")
    if not objective.is_active:
        return objective
    now = timezone.now()
    with transaction.atomic():
        if not QualityObjective.objects.filter(pk=objective.pk, is_active=True).update(
            is_active=False, retired_at=now, updated_at=now
        ):
            return objective
        objective.is_active, objective.retired_at = False, now
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, instance=objective, changes={"is_active": [True, False]}
        )
    return objective


def _result_write(
    *, actor, objective: QualityObjective, period: Period, values: dict[str, Any], comment: str = ""
) -> ObjectiveResult:
    """Insert or update the one result of (objective, period), audited. Inside a transaction."""
    existing = (
        ObjectiveResult.objects.select_for_update().filter(objective=objective, period_start=period.since).first()
    )
    if existing is None:
        result = ObjectiveResult.objects.create(
            objective=objective, period_start=period.since, period_end=period.until, **values
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            instance=result,
            changes={k: [None, v] for k, v in snapshot(result, list(values)).items() if k != "computed_at"},
            comment=comment,
        )
        return result
    before = snapshot(existing, list(values))
    for key, value in values.items():
        setattr(existing, key, value)
    existing.save(update_fields=list(values))
    changes = {k: v for k, v in diff(before, snapshot(existing, list(values))).items() if k != "computed_at"}
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=existing, changes=changes, comment=comment)
    return existing


def _two_places(value: float | Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def objective_result_record_manual(
    *,
    actor,
    objective: QualityObjective,
    period_start: datetime.date,
    actual: Decimal,
    source: str,
    today: datetime.date | None = None,
) -> ObjectiveResult:
    """Enter the value of a hand-measured objective (产品合格率, 合同履约率 from other systems) for the
    period containing `period_start`, with where it comes from. Entering it again replaces it."""
    _require_manager(actor, "reports.add_objectiveresult")
    if not objective.is_manual:
        raise ApplicationError(_("This objective is computed from the figures; it takes no value by hand."))
    if not source.strip():
        raise ApplicationError(_("Say where the value comes from."), extra={"source": _("This field is required.")})
    today = today or timezone.localdate()
    period = objective_period(objective=objective, day=period_start)
    if period.since > today:
        raise ApplicationError(_("The period has not started yet."))
    status = objective_status(
        direction=objective.direction, target=objective.target, actual=actual, elapsed=_elapsed(period, today)
    )
    with transaction.atomic():
        return _result_write(
            actor=actor,
            objective=objective,
            period=period,
            values={
                "actual": _two_places(actual),
                "n": None,
                "status": status,
                "source": source.strip(),
                "is_manual": True,
                "recorded_by": actor,
                "computed_at": timezone.now(),
            },
        )


def objective_results_compute(
    *, period: Period, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> list[ObjectiveResult]:
    """Compute every active objective's results for its periods that overlap `period` and have
    started. Idempotent: one row per objective and period (unique), updated in place; a result
    computed after its period ended (FINAL_AFTER) is final and kept; open periods are recomputed.
    A hand-measured objective gets a "no data" row for a period nobody has entered yet."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    written = []
    objectives = QualityObjective.objects.filter(is_active=True).select_related("segment")
    for objective in objectives:
        existing = {
            result.period_start: result
            for result in ObjectiveResult.objects.filter(objective=objective, period_start__lte=period.until)
        }
        for objective_window in objective_periods(objective=objective, period=period):
            if objective_window.since > today:
                continue
            result = existing.get(objective_window.since)
            if result is not None and (result.is_manual or result.computed_at >= objective_window.end + FINAL_AFTER):
                continue
            values = _computed_values(objective, objective_window, today=today, now=now)
            with transaction.atomic():
                written.append(_result_write(actor=None, objective=objective, period=objective_window, values=values))
    return written


def _computed_values(objective: QualityObjective, period: Period, *, today: datetime.date, now) -> dict[str, Any]:
    values: dict[str, Any] = {"computed_at": now, "is_manual": False, "source": ""}
    if objective.is_manual:
        return {**values, "actual": None, "n": None, "status": ObjectiveStatus.NO_DATA}
    scope = FigureScope(field=objective.scope_field, value=objective.scope_value, segment=objective.segment)
    try:
        figure = figure_for(metric=objective.metric, period=period, scope=scope, today=min(today, period.until))
    except InvalidCriteria:
        return {**values, "actual": None, "n": None, "status": ObjectiveStatus.NO_DATA}
    status = objective_status(
        direction=objective.direction,
        target=objective.target,
        actual=figure.value,
        elapsed=_elapsed(period, today),
        cumulative=objective.metric in CUMULATIVE_METRICS,
    )
    return {**values, "actual": _two_places(figure.value), "n": figure.n, "status": status}


def objective_results_compute_recent(*, today: datetime.date | None = None) -> int:
    """The daily job: yesterday's and today's periods (so a period that just ended gets its final
    result, and the open one its provisional status). Results written."""
    today = today or timezone.localdate()
    return len(objective_results_compute(period=Period(today - datetime.timedelta(days=1), today), today=today))
