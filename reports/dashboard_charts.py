"""The dashboard's charts beyond the survey scores: key drivers, SLA compliance by month, the time
to resolve complaints, satisfaction from follow-up visits and customer loyalty. Each is a chart
entry (SVG, its numbers as a table, a drill-down link per row) like those of reports.dashboard,
and is cached with them."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext

from . import charts, frames
from .dashboard_filters import Filters, cell, chart_entry, format_value, records_url, responses_url
from .figures import Period, month_period
from .figures.base import add_months
from .figures.drivers import key_driver_rows
from .figures.loyalty import loyalty_figures
from .figures.trends import resolve_hours, sla_by_month, visit_satisfaction_by_month
from .models import Metric, QualityObjective


def trend_window(period: Period) -> Period:
    """The last up to 24 months up to the period's end (the trend charts' range)."""
    return Period(add_months(period.until.replace(day=1), -(frames.TREND_MONTHS_MAX - 1)), period.until)


def _first_month(rows: list[dict], period: Period) -> datetime.date:
    """The trend starts at the first month with data (the period's last month without any)."""
    return rows[0]["month"] if rows else period.until.replace(day=1)


def key_driver_chart(filters: Filters) -> dict:
    """Relative weights of the dimensions in explaining overall satisfaction, with the plain-language
    reading of each and the warnings (small sample, collinearity, weak fit) beside the chart."""
    period = filters.period
    found = key_driver_rows(period=period, scope=filters.scope)
    drivers = frames.key_drivers(found.rows)
    warnings = list(drivers.warnings)
    if found.responses and not found.with_overall:
        warnings.insert(
            0,
            gettext(
                "No response in this selection rated overall satisfaction: the questionnaire needs a rating "
                "question without a dimension (e.g. “Overall, how satisfied are you?”)."
            ),
        )
    notes = list(warnings)
    if drivers.r_squared is not None:
        notes.append(
            gettext("Fitted on %(n)s complete responses; the dimensions explain %(share)s of overall satisfaction.")
            % {"n": drivers.n, "share": format_value(drivers.r_squared * 100, "percent")}
        )
    rows = []
    for row in drivers.frame.itertuples():
        dimension_id = found.dimension_ids.get(row.dimension)
        rows.append(
            {
                "cells": [
                    row.dimension,
                    format_value(row.relative_weight * 100, "percent"),
                    cell(row.coefficient, 2),
                    cell(row.vif, 1),
                    row.reading,
                ],
                "url": responses_url(filters, period.since, period.until, dimension=dimension_id)
                if dimension_id
                else "",
            }
        )
    entry = chart_entry(
        "drivers",
        gettext("Key drivers of overall satisfaction"),
        charts.to_svg(charts.key_driver_figure(drivers.frame, warnings=warnings)),
        [
            gettext("Dimension"),
            gettext("Share of explained variation"),
            gettext("Points overall per point"),
            gettext("VIF"),
            gettext("Reading"),
        ],
        rows,
    )
    entry["notes"] = notes
    entry["warn"] = bool(warnings)
    entry["text_columns"] = [4]  # the reading is a sentence: left-aligned, not a number
    return entry


def sla_chart(filters: Filters, objectives: dict[str, QualityObjective]) -> dict:
    """Of the complaints whose resolution fell due in each month, the share resolved on time."""
    window = trend_window(filters.period)
    rows = sla_by_month(period=window, scope=filters.scope)
    frame = frames.sla_trend(rows, first=_first_month(rows, window), last=window.until)
    objective = objectives.get(Metric.ON_TIME_RESOLUTION_RATE)
    svg = charts.to_svg(charts.sla_figure(frame, target=float(objective.target) / 100 if objective else None))
    table = []
    for row in frame.itertuples():
        month = month_period(row.month)
        table.append(
            {
                "cells": [
                    row.month.strftime("%Y-%m"),
                    str(row.on_time),
                    str(row.total),
                    format_value(None if row.total == 0 else row.compliance * 100, "percent"),
                ],
                "url": records_url("complaints", filters, month.since, month.until, due="1") if row.total else "",
            }
        )
    return chart_entry(
        "sla",
        gettext("Complaints resolved within the SLA by month"),
        svg,
        [gettext("Month"), gettext("On time"), gettext("Due"), gettext("Compliance")],
        table,
    )


def resolve_time_chart(filters: Filters) -> dict:
    """How long the complaints received in the period took to resolve, in bins."""
    period = filters.period
    frame = frames.resolve_time_distribution(
        resolve_hours(period=period, scope=filters.scope, edges=frames.RESOLVE_HOURS_EDGES)
    )
    table = []
    for row in frame.itertuples():
        bounds = {"hours_from": f"{row.lower_hours:g}"}
        if row.upper_hours != float("inf"):
            bounds["hours_to"] = f"{row.upper_hours:g}"
        table.append(
            {
                "cells": [row.bin, str(row.count), format_value(row.share * 100, "percent")],
                "url": records_url("complaints", filters, period.since, period.until, **bounds) if row.count else "",
            }
        )
    return chart_entry(
        "resolve-time",
        gettext("Time to resolve complaints"),
        charts.to_svg(charts.resolve_time_figure(frame)),
        [gettext("Time to resolve"), gettext("Complaints"), gettext("Share")],
        table,
    )


def visit_satisfaction_chart(filters: Filters) -> dict:
    """The satisfaction scores given during follow-up visits (回访), by month."""
    window = trend_window(filters.period)
    rows = visit_satisfaction_by_month(period=window, scope=filters.scope)
    frame = frames.monthly_trend(
        [
            {"month": r["month"], "csi": r["mean"], "satisfaction_rate": r["satisfaction_rate"], "n": r["visits"]}
            for r in rows
        ],
        first=_first_month(rows, window),
        last=window.until,
    )
    by_month = {row["month"]: row for row in rows}
    title = gettext("Satisfaction from follow-up visits by month")
    svg = charts.to_svg(
        charts.trend_figure(
            frame,
            title=title,
            csi_label=gettext("Mean visit score (0–100)"),
            rate_label=gettext("Satisfied scores (%)"),
        )
    )
    table = []
    for row in frame.itertuples():
        month = month_period(row.month)
        found = by_month.get(row.month)
        table.append(
            {
                "cells": [
                    row.month.strftime("%Y-%m"),
                    cell(found["mean"]) if found else "—",
                    format_value(found["satisfaction_rate"] * 100, "percent") if found else "—",
                    str(found["visits"]) if found else "0",
                ],
                "url": records_url("visits", filters, month.since, month.until) if found else "",
            }
        )
    return chart_entry(
        "visits",
        title,
        svg,
        [gettext("Month"), gettext("Mean score"), gettext("Satisfied"), gettext("Visits")],
        table,
    )


def loyalty_chart(filters: Filters) -> dict:
    """The loyalty index and its aspects (repurchase, recommending, staying against a competitor)."""
    period = filters.period
    loyalty = loyalty_figures(period=period, scope=filters.scope)
    frame = frames.by_dimension(
        [{"dimension": a.label, "mean": a.mean.value, "n": a.mean.n} for a in loyalty.aspects if a.mean.n]
    )
    title = gettext("Customer loyalty by aspect")
    entry = chart_entry(
        "loyalty",
        title,
        charts.to_svg(charts.dimension_figure(frame, title=title)),
        [gettext("Loyalty aspect"), gettext("Mean score"), gettext("Responses")],
        [
            {
                "cells": [a.label, cell(a.mean.value), str(a.mean.n)],
                "url": responses_url(filters, period.since, period.until, loyalty=a.aspect) if a.mean.n else "",
            }
            for a in loyalty.aspects
        ],
    )
    index = loyalty.index
    if index.value is None:
        entry["notes"] = [
            gettext(
                "No loyalty answers in this selection. Mark the questions on repurchase, recommending and "
                "staying against a competitor's offer as loyalty questions in the questionnaire."
            )
        ]
    else:
        entry["notes"] = [
            gettext("Loyalty index %(value)s (n = %(n)s), measured apart from satisfaction.")
            % {"value": cell(index.value), "n": index.n}
        ]
    entry["warn"] = index.value is not None and index.insufficient
    return entry
