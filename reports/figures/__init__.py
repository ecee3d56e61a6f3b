"""The figures layer: headline figures, trends and breakdowns for a period and a scope.

Survey figures read the daily facts (reports.services.facts); the others aggregate their source
tables in SQL. Every function returns plain dataclasses (Figure and friends), never querysets, so
frames, charts, pages, the API and the PDF report build on the same numbers.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from ..models import FillState, Metric
from .base import (
    MIN_SAMPLE,
    Figure,
    FigureScope,
    InvalidPeriod,
    Period,
    month_period,
    quarter_period,
    year_period,
)
from .loyalty import loyalty_index_figures
from .operations import (
    complaint_figures,
    corrective_action_figures,
    customer_figures,
    response_rate_figures,
    visit_figures,
)
from .survey import (
    DimensionFigures,
    GroupFigures,
    MonthFigures,
    satisfaction_by_dimension,
    survey_by_classification,
    survey_by_month,
    survey_figures,
)

FigureGroup = Callable[..., dict[str, Figure]]


def _survey(*, period, scope, today):
    return survey_figures(period=period, scope=scope)


def _response_rate(*, period, scope, today):
    return response_rate_figures(period=period, scope=scope)


def _complaints(*, period, scope, today):
    return complaint_figures(period=period, scope=scope)


def _actions(*, period, scope, today):
    return corrective_action_figures(period=period, scope=scope, today=today)


def _visits(*, period, scope, today):
    return visit_figures(period=period, scope=scope)


def _customers(*, period, scope, today):
    return customer_figures(period=period, scope=scope)


def _loyalty(*, period, scope, today):
    return loyalty_index_figures(period=period, scope=scope)


# Which query computes each catalogued metric (reports.models.Metric, manual values excepted).
METRIC_GROUPS: dict[str, FigureGroup] = {
    Metric.CSI: _survey,
    Metric.SATISFACTION_RATE: _survey,
    Metric.NPS: _survey,
    Metric.EMPLOYEE_SATISFACTION_RATE: _survey,
    Metric.RESPONSE_RATE: _response_rate,
    Metric.COMPLAINT_HANDLING_RATE: _complaints,
    Metric.ON_TIME_RESOLUTION_RATE: _complaints,
    Metric.MEDIAN_HOURS_TO_RESOLVE: _complaints,
    Metric.CORRECTIVE_ACTIONS_OVERDUE: _actions,
    Metric.ACTION_EFFECTIVENESS_RATE: _actions,
    Metric.VISIT_COVERAGE: _visits,
    Metric.LOST_CUSTOMERS: _customers,
    Metric.WIN_BACKS: _customers,
    Metric.LOYALTY_INDEX: _loyalty,
}
HEADLINE_METRICS = tuple(metric.value for metric in METRIC_GROUPS)


def headline_figures(
    *, period: Period, scope: FigureScope | None = None, today: datetime.date | None = None
) -> dict[str, Figure]:
    """Every catalogued figure, keyed by metric (reports.models.Metric values), in catalogue order.
    Eight queries whatever the data."""
    scope = scope or FigureScope.everyone()
    figures: dict[str, Figure] = {}
    for group in dict.fromkeys(METRIC_GROUPS.values()):
        figures.update(group(period=period, scope=scope, today=today))
    return {metric: figures[metric] for metric in HEADLINE_METRICS}


def figure_for(
    *, metric: str, period: Period, scope: FigureScope | None = None, today: datetime.date | None = None
) -> Figure:
    """One catalogued figure (one or two queries)."""
    group = METRIC_GROUPS[metric]
    return group(period=period, scope=scope or FigureScope.everyone(), today=today)[metric]


@dataclass(frozen=True)
class Comparison:
    current: Figure
    previous: Figure
    year_before: Figure
    # current − other, in the figure's unit (percentage points for rates); None when either is None.
    change_from_previous: float | None
    change_from_year_before: float | None


def _change(current: Figure, other: Figure) -> float | None:
    if current.value is None or other.value is None:
        return None
    return current.value - other.value


def figures_compared(
    *, period: Period, scope: FigureScope | None = None, today: datetime.date | None = None
) -> dict[str, Comparison]:
    """The headline figures for the period, the previous period (same length; whole months give
    whole months) and the same period a year before, with the changes. 24 queries."""
    current = headline_figures(period=period, scope=scope, today=today)
    previous = headline_figures(period=period.previous(), scope=scope, today=today)
    year_before = headline_figures(period=period.year_before(), scope=scope, today=today)
    return {
        key: Comparison(
            current[key],
            previous[key],
            year_before[key],
            _change(current[key], previous[key]),
            _change(current[key], year_before[key]),
        )
        for key in current
    }


def facts_as_of() -> datetime.datetime | None:
    """How fresh the survey figures are: the oldest fact kind's watermark ("as of 14:05"), None
    before the first fill."""
    marks = list(FillState.objects.values_list("watermark", flat=True))
    if len(marks) < len(FillState.Kind) or None in marks:
        return None
    return min(marks)


__all__ = [
    "HEADLINE_METRICS",
    "METRIC_GROUPS",
    "MIN_SAMPLE",
    "Comparison",
    "DimensionFigures",
    "Figure",
    "FigureScope",
    "GroupFigures",
    "InvalidPeriod",
    "MonthFigures",
    "Period",
    "facts_as_of",
    "figure_for",
    "figures_compared",
    "headline_figures",
    "month_period",
    "quarter_period",
    "satisfaction_by_dimension",
    "survey_by_classification",
    "survey_by_month",
    "year_period",
]
