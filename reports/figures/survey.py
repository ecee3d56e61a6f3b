"""Survey figures (满意度, 满意率, 顾客满意指数 CSI, NPS, 员工满意率) from the daily facts.

Method (surveys.scoring, per response at submit time): the headline CSI is the mean of the
responses' stored satisfaction indices; the satisfaction rate is the share of those responses whose
index reaches their campaign's threshold; NPS is % promoters − % detractors of the recommendation
answers. Dimension means are the mean normalised score of the dimension's rating answers.

Classification scopes and "everyone" read the facts (a few rows per day). A saved segment is a live
filter, so its figures aggregate the source rows of the customers it selects today, bounded by the
period on indexed columns. Both paths return the same sums, so the arithmetic below is shared.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext

from customers.models import SatisfactionDimension, Scope

from ..measures import (
    ANSWER_MEASURES,
    RESPONSE_MEASURES,
    classification_columns,
    rating_answers,
    response_channel,
    response_measures,
    scored_responses,
)
from ..models import ResponseDailyFact, SatisfactionDailyFact
from .base import MIN_SAMPLE, Figure, FigureScope, Period, ratio

RESPONSE_SUMS = tuple(RESPONSE_MEASURES)
ANSWER_SUMS = tuple(ANSWER_MEASURES)


def _as_date(value: Any) -> Any:
    return value.date() if isinstance(value, datetime.datetime) else value


def response_sums(*, period: Period, scope: FigureScope, group_by: tuple[str, ...] = ()) -> list[dict]:
    """Summed response measures per group (() = one row). Groups: "month", "channel" or a
    classification field. One query."""
    if scope.segment is None:
        queryset = ResponseDailyFact.objects.filter(day__gte=period.since, day__lte=period.until)
        if scope.field:
            queryset = queryset.filter(**{scope.field: scope.value})
        groups = {"month": TruncMonth("day")} if "month" in group_by else {}
        # Aliases must differ from the fact columns they sum (Django resolves a name to an earlier alias).
        measures = {f"total_{name}": Sum(name) for name in RESPONSE_SUMS}
        measures["total_internal_csi_count"] = Sum("csi_count", filter=Q(scope=Scope.INTERNAL))
        measures["total_internal_satisfied"] = Sum("satisfied", filter=Q(scope=Scope.INTERNAL))
    else:
        queryset = scored_responses().filter(
            scope.customer_filter(), submitted_at__gte=period.start, submitted_at__lt=period.end
        )
        groups = {"channel": response_channel(), **classification_columns()}
        if "month" in group_by:
            groups["month"] = TruncMonth("submitted_at")
        groups = {key: value for key, value in groups.items() if key in group_by}
        internal = response_measures(Q(customer__scope=Scope.INTERNAL))
        measures = {
            **RESPONSE_MEASURES,
            "internal_csi_count": internal["csi_count"],
            "internal_satisfied": internal["satisfied"],
        }
    if not group_by:
        return [_measures_only(queryset.aggregate(**measures), measures)]
    result = []
    for row in queryset.annotate(**groups).order_by().values(*group_by).annotate(**measures):
        plain = _measures_only(row, measures)
        plain.update({key: _as_date(row[key]) for key in group_by})
        result.append(plain)
    return result


def _measures_only(row: dict, measures: dict) -> dict:
    """The measures of a row under their plain names (0 for an empty sum)."""
    return {key.removeprefix("total_"): row[key] or 0 for key in measures}


def survey_figures_from(sums: dict) -> dict[str, Figure]:
    return {
        "csi": ratio("csi", sums["csi_sum"], sums["csi_count"], unit="index"),
        "satisfaction_rate": ratio("satisfaction_rate", sums["satisfied"], sums["csi_count"]),
        "nps": ratio("nps", sums["promoters"] - sums["detractors"], sums["nps_count"], unit="nps"),
        "employee_satisfaction_rate": ratio(
            "employee_satisfaction_rate", sums.get("internal_satisfied", 0), sums.get("internal_csi_count", 0)
        ),
    }


def survey_figures(*, period: Period, scope: FigureScope) -> dict[str, Figure]:
    """CSI, satisfaction rate, NPS and employee satisfaction rate (员工满意率: the satisfaction rate of
    internal customers' responses). One query."""
    return survey_figures_from(response_sums(period=period, scope=scope)[0])


@dataclass(frozen=True)
class MonthFigures:
    month: datetime.date  # first day of the month
    responses: int
    csi: Figure
    satisfaction_rate: Figure
    nps: Figure


def survey_by_month(*, period: Period, scope: FigureScope) -> list[MonthFigures]:
    """One row per month the period touches (a 24-month trend is 24 rows), months without responses
    included with None values. One query."""
    by_month = {row["month"]: row for row in response_sums(period=period, scope=scope, group_by=("month",))}
    empty = dict.fromkeys(RESPONSE_SUMS, 0)
    rows = []
    for month in period.months():
        sums = by_month.get(month, empty)
        figures = survey_figures_from(sums)
        rows.append(
            MonthFigures(month, sums["responses"], figures["csi"], figures["satisfaction_rate"], figures["nps"])
        )
    return rows


@dataclass(frozen=True)
class GroupFigures:
    value: str  # the classification value ("" = no customer: anonymous open link)
    responses: int
    csi: Figure
    satisfaction_rate: Figure
    nps: Figure


def survey_by_classification(*, period: Period, field: str, scope: FigureScope | None = None) -> list[GroupFigures]:
    """Figures per value of a classification (scope, chain_position, lifecycle, tier, region) or
    "channel", largest group first. One query. Labels: the field's choices (customers.models)."""
    scope = scope or FigureScope.everyone()
    rows = response_sums(period=period, scope=scope, group_by=(field,))
    result = []
    for sums in sorted(rows, key=lambda row: (-row["responses"], row[field])):
        figures = survey_figures_from(sums)
        result.append(
            GroupFigures(sums[field], sums["responses"], figures["csi"], figures["satisfaction_rate"], figures["nps"])
        )
    return result


@dataclass(frozen=True)
class DimensionFigures:
    dimension_id: int | None  # None: rating questions tied to no dimension ("overall")
    code: str
    name: str
    weight: float
    mean: Figure  # mean normalised score, 0–100
    satisfaction_rate: Figure  # share of answers at or above the threshold
    importance: Figure  # mean normalised stated importance (paired questions)
    gap: float | None  # mean − importance (negative: improve first)


def answer_sums(*, period: Period, scope: FigureScope) -> list[dict]:
    """Summed rating-answer measures per dimension (None = no dimension). One query."""
    if scope.segment is None:
        queryset = SatisfactionDailyFact.objects.filter(day__gte=period.since, day__lte=period.until)
        if scope.field:
            queryset = queryset.filter(**{scope.field: scope.value})
        measures = {f"total_{name}": Sum(name) for name in ANSWER_SUMS}
        rows = queryset.order_by().values("dimension_id").annotate(**measures)
        return [{"dimension_id": row["dimension_id"], **_measures_only(row, measures)} for row in rows]
    queryset = rating_answers().filter(
        scope.customer_filter("response__customer"),
        response__submitted_at__gte=period.start,
        response__submitted_at__lt=period.end,
    )
    rows = (
        queryset.annotate(dimension_key=F("question__dimension_id"))
        .order_by()
        .values("dimension_key")
        .annotate(**ANSWER_MEASURES)
    )
    return [{"dimension_id": row.pop("dimension_key"), **row} for row in rows]


def satisfaction_by_dimension(*, period: Period, scope: FigureScope) -> list[DimensionFigures]:
    """Every active dimension in library order, those without answers in the period included with
    None values (n = 0), then the "overall" questions without a dimension if answered. Two queries."""
    sums = {row["dimension_id"]: row for row in answer_sums(period=period, scope=scope)}
    empty = dict.fromkeys(ANSWER_SUMS, 0)
    # Active dimensions, and retired ones that still have answers in the period (after the active).
    answered = [pk for pk in sums if pk is not None]
    dimensions = SatisfactionDimension.objects.filter(Q(is_active=True) | Q(pk__in=answered)).order_by(
        "-is_active", "position", "code"
    )
    result = [_dimension_figures(d.pk, d.code, d.name, float(d.weight), sums.get(d.pk, empty)) for d in dimensions]
    if None in sums:
        result.append(_dimension_figures(None, "", gettext("Overall (no dimension)"), 1.0, sums[None]))
    return result


def _dimension_figures(dimension_id, code: str, name: str, weight: float, sums: dict) -> DimensionFigures:
    mean = ratio("dimension_mean", sums["score_sum"], sums["answers"], unit="index")
    importance = ratio("dimension_importance", sums["importance_sum"], sums["importance_answers"], unit="index")
    gap = None
    if mean.value is not None and importance.value is not None:
        gap = mean.value - importance.value
    return DimensionFigures(
        dimension_id=dimension_id,
        code=code,
        name=name,
        weight=weight,
        mean=mean,
        satisfaction_rate=ratio("dimension_satisfaction_rate", sums["satisfied"], sums["answers"]),
        importance=importance,
        gap=gap,
    )


__all__ = [
    "MIN_SAMPLE",
    "DimensionFigures",
    "GroupFigures",
    "MonthFigures",
    "answer_sums",
    "response_sums",
    "satisfaction_by_dimension",
    "survey_by_classification",
    "survey_by_month",
    "survey_figures",
]
