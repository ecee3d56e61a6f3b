"""The dashboard's charts beyond the survey scores: key drivers, customer loyalty, the complaint
Pareto charts, SLA compliance by month, the time to resolve complaints, satisfaction from follow-up
visits and the lost customers by reason. Each takes a ChartSource and returns a chart entry (what
its SVG is drawn from, its numbers as a table, a drill-down link per row), cached by
reports.dashboard."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils.translation import gettext, pgettext

from complaints.figures import complaint_pareto
from complaints.models import ComplaintCategory
from complaints.services.actions import ROOT_CAUSE_CATEGORIES
from core.i18n import localised
from customers.models import LossReason
from customers.selectors import InvalidCriteria

from . import frames
from .dashboard_filters import ChartFigure, ChartSource, cell, chart_entry, format_value, records_url, responses_url
from .figures import Period, month_period
from .figures.base import add_months
from .figures.loyalty import loyalty_figures
from .figures.trends import resolve_hours, sla_by_month, visit_satisfaction_by_month
from .models import Metric


def trend_window(period: Period) -> Period:
    """The last up to 24 months up to the period's end (the trend charts' range)."""
    return Period(add_months(period.until.replace(day=1), -(frames.TREND_MONTHS_MAX - 1)), period.until)


def _first_month(rows: list[dict], period: Period) -> datetime.date:
    """The trend starts at the first month with data (the period's last month without any)."""
    return rows[0]["month"] if rows else period.until.replace(day=1)


def key_driver_chart(source: ChartSource) -> dict:
    """Relative weights of the dimensions in explaining overall satisfaction, with the plain-language
    reading of each and the warnings (small sample, collinearity, weak fit) beside the chart."""
    filters = source.filters
    period = filters.period
    found, drivers = source.drivers
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
        ChartFigure("key_driver_figure", drivers.frame, {"warnings": warnings}),
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


def sla_chart(source: ChartSource) -> dict:
    """Of the complaints whose resolution fell due in each month, the share resolved on time."""
    filters = source.filters
    window = trend_window(filters.period)
    rows = sla_by_month(period=window, scope=filters.scope)
    frame = frames.sla_trend(rows, first=_first_month(rows, window), last=window.until)
    objective = source.objectives.get(Metric.ON_TIME_RESOLUTION_RATE)
    figure = ChartFigure("sla_figure", frame, {"target": float(objective.target) / 100 if objective else None})
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
        figure,
        [gettext("Month"), gettext("On time"), gettext("Due"), gettext("Compliance")],
        table,
    )


def resolve_time_chart(source: ChartSource) -> dict:
    """How long the complaints received in the period took to resolve, in bins."""
    filters = source.filters
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
        ChartFigure("resolve_time_figure", frame),
        [gettext("Time to resolve"), gettext("Complaints"), gettext("Share")],
        table,
    )


def visit_satisfaction_chart(source: ChartSource) -> dict:
    """The satisfaction scores given during follow-up visits (回访), by month."""
    filters = source.filters
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
    figure = ChartFigure(
        "trend_figure",
        frame,
        {
            "title": title,
            "csi_label": gettext("Mean visit score (0–100)"),
            "rate_label": gettext("Satisfied scores (%)"),
        },
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
        figure,
        [gettext("Month"), gettext("Mean score"), gettext("Satisfied"), gettext("Visits")],
        table,
    )


def loyalty_chart(source: ChartSource) -> dict:
    """The loyalty index and its aspects (repurchase, recommending, staying against a competitor)."""
    filters = source.filters
    period = filters.period
    loyalty = loyalty_figures(period=period, scope=filters.scope)
    frame = frames.by_dimension(
        [{"dimension": a.label, "mean": a.mean.value, "n": a.mean.n} for a in loyalty.aspects if a.mean.n]
    )
    title = gettext("Customer loyalty by aspect")
    entry = chart_entry(
        "loyalty",
        title,
        ChartFigure("dimension_figure", frame, {"title": title}),
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


def pareto_chart(source: ChartSource, by: str) -> dict:
    """Complaints by category (by="category") or by root cause ("root_cause"), scoped to the dashboard's
    customers; each row drills to the complaints behind it."""
    filters = source.filters
    period = filters.period
    title = gettext("Complaints by category") if by == "category" else gettext("Complaints by root cause")
    links: dict[str, object] = {}
    if by == "category":
        links = {localised(c.name, c.name_zh): c.pk for c in ComplaintCategory.objects.filter(parent__isnull=True)}
    else:
        links = {str(label): code for code, label in ROOT_CAUSE_CATEGORIES.items()}
    pareto_rows = complaint_pareto(by=by, since=period.start, until=period.end, where=filters.scope.customer_filter())
    frame = frames.pareto([{"category": r.value or "—", "count": r.count} for r in pareto_rows])
    table = []
    for row in pareto_rows:
        url = ""
        if row.value in links:
            url = records_url("complaints", filters, period.since, period.until, **{by: links[row.value]})
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
    return chart_entry(
        f"pareto-{by}",
        title,
        ChartFigure("pareto_figure", frame, {"title": title}),
        [pgettext("pareto", "Category"), gettext("Complaints"), gettext("Share"), gettext("Cumulative")],
        table,
    )


def category_pareto_chart(source: ChartSource) -> dict:
    return pareto_chart(source, "category")


def root_cause_pareto_chart(source: ChartSource) -> dict:
    return pareto_chart(source, "root_cause")


def lost_chart(source: ChartSource) -> dict:
    """Lost customers by reason, each row to the customer list of lost customers."""
    from customers.lost_business import lost_by_reason

    period = source.filters.period
    try:
        customers = source.filters.scope.customers()
    except InvalidCriteria:
        customers = None
    reasons = dict(LossReason.choices)
    lost = lost_by_reason(since=period.since, until=period.until, customers=customers)
    frame = frames.pareto(
        [{"category": str(reasons.get(r["reason_category"], gettext("Not classified"))), "count": r["n"]} for r in lost]
    )
    title = gettext("Lost customers by reason")
    lost_url = reverse("customers:list") + "?lifecycle=lost"
    return chart_entry(
        "lost",
        title,
        ChartFigure("pareto_figure", frame, {"title": title}),
        [gettext("Reason"), gettext("Customers")],
        [
            {
                "cells": [str(reasons.get(r["reason_category"]) or gettext("Not classified")), str(r["n"])],
                "url": lost_url,
            }
            for r in lost
        ],
    )
