"""Complaint figures for reports and management review. Every function aggregates in SQL and returns
plain rows; reports turns them into frames and charts.

Periods are [since, until) on received_at. Rates are None when there is nothing to divide by
(a rate over zero complaints is not 0 %).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.i18n import bilingual_expression

from .models import Complaint, ComplaintCategory, CorrectiveAction, Kind, State
from .services.actions import ROOT_CAUSE_CATEGORIES

HANDLED_STATES = (State.RESOLVED, State.CLOSED, State.WITHDRAWN, State.REJECTED)
GROUPINGS = {
    "severity": F("severity"),
    "channel": F("channel"),
    "kind": F("kind"),
    "product": F("product_reference"),
    "customer_tier": F("customer__tier"),
    "customer_scope": F("customer__scope"),
    "customer_region": F("customer__region"),
    "root_cause": F("root_cause_category"),
}


def _grouping(grouping: str):
    """The GROUP BY expression; category names in the active language (categories are bilingual
    data: the Chinese name where one is set)."""
    if grouping in ("category", "subcategory"):
        child = bilingual_expression(ComplaintCategory, "name", path="category__")
        if grouping == "subcategory":
            return child
        return Coalesce(bilingual_expression(ComplaintCategory, "name", path="category__parent__"), child)
    return GROUPINGS[grouping]


def _period(
    since: datetime.datetime | None = None, until: datetime.datetime | None = None, kind: str | None = Kind.COMPLAINT
) -> QuerySet[Complaint]:
    queryset = Complaint.objects.all()
    if kind:
        queryset = queryset.filter(kind=kind)
    if since:
        queryset = queryset.filter(received_at__gte=since)
    if until:
        queryset = queryset.filter(received_at__lt=until)
    return queryset


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def complaint_counts_by(
    *, grouping: str, since=None, until=None, kind: str | None = Kind.COMPLAINT, where: Q | None = None
) -> list[tuple[str, int]]:
    """(value, count) rows, largest first; an empty value is "" (e.g. no category). `where` narrows
    the complaints (e.g. to a customer scope: reports' FigureScope.customer_filter())."""
    expression = _grouping(grouping)
    rows = (
        _period(since, until, kind)
        .filter(where or Q())
        .annotate(group=expression)
        .values("group")
        .annotate(count=Count("id"))
        .order_by("-count", "group")
    )
    return [(row["group"] or "", row["count"]) for row in rows]


def complaint_counts_by_segment(*, since=None, until=None) -> list[tuple[str, int]]:
    """Complaints per saved customer segment. Segments are live filters, so one COUNT per segment
    (a few dozen at most); a customer in two segments counts in both."""
    from customers.models import Segment
    from customers.selectors import InvalidCriteria, segment_customers

    rows = []
    for segment in Segment.objects.order_by("name_sort", "name"):
        try:
            customers = segment_customers(segment=segment).values("pk")
        except InvalidCriteria:
            continue
        rows.append((segment.name, _period(since, until).filter(customer__in=customers).count()))
    return sorted(rows, key=lambda row: (-row[1], row[0]))


@dataclass(frozen=True)
class HandlingFigures:
    received: int
    handled: int
    handling_rate: float | None  # 客户投诉处理率: handled / received
    acknowledged: int
    acknowledged_on_time: int
    acknowledge_on_time_rate: float | None
    resolved: int
    resolved_on_time: int
    resolve_on_time_rate: float | None
    reopened: int
    reopen_rate: float | None  # reopened / ever resolved


def complaint_handling_figures(*, since=None, until=None) -> HandlingFigures:
    """Handling rate, on-time rates and reopen rate for complaints received in the period, in one query."""
    resolved_states = [State.RESOLVED, State.CLOSED]
    totals = _period(since, until).aggregate(
        received=Count("id"),
        handled=Count("id", filter=Q(state__in=HANDLED_STATES)),
        acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
        acknowledged_on_time=Count(
            "id", filter=Q(acknowledged_at__isnull=False, acknowledged_at__lte=F("acknowledge_due_at"))
        ),
        resolved=Count("id", filter=Q(state__in=resolved_states)),
        resolved_on_time=Count("id", filter=Q(state__in=resolved_states, resolved_at__lte=F("resolve_due_at"))),
        reopened=Count("id", filter=Q(reopen_count__gt=0)),
        ever_resolved=Count("id", filter=Q(state__in=resolved_states) | Q(reopen_count__gt=0)),
    )
    return HandlingFigures(
        received=totals["received"],
        handled=totals["handled"],
        handling_rate=_rate(totals["handled"], totals["received"]),
        acknowledged=totals["acknowledged"],
        acknowledged_on_time=totals["acknowledged_on_time"],
        acknowledge_on_time_rate=_rate(totals["acknowledged_on_time"], totals["acknowledged"]),
        resolved=totals["resolved"],
        resolved_on_time=totals["resolved_on_time"],
        resolve_on_time_rate=_rate(totals["resolved_on_time"], totals["resolved"]),
        reopened=totals["reopened"],
        reopen_rate=_rate(totals["reopened"], totals["ever_resolved"]),
    )


@dataclass(frozen=True)
class DurationFigures:
    count: int
    mean: datetime.timedelta | None
    p50: datetime.timedelta | None
    p90: datetime.timedelta | None
    p95: datetime.timedelta | None


def complaint_times(*, measure: str = "resolve", since=None, until=None) -> DurationFigures:
    """Elapsed (calendar) time from receipt to acknowledgement or resolution: mean and percentiles.
    Percentiles by ordered offset (nearest rank): SQLite has no percentile function."""
    end_field = "acknowledged_at" if measure == "acknowledge" else "resolved_at"
    duration = ExpressionWrapper(F(end_field) - F("received_at"), output_field=DurationField())
    queryset = _period(since, until).filter(**{f"{end_field}__isnull": False}).annotate(duration=duration)
    count = queryset.count()
    if not count:
        return DurationFigures(0, None, None, None, None)
    ordered = queryset.order_by("duration").values_list("duration", flat=True)

    def percentile(p: int) -> datetime.timedelta:
        rank = max(0, min(count - 1, -(-p * count // 100) - 1))  # nearest rank, 0-based
        return ordered[rank]

    mean = queryset.aggregate(mean=Avg("duration"))["mean"]
    return DurationFigures(count, mean, percentile(50), percentile(90), percentile(95))


@dataclass(frozen=True)
class ParetoRow:
    value: str
    count: int
    share: float
    cumulative_share: float


def complaint_pareto(*, by: str = "category", since=None, until=None, where: Q | None = None) -> list[ParetoRow]:
    """Pareto rows (largest first, with cumulative share) by category or by root cause; `where` as in
    complaint_counts_by."""
    rows = complaint_counts_by(
        grouping="root_cause" if by == "root_cause" else "category", since=since, until=until, where=where
    )
    if by == "root_cause":
        rows = [(str(ROOT_CAUSE_CATEGORIES.get(value, value)), count) for value, count in rows if value]
    total = sum(count for _value, count in rows)
    result, running = [], 0
    for value, count in rows:
        running += count
        result.append(ParetoRow(value, count, count / total, running / total))
    return result


@dataclass(frozen=True)
class ActionFigures:
    open: int
    overdue: int
    verified: int
    effective: int
    effectiveness_pass_rate: float | None


def corrective_action_figures(*, today: datetime.date | None = None) -> ActionFigures:
    today = today or timezone.localdate()
    totals = CorrectiveAction.objects.aggregate(
        open=Count("id", filter=Q(status=CorrectiveAction.Status.OPEN)),
        overdue=Count("id", filter=Q(status=CorrectiveAction.Status.OPEN, due_date__lt=today)),
        verified=Count("id", filter=~Q(result="")),
        effective=Count("id", filter=Q(result=CorrectiveAction.Result.EFFECTIVE)),
    )
    return ActionFigures(
        open=totals["open"],
        overdue=totals["overdue"],
        verified=totals["verified"],
        effective=totals["effective"],
        effectiveness_pass_rate=_rate(totals["effective"], totals["verified"]),
    )
