"""The manager's dashboard: the headline cards and the charts with their tables.

The figures come from reports.figures (SQL aggregates over the daily facts and the source tables);
frames and charts shape them. Both the headline figures and the charts (SVG and their tables) are
cached per filter and per `facts_as_of()`, so a fill that moves the watermark on gives new ones.
The filters and the pieces of a chart live in reports.dashboard_filters; the operational and
loyalty charts in reports.dashboard_charts.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from complaints.figures import complaint_pareto
from complaints.models import ComplaintCategory
from complaints.services.actions import ROOT_CAUSE_CATEGORIES
from core.i18n import localised
from customers.models import LossReason
from customers.selectors import InvalidCriteria
from feedback.selectors import benchmark_latest

from . import charts, dashboard_charts, frames
from .dashboard_filters import (
    CACHE_SECONDS,
    CLASSIFICATION_CHOICES,
    DashboardFilterForm,
    Filters,
    cell,
    chart_entry,
    filters_from,
    format_change,
    format_value,
    records_url,
    responses_url,
)
from .figures import (
    Figure,
    FigureScope,
    InvalidPeriod,
    Period,
    facts_as_of,
    figures_compared,
    month_period,
    satisfaction_by_dimension,
    survey_by_classification,
    survey_by_month,
)
from .figures.base import add_months
from .figures.survey import response_sums
from .models import Metric, QualityObjective
from .services.objectives import objective_status

__all__ = ["CLASSIFICATION_CHOICES", "DashboardFilterForm", "dashboard_context", "format_change", "format_value"]


def _objective_matches(objective: QualityObjective, scope: FigureScope) -> bool:
    if scope.segment is not None:
        return objective.segment_id == scope.segment.pk
    return objective.segment_id is None and (objective.scope_field, objective.scope_value) == (scope.field, scope.value)


def objectives_for(scope: FigureScope) -> dict[str, QualityObjective]:
    """The active objective of each metric for the scope (one of exactly this scope first, else one for
    all customers). One query."""
    chosen: dict[str, QualityObjective] = {}
    fallback: dict[str, QualityObjective] = {}
    everyone = FigureScope.everyone()
    for objective in QualityObjective.objects.filter(is_active=True).exclude(metric=Metric.MANUAL).order_by("pk"):
        if _objective_matches(objective, scope):
            chosen.setdefault(objective.metric, objective)
        elif _objective_matches(objective, everyone):
            fallback.setdefault(objective.metric, objective)
    return {**fallback, **chosen}


def cached_figures(filters: Filters, today: datetime.date, as_of) -> dict:
    """figures_compared for the filters, cached like the charts: per filter, language-free, per day
    (overdue actions count up to today) and per `facts_as_of()`, so a fill that moves the watermark
    on (every five minutes) renews them. 24 queries cold, none warm."""
    key = "dashboard-figures:" + filters.cache_key(as_of) + ":" + today.isoformat()
    found = cache.get(key)
    if found is None:
        found = figures_compared(period=filters.period, scope=filters.scope, today=today)
        cache.set(key, found, CACHE_SECONDS)
    return found


def headline_cards(
    filters: Filters, objectives: dict[str, QualityObjective], today: datetime.date, as_of=None
) -> list[dict]:
    compared = cached_figures(filters, today, as_of)
    labels = dict(Metric.choices)
    cards = []
    for key, comparison in compared.items():
        figure: Figure = comparison.current
        change = (
            comparison.change_from_previous if filters.comparison == "previous" else comparison.change_from_year_before
        )
        objective = objectives.get(key)
        target = status = None
        if objective is not None:
            sign = "≥" if objective.direction == "at_least" else "≤"
            target = f"{sign} {format_value(float(objective.target), figure.unit)}"
            status = objective_status(direction=objective.direction, target=objective.target, actual=figure.value)
        cards.append(
            {
                "key": key,
                "label": labels.get(key, key),
                "value": format_value(figure.value, figure.unit),
                "missing": figure.value is None,
                "insufficient": figure.insufficient and figure.value is not None,
                "n": figure.n,
                "unit": figure.unit,
                "change": format_change(change, figure.unit),
                "target": target,
                "objective": objective,
                "status": status,
            }
        )
    return cards


# -- charts ---------------------------------------------------------------------------------------------


def build_charts(filters: Filters, objectives: dict[str, QualityObjective]) -> list[dict]:
    period, scope = filters.period, filters.scope
    result = []

    # Trend: the last up to 24 months up to the period's end.
    trend_period = Period(add_months(period.until.replace(day=1), -(frames.TREND_MONTHS_MAX - 1)), period.until)
    months = survey_by_month(period=trend_period, scope=scope)
    first_answered = next((i for i, m in enumerate(months) if m.responses), None)
    months = months[first_answered:] if first_answered is not None else months[-1:]
    trend_rows = [
        {
            "month": m.month,
            "csi": m.csi.value,
            "satisfaction_rate": None if m.satisfaction_rate.value is None else m.satisfaction_rate.value / 100,
            "n": m.responses,
        }
        for m in months
    ]
    csi_objective, rate_objective = objectives.get(Metric.CSI), objectives.get(Metric.SATISFACTION_RATE)
    trend = frames.monthly_trend(trend_rows)
    svg = charts.to_svg(
        charts.trend_figure(
            trend,
            csi_target=float(csi_objective.target) if csi_objective else None,
            rate_target=float(rate_objective.target) / 100 if rate_objective else None,
        )
    )
    rows = []
    for m in months:
        end = month_period(m.month).until
        rows.append(
            {
                "cells": [
                    m.month.strftime("%Y-%m"),
                    cell(m.csi.value),
                    format_value(m.satisfaction_rate.value, "percent"),
                    str(m.responses),
                ],
                "url": responses_url(filters, m.month, end) if m.responses else "",
            }
        )
    result.append(
        chart_entry(
            "trend",
            gettext("Satisfaction index and satisfaction rate by month"),
            svg,
            [gettext("Month"), gettext("CSI"), gettext("Satisfaction rate"), gettext("Responses")],
            rows,
        )
    )

    # Scores by dimension and the importance–performance quadrant.
    dimensions = satisfaction_by_dimension(period=period, scope=scope)
    frame = frames.by_dimension(
        [
            {"dimension": d.name, "mean": d.mean.value, "n": d.mean.n, "importance": d.importance.value}
            for d in dimensions
        ]
    )
    rows = [
        {
            "cells": [d.name, cell(d.mean.value), cell(d.importance.value), str(d.mean.n)],
            "url": responses_url(filters, period.since, period.until, dimension=d.dimension_id)
            if d.mean.n and d.dimension_id
            else "",
        }
        for d in dimensions
    ]
    result.append(
        chart_entry(
            "dimensions",
            gettext("Satisfaction by dimension"),
            charts.to_svg(charts.dimension_figure(frame)),
            [gettext("Dimension"), gettext("Mean score"), gettext("Importance"), gettext("Answers")],
            rows,
        )
    )
    quadrant = frames.quadrants(
        [
            {"dimension": d.name, "importance": d.importance.value, "performance": d.mean.value}
            for d in dimensions
            if d.importance.value is not None and d.mean.value is not None
        ]
    )
    by_name = {d.name: d for d in dimensions}
    result.append(
        chart_entry(
            "quadrants",
            gettext("Importance–performance analysis"),
            charts.to_svg(charts.quadrant_figure(quadrant)),
            [gettext("Dimension"), gettext("Importance"), gettext("Performance"), gettext("Quadrant")],
            [
                {
                    "cells": [row.dimension, cell(row.importance), cell(row.performance), row.quadrant_label],
                    "url": responses_url(
                        filters, period.since, period.until, dimension=by_name[row.dimension].dimension_id
                    )
                    if by_name.get(row.dimension) and by_name[row.dimension].dimension_id
                    else "",
                }
                for row in quadrant.itertuples()
            ],
        )
    )

    result.append(dashboard_charts.key_driver_chart(filters))

    # By classification.
    label, choices = CLASSIFICATION_CHOICES[filters.by]
    names = dict(choices)
    groups = survey_by_classification(period=period, field=filters.by, scope=scope)
    segment_frame = frames.by_segment(
        [
            {
                "segment": names.get(g.value, g.value) or gettext("No customer"),
                "csi": g.csi.value,
                "satisfaction_rate": None if g.satisfaction_rate.value is None else g.satisfaction_rate.value / 100,
                "n": g.responses,
            }
            for g in groups
        ]
    )
    result.append(
        chart_entry(
            "segments",
            gettext("Satisfaction by %(classification)s") % {"classification": str(label).lower()},
            charts.to_svg(charts.segment_figure(segment_frame)),
            [str(label), gettext("CSI"), gettext("Satisfaction rate"), gettext("Responses")],
            [
                {
                    "cells": [
                        names.get(g.value, g.value) or gettext("No customer"),
                        cell(g.csi.value),
                        format_value(g.satisfaction_rate.value, "percent"),
                        str(g.responses),
                    ],
                    "url": responses_url(
                        filters, period.since, period.until, **{"by_field": filters.by, "by_value": g.value}
                    )
                    if g.value and g.responses
                    else "",
                }
                for g in groups
            ],
        )
    )

    # NPS breakdown (promoters, passives, detractors of the recommendation answers).
    sums = response_sums(period=period, scope=scope)[0]
    passives = sums["nps_count"] - sums["promoters"] - sums["detractors"]
    nps_frame = frames.nps_breakdown(
        [
            {"score": 10, "n": sums["promoters"]},
            {"score": 8, "n": passives},
            {"score": 0, "n": sums["detractors"]},
        ]
    )
    nps_rows = []
    for group, count in ((gettext("Promoters"), sums["promoters"]), (gettext("Passives"), passives)):
        nps_rows.append({"cells": [group, str(count)], "url": ""})
    nps_rows.append({"cells": [gettext("Detractors"), str(sums["detractors"])], "url": ""})
    result.append(
        chart_entry(
            "nps",
            gettext("Net Promoter Score (NPS)"),
            charts.to_svg(charts.nps_figure(nps_frame)),
            [gettext("Group"), gettext("Answers")],
            nps_rows,
        )
    )

    result.append(dashboard_charts.loyalty_chart(filters))

    # Complaint Pareto by category and by root cause.
    # Scoped to the dashboard's customers; each row drills to the complaints behind it.
    category_ids = {localised(c.name, c.name_zh): c.pk for c in ComplaintCategory.objects.filter(parent__isnull=True)}
    root_causes = {str(label): code for code, label in ROOT_CAUSE_CATEGORIES.items()}
    for by, title in (
        ("category", gettext("Complaints by category")),
        ("root_cause", gettext("Complaints by root cause")),
    ):
        pareto_rows = complaint_pareto(by=by, since=period.start, until=period.end, where=scope.customer_filter())
        pareto_frame = frames.pareto([{"category": r.value or "—", "count": r.count} for r in pareto_rows])
        table = []
        for row in pareto_rows:
            url = ""
            if by == "category" and row.value in category_ids:
                url = records_url("complaints", filters, period.since, period.until, category=category_ids[row.value])
            elif by == "root_cause" and row.value in root_causes:
                url = records_url("complaints", filters, period.since, period.until, root_cause=root_causes[row.value])
            table.append(
                {
                    "cells": [
                        row.value or "—",
                        str(row.count),
                        format_value(row.share * 100, "percent"),
                        format_value(row.cumulative_share * 100, "percent"),
                    ],
                    "url": url,
                }
            )
        result.append(
            chart_entry(
                f"pareto-{by}",
                title,
                charts.to_svg(charts.pareto_figure(pareto_frame, title=title)),
                [pgettext("pareto", "Category"), gettext("Complaints"), gettext("Share"), gettext("Cumulative")],
                table,
            )
        )

    result.append(dashboard_charts.sla_chart(filters, objectives))
    result.append(dashboard_charts.resolve_time_chart(filters))
    result.append(dashboard_charts.visit_satisfaction_chart(filters))

    # Lost customers by reason.
    from customers.lost_business import lost_by_reason

    try:
        customers = scope.customers()
    except InvalidCriteria:
        customers = None
    reasons = dict(LossReason.choices)
    lost = lost_by_reason(since=period.since, until=period.until, customers=customers)
    lost_frame = frames.pareto(
        [{"category": str(reasons.get(r["reason_category"], gettext("Not classified"))), "count": r["n"]} for r in lost]
    )
    lost_url = reverse("customers:list") + "?lifecycle=lost"
    result.append(
        chart_entry(
            "lost",
            gettext("Lost customers by reason"),
            charts.to_svg(charts.pareto_figure(lost_frame, title=gettext("Lost customers by reason"))),
            [gettext("Reason"), gettext("Customers")],
            [
                {
                    "cells": [str(reasons.get(r["reason_category"]) or gettext("Not classified")), str(r["n"])],
                    "url": lost_url,
                }
                for r in lost
            ],
        )
    )

    # Benchmark comparison: our dimension means beside the latest competitor and benchmark scores.
    ours = {d.dimension_id: d for d in dimensions if d.mean.value is not None}
    benchmark_rows = []
    ours_label = gettext("Us")
    for score in benchmark_latest(until=period.until):
        dimension = ours.get(score.dimension_id)
        name = score.dimension.name if score.dimension else gettext("Overall")
        if dimension is not None and not any(r["dimension"] == name and r["kind"] == "ours" for r in benchmark_rows):
            benchmark_rows.append(
                {"dimension": name, "entry": ours_label, "kind": "ours", "score": dimension.mean.value}
            )
        benchmark_rows.append(
            {
                "dimension": name,
                "entry": score.competitor,
                "kind": "benchmark" if score.is_benchmark else "competitor",
                "score": float(score.score),
            }
        )
    benchmark = frames.benchmark_comparison(benchmark_rows)
    result.append(
        chart_entry(
            "benchmark",
            gettext("Comparison with competitors and benchmarks"),
            charts.to_svg(charts.benchmark_figure(benchmark)),
            [gettext("Dimension"), gettext("Whose"), gettext("Score"), gettext("Our difference")],
            [
                {"cells": [row.dimension, row.entry, cell(row.score), cell(row.difference)], "url": ""}
                for row in benchmark.itertuples()
            ],
        )
    )
    return result


def cached_charts(filters: Filters, objectives: dict[str, QualityObjective], as_of) -> list[dict]:
    targets = sorted((metric, str(o.target)) for metric, o in objectives.items())
    key = filters.cache_key(as_of) + hashlib.sha256(json.dumps(targets).encode()).hexdigest()[:12]
    found = cache.get(key)
    if found is None:
        found = build_charts(filters, objectives)
        cache.set(key, found, CACHE_SECONDS)
    return found


def dashboard_context(request, *, today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    form = DashboardFilterForm(request.GET or None)
    try:
        filters = filters_from(form, today)
    except InvalidPeriod:
        filters = filters_from(DashboardFilterForm(), today)
    objectives = objectives_for(filters.scope)
    as_of = facts_as_of()
    try:
        cards = headline_cards(filters, objectives, today, as_of)
        chart_list = cached_charts(filters, objectives, as_of)
        invalid_segment = False
    except InvalidCriteria:
        cards, chart_list, invalid_segment = [], [], True
    return {
        "form": form,
        "filters": filters,
        "cards": cards,
        "charts": chart_list,
        "as_of": as_of,
        "invalid_segment": invalid_segment,
        "comparison_label": gettext("vs previous period")
        if filters.comparison == "previous"
        else gettext("vs same period last year"),
    }
