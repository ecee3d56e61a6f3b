"""Rows for the operational charts of the dashboard: SLA compliance by month, the time-to-resolve
distribution and satisfaction from follow-up visits. Each is one aggregate query bounded by the
period on an indexed column, with the scope applied to the customer; frames shape the rows."""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence

from django.db.models import Avg, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from complaints.models import Complaint, Kind
from visits.models import Visit, VisitScore

from .base import FigureScope, Period

# A visit score (1–5) counts as satisfied from 4 up: 75 on the 0–100 scale, the surveys' default.
VISIT_SATISFIED_MIN = 4
VISIT_SCALE_MAX = 5


def _month(value) -> datetime.date:
    return value.date().replace(day=1) if isinstance(value, datetime.datetime) else value.replace(day=1)


def sla_due_complaints(*, period: Period, scope: FigureScope, now: datetime.datetime | None = None) -> QuerySet:
    """Complaints (kind complaint) whose resolution fell due in the period and before now."""
    now = now or timezone.now()
    return Complaint.objects.filter(
        scope.customer_filter(),
        kind=Kind.COMPLAINT,
        resolve_due_at__gte=period.start,
        resolve_due_at__lt=min(period.end, now),
    )


def sla_by_month(*, period: Period, scope: FigureScope, now: datetime.datetime | None = None) -> list[dict]:
    """[{"month", "on_time", "total"}] per month with complaints due: of the complaints whose
    resolution was due in the month (and is due by now), how many were resolved by their due time.
    One that is still unresolved after its due time counts as late. One query."""
    rows = (
        sla_due_complaints(period=period, scope=scope, now=now)
        .annotate(month=TruncMonth("resolve_due_at"))
        .order_by()
        .values("month")
        .annotate(total=Count("pk"), on_time=Count("pk", filter=Q(resolved_at__lte=F("resolve_due_at"))))
    )
    return sorted(
        ({"month": _month(row["month"]), "on_time": row["on_time"], "total": row["total"]} for row in rows),
        key=lambda row: row["month"],
    )


def resolved_complaints(*, period: Period, scope: FigureScope) -> QuerySet:
    """Complaints received in the period and resolved, annotated with `duration` (resolution − receipt)."""
    duration = ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=DurationField())
    return Complaint.objects.filter(
        scope.customer_filter(),
        kind=Kind.COMPLAINT,
        received_at__gte=period.start,
        received_at__lt=period.end,
        resolved_at__isnull=False,
    ).annotate(duration=duration)


def duration_filter(lower_hours: float, upper_hours: float) -> Q:
    """Durations in [lower, upper) hours (upper may be infinite)."""
    condition = Q(duration__gte=datetime.timedelta(hours=lower_hours))
    if not math.isinf(upper_hours):
        condition &= Q(duration__lt=datetime.timedelta(hours=upper_hours))
    return condition


def resolve_hours(*, period: Period, scope: FigureScope, edges: Sequence[float]) -> list[dict]:
    """[{"hours": lower edge, "n": complaints}] per bin [edge, next edge) of the time from receipt to
    resolution (calendar hours), counted in SQL: one query whatever the number of complaints."""
    bounds = list(zip(edges[:-1], edges[1:], strict=True))
    totals = resolved_complaints(period=period, scope=scope).aggregate(
        **{
            f"bin_{index}": Count("pk", filter=duration_filter(lower, upper))
            for index, (lower, upper) in enumerate(bounds)
        }
    )
    return [{"hours": lower, "n": totals[f"bin_{index}"]} for index, (lower, _upper) in enumerate(bounds)]


def visits_done(*, period: Period, scope: FigureScope) -> QuerySet:
    """Visits done (visited_on) in the period for the scope's customers."""
    return Visit.objects.filter(
        scope.customer_filter(),
        status=Visit.Status.DONE,
        visited_on__gte=period.since,
        visited_on__lte=period.until,
    )


def visit_satisfaction_by_month(*, period: Period, scope: FigureScope) -> list[dict]:
    """[{"month", "mean" (0–100), "satisfaction_rate" (0–1), "scores", "visits"}] per month with scored
    visits: the satisfaction scores given during follow-up visits done in the month (1–5 per
    dimension, put on the 0–100 scale as the surveys are; satisfied from 4 up). Two queries: the
    scores by month, and the scored visits by month (a COUNT(DISTINCT) beside the scores' sums
    would sort every score of the period)."""
    rows = (
        VisitScore.objects.filter(
            scope.customer_filter("visit__customer"),
            visit__status=Visit.Status.DONE,
            visit__visited_on__gte=period.since,
            visit__visited_on__lte=period.until,
        )
        .annotate(month=TruncMonth("visit__visited_on"))
        .order_by()
        .values("month")
        .annotate(
            mean_score=Avg("score"),
            scores=Count("pk"),
            satisfied=Count("pk", filter=Q(score__gte=VISIT_SATISFIED_MIN)),
        )
    )
    scored = Exists(VisitScore.objects.filter(visit=OuterRef("pk")))
    visits = {
        _month(row["month"]): row["visits"]
        for row in visits_done(period=period, scope=scope)
        .filter(scored)
        .annotate(month=TruncMonth("visited_on"))
        .order_by()
        .values("month")
        .annotate(visits=Count("pk"))
    }
    result = []
    for row in rows:
        result.append(
            {
                "month": _month(row["month"]),
                "mean": (float(row["mean_score"]) - 1) / (VISIT_SCALE_MAX - 1) * 100,
                "satisfaction_rate": row["satisfied"] / row["scores"],
                "scores": row["scores"],
                "visits": visits.get(_month(row["month"]), 0),
            }
        )
    return sorted(result, key=lambda row: row["month"])
