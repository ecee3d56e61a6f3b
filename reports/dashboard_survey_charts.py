"""The dashboard's survey-score charts: the monthly trend, the dimension means, the importance–
performance quadrant, the breakdown by a classification, the NPS groups and the benchmark
comparison. Each takes a ChartSource and returns a chart entry (reports.dashboard_filters)."""

from __future__ import annotations

from django.utils.translation import gettext

from feedback.selectors import benchmark_latest

from . import frames, key_drivers
from .dashboard_filters import (
    CLASSIFICATION_CHOICES,
    ChartFigure,
    ChartSource,
    cell,
    chart_entry,
    format_value,
    responses_url,
)
from .figures import month_period, survey_by_classification, survey_by_month
from .figures.survey import response_sums
from .models import Metric


def trend_chart(source: ChartSource) -> dict:
    """CSI and satisfaction rate over the last up to 24 months up to the period's end, from the first
    month with answers."""
    from .dashboard_charts import trend_window

    filters = source.filters
    months = survey_by_month(period=trend_window(filters.period), scope=filters.scope)
    first_answered = next((i for i, m in enumerate(months) if m.responses), None)
    months = months[first_answered:] if first_answered is not None else months[-1:]
    trend = frames.monthly_trend(
        [
            {
                "month": m.month,
                "csi": m.csi.value,
                "satisfaction_rate": None if m.satisfaction_rate.value is None else m.satisfaction_rate.value / 100,
                "n": m.responses,
            }
            for m in months
        ]
    )
    csi_objective = source.objectives.get(Metric.CSI)
    rate_objective = source.objectives.get(Metric.SATISFACTION_RATE)
    figure = ChartFigure(
        "trend_figure",
        trend,
        {
            "csi_target": float(csi_objective.target) if csi_objective else None,
            "rate_target": float(rate_objective.target) / 100 if rate_objective else None,
        },
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
    return chart_entry(
        "trend",
        gettext("Satisfaction index and satisfaction rate by month"),
        figure,
        [gettext("Month"), gettext("CSI"), gettext("Satisfaction rate"), gettext("Responses")],
        rows,
    )


def _dimension_url(source: ChartSource, dimension_id) -> str:
    period = source.filters.period
    return responses_url(source.filters, period.since, period.until, dimension=dimension_id) if dimension_id else ""


def dimension_chart(source: ChartSource) -> dict:
    """The mean score of each dimension with its stated importance."""
    dimensions = source.dimensions
    frame = frames.by_dimension(
        [
            {"dimension": d.name, "mean": d.mean.value, "n": d.mean.n, "importance": d.importance.value}
            for d in dimensions
        ]
    )
    rows = [
        {
            "cells": [d.name, cell(d.mean.value), cell(d.importance.value), str(d.mean.n)],
            "url": _dimension_url(source, d.dimension_id) if d.mean.n else "",
        }
        for d in dimensions
    ]
    return chart_entry(
        "dimensions",
        gettext("Satisfaction by dimension"),
        ChartFigure("dimension_figure", frame),
        [gettext("Dimension"), gettext("Mean score"), gettext("Importance"), gettext("Answers")],
        rows,
    )


def derived_importance(source: ChartSource) -> tuple[dict[str, float], int]:
    """Importance derived from the key drivers, for a selection where no importance was stated: each
    dimension's share of the explained variation in overall satisfaction (Johnson's relative weight,
    in %). ({dimension name: share}, responses fitted); empty when the key drivers cannot be fitted."""
    _found, drivers = source.drivers
    return {row.dimension: row.relative_weight * 100 for row in drivers.frame.itertuples()}, drivers.n


def quadrant_chart(source: ChartSource) -> dict:
    """Each dimension in one importance–performance quadrant. Importance is what customers stated
    (the paired importance questions) when any dimension of the selection has it; otherwise it is
    derived from the key drivers (how much each dimension moves overall satisfaction), and the chart
    and its table say so, with a small-sample warning below the key drivers' minimum sample."""
    dimensions = source.dimensions
    stated = any(d.importance.value is not None for d in dimensions)
    notes: list[str] = []
    warning = ""
    if stated:
        importance = {d.name: d.importance.value for d in dimensions}
        header = gettext("Stated importance")
        axis = gettext("Stated importance (0–100)")
    else:
        importance, fitted = derived_importance(source)
        header = gettext("Derived importance (%)")
        axis = gettext("Derived importance: share of explained overall satisfaction (%)")
        if importance:
            notes.append(
                gettext(
                    "No importance questions were answered in this selection: importance is derived from the key "
                    "drivers (each dimension's share of the explained variation in overall satisfaction, fitted "
                    "on %(n)s responses)."
                )
                % {"n": fitted}
            )
            needed = max(
                key_drivers.KEY_DRIVER_MIN_RESPONSES, key_drivers.KEY_DRIVER_RESPONSES_PER_DIMENSION * len(importance)
            )
            if fitted < needed:
                warning = gettext(
                    "Small sample: importance derived from %(n)s responses (at least %(needed)s needed); "
                    "indicative only."
                ) % {"n": fitted, "needed": needed}
        else:
            warning = gettext(
                "No importance questions were answered in this selection, and the key drivers could not be "
                "fitted to derive importance from them."
            )
        if warning:
            notes.append(warning)
    quadrant = frames.quadrants(
        [
            {"dimension": d.name, "importance": importance.get(d.name), "performance": d.mean.value}
            for d in dimensions
            if importance.get(d.name) is not None and d.mean.value is not None
        ]
    )
    by_name = {d.name: d for d in dimensions}
    title = gettext("Importance–performance analysis")
    entry = chart_entry(
        "quadrants",
        title,
        ChartFigure("quadrant_figure", quadrant, {"ylabel": axis, "note": warning}),
        [gettext("Dimension"), header, gettext("Performance"), gettext("Quadrant")],
        [
            {
                "cells": [row.dimension, cell(row.importance), cell(row.performance), row.quadrant_label],
                "url": _dimension_url(source, by_name[row.dimension].dimension_id) if row.dimension in by_name else "",
            }
            for row in quadrant.itertuples()
        ],
    )
    entry["importance"] = "stated" if stated else "derived"
    entry["notes"] = notes
    entry["warn"] = bool(warning)
    return entry


def segment_chart(source: ChartSource) -> dict:
    """CSI and satisfaction rate per value of the breakdown classification."""
    filters = source.filters
    period = filters.period
    label, choices = CLASSIFICATION_CHOICES[filters.by]
    names = dict(choices)
    groups = survey_by_classification(period=period, field=filters.by, scope=filters.scope)
    frame = frames.by_segment(
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
    return chart_entry(
        "segments",
        gettext("Satisfaction by %(classification)s") % {"classification": str(label).lower()},
        ChartFigure("segment_figure", frame),
        [str(label), gettext("CSI"), gettext("Satisfaction rate"), gettext("Responses")],
        [
            {
                "cells": [
                    names.get(g.value, g.value) or gettext("No customer"),
                    cell(g.csi.value),
                    format_value(g.satisfaction_rate.value, "percent"),
                    str(g.responses),
                ],
                "url": responses_url(filters, period.since, period.until, by_field=filters.by, by_value=g.value)
                if g.value and g.responses
                else "",
            }
            for g in groups
        ],
    )


def nps_chart(source: ChartSource) -> dict:
    """Promoters, passives and detractors of the recommendation answers."""
    sums = response_sums(period=source.filters.period, scope=source.filters.scope)[0]
    passives = sums["nps_count"] - sums["promoters"] - sums["detractors"]
    frame = frames.nps_breakdown(
        [{"score": 10, "n": sums["promoters"]}, {"score": 8, "n": passives}, {"score": 0, "n": sums["detractors"]}]
    )
    rows = [
        {"cells": [group, str(count)], "url": ""}
        for group, count in (
            (gettext("Promoters"), sums["promoters"]),
            (gettext("Passives"), passives),
            (gettext("Detractors"), sums["detractors"]),
        )
    ]
    return chart_entry(
        "nps",
        gettext("Net Promoter Score (NPS)"),
        ChartFigure("nps_figure", frame),
        [gettext("Group"), gettext("Answers")],
        rows,
    )


def benchmark_chart(source: ChartSource) -> dict:
    """Our dimension means beside the latest competitor and benchmark scores."""
    ours = {d.dimension_id: d for d in source.dimensions if d.mean.value is not None}
    rows = []
    ours_label = gettext("Us")
    for score in benchmark_latest(until=source.filters.period.until):
        dimension = ours.get(score.dimension_id)
        name = score.dimension.name if score.dimension else gettext("Overall")
        if dimension is not None and not any(r["dimension"] == name and r["kind"] == "ours" for r in rows):
            rows.append({"dimension": name, "entry": ours_label, "kind": "ours", "score": dimension.mean.value})
        rows.append(
            {
                "dimension": name,
                "entry": score.competitor,
                "kind": "benchmark" if score.is_benchmark else "competitor",
                "score": float(score.score),
            }
        )
    benchmark = frames.benchmark_comparison(rows)
    return chart_entry(
        "benchmark",
        gettext("Comparison with competitors and benchmarks"),
        ChartFigure("benchmark_figure", benchmark),
        [gettext("Dimension"), gettext("Whose"), gettext("Score"), gettext("Our difference")],
        [
            {"cells": [row.dimension, row.entry, cell(row.score), cell(row.difference)], "url": ""}
            for row in benchmark.itertuples()
        ],
    )
