"""The manager's dashboard: the filter form, the headline cards and the charts with their tables.

The figures come from reports.figures (SQL aggregates over the daily facts and the source tables);
frames and charts shape them. The charts (SVG and their tables) are cached per filter and per
`facts_as_of()`, so a fill that moves the watermark on gives new charts.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _

from complaints.figures import complaint_pareto
from complaints.models import ComplaintCategory
from core.i18n import localised
from customers.models import ChainPosition, Lifecycle, LossReason, Region, Scope, Segment, Tier
from customers.selectors import InvalidCriteria
from feedback.selectors import benchmark_latest

from . import charts, frames
from .figures import (
    Figure,
    FigureScope,
    InvalidPeriod,
    Period,
    facts_as_of,
    figures_compared,
    month_period,
    quarter_period,
    satisfaction_by_dimension,
    survey_by_classification,
    survey_by_month,
    year_period,
)
from .figures.base import add_months
from .figures.survey import response_sums
from .models import Metric, QualityObjective
from .services.objectives import objective_status

CACHE_SECONDS = 60 * 60
CLASSIFICATION_CHOICES = {
    "scope": (_("Internal/external"), Scope.choices),
    "chain_position": (_("Intermediate/end"), ChainPosition.choices),
    "lifecycle": (_("Lifecycle"), Lifecycle.choices),
    "tier": (_("Key/general"), Tier.choices),
    "region": (_("Region"), Region.choices),
}
PERIOD_OF = {"month": month_period, "quarter": quarter_period, "year": year_period}


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year")), ("custom", _("Custom"))],
        initial="quarter",
        required=False,
    )
    day = forms.DateField(
        label=_("Containing"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A day in the month, quarter or year (default: today)."),
    )
    since = forms.DateField(label=_("Since"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    comparison = forms.ChoiceField(
        label=_("Compare with"),
        choices=[("previous", _("Previous period")), ("year_before", _("Same period last year"))],
        initial="previous",
        required=False,
    )
    scope = forms.ChoiceField(label=_("Customers"), required=False)
    by = forms.ChoiceField(
        label=_("Breakdown by"),
        choices=[(key, label) for key, (label, _choices) in CLASSIFICATION_CHOICES.items()],
        initial="tier",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices: list[Any] = [("", _("All customers"))]
        segments = [(f"segment:{pk}", name) for pk, name in Segment.objects.order_by("name").values_list("pk", "name")]
        if segments:
            choices.append((_("Saved segments"), segments))
        for field, (label, values) in CLASSIFICATION_CHOICES.items():
            choices.append((label, [(f"{field}:{value}", text) for value, text in values]))
        self.fields["scope"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            if not data.get("since") or not data.get("until"):
                raise forms.ValidationError(_("A custom period needs both since and until."))
            if data["since"] > data["until"]:
                raise forms.ValidationError(_("Since must not be after until."))
        return data


@dataclass(frozen=True)
class Filters:
    period: Period
    comparison: str
    scope: FigureScope
    scope_key: str
    by: str

    def cache_key(self, as_of) -> str:
        raw = json.dumps(
            [str(self.period.since), str(self.period.until), self.scope_key, self.by, str(as_of), get_language()]
        )
        return "dashboard-charts:" + hashlib.sha256(raw.encode()).hexdigest()

    def scope_query(self) -> dict[str, str]:
        """The scope as response-list parameters (for drill-down links)."""
        if self.scope.segment is not None:
            return {"segment": str(self.scope.segment.pk)}
        if self.scope.field:
            return {"field": self.scope.field, "value": self.scope.value}
        return {}


def filters_from(form: DashboardFilterForm, today: datetime.date) -> Filters:
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    kind = data.get("period") or "quarter"
    if kind == "custom":
        period = Period(data["since"], data["until"])
    else:
        period = PERIOD_OF[kind](data.get("day") or today)
    scope_key = data.get("scope") or ""
    scope = FigureScope.everyone()
    if scope_key.startswith("segment:"):
        segment = Segment.objects.filter(pk=scope_key.split(":", 1)[1]).first()
        scope = FigureScope.of_segment(segment) if segment else scope
    elif ":" in scope_key:
        field, value = scope_key.split(":", 1)
        scope = FigureScope.classification(field, value)
    return Filters(period, data.get("comparison") or "previous", scope, scope_key, data.get("by") or "tier")


# -- headline cards ------------------------------------------------------------------------------------


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value:.1f} %"
    if unit == "nps":
        return f"{value:+.0f}"
    if unit == "hours":
        return gettext("%(hours)s h") % {"hours": f"{value:.1f}"}
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:.1f}"


def format_change(change: float | None, unit: str) -> str:
    if change is None:
        return "—"
    if unit == "percent":
        return gettext("%(change)s pp") % {"change": f"{change:+.1f}"}
    if unit in ("count", "nps"):
        return f"{change:+.0f}"
    return f"{change:+.1f}"


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


def headline_cards(filters: Filters, objectives: dict[str, QualityObjective], today: datetime.date) -> list[dict]:
    compared = figures_compared(period=filters.period, scope=filters.scope, today=today)
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


def _responses_url(filters: Filters, since: datetime.date, until: datetime.date, **extra) -> str:
    query = {"since": since.isoformat(), "until": until.isoformat(), **filters.scope_query(), **extra}
    return reverse("reports:responses") + "?" + urlencode(query)


def _cell(value: Any, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.{decimals}f}"
    return str(value)


def _chart(key: str, title: str, svg: str, header: list[str], rows: list[dict]) -> dict:
    """A chart (SVG for inline use: no XML prolog) and its numbers: rows are {"cells": [...], "url":
    drill-down or ""}."""
    return {"key": key, "title": title, "svg": svg[svg.find("<svg") :], "header": header, "rows": rows}


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
                    _cell(m.csi.value),
                    format_value(m.satisfaction_rate.value, "percent"),
                    str(m.responses),
                ],
                "url": _responses_url(filters, m.month, end) if m.responses else "",
            }
        )
    result.append(
        _chart(
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
            "cells": [d.name, _cell(d.mean.value), _cell(d.importance.value), str(d.mean.n)],
            "url": _responses_url(filters, period.since, period.until, dimension=d.dimension_id)
            if d.mean.n and d.dimension_id
            else "",
        }
        for d in dimensions
    ]
    result.append(
        _chart(
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
        _chart(
            "quadrants",
            gettext("Importance–performance analysis"),
            charts.to_svg(charts.quadrant_figure(quadrant)),
            [gettext("Dimension"), gettext("Importance"), gettext("Performance"), gettext("Quadrant")],
            [
                {
                    "cells": [row.dimension, _cell(row.importance), _cell(row.performance), row.quadrant_label],
                    "url": _responses_url(
                        filters, period.since, period.until, dimension=by_name[row.dimension].dimension_id
                    )
                    if by_name.get(row.dimension) and by_name[row.dimension].dimension_id
                    else "",
                }
                for row in quadrant.itertuples()
            ],
        )
    )

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
        _chart(
            "segments",
            gettext("Satisfaction by %(classification)s") % {"classification": str(label).lower()},
            charts.to_svg(charts.segment_figure(segment_frame)),
            [str(label), gettext("CSI"), gettext("Satisfaction rate"), gettext("Responses")],
            [
                {
                    "cells": [
                        names.get(g.value, g.value) or gettext("No customer"),
                        _cell(g.csi.value),
                        format_value(g.satisfaction_rate.value, "percent"),
                        str(g.responses),
                    ],
                    "url": _responses_url(
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
        _chart(
            "nps",
            gettext("Net Promoter Score (NPS)"),
            charts.to_svg(charts.nps_figure(nps_frame)),
            [gettext("Group"), gettext("Answers")],
            nps_rows,
        )
    )

    # Complaint Pareto by category and by root cause.
    category_ids = {localised(c.name, c.name_zh): c.pk for c in ComplaintCategory.objects.filter(parent__isnull=True)}
    complaints_url = reverse("complaints:list")
    for by, title in (
        ("category", gettext("Complaints by category")),
        ("root_cause", gettext("Complaints by root cause")),
    ):
        pareto_rows = complaint_pareto(by=by, since=period.start, until=period.end)
        pareto_frame = frames.pareto([{"category": r.value or "—", "count": r.count} for r in pareto_rows])
        table = []
        for row in pareto_rows:
            url = ""
            if by == "category" and row.value in category_ids:
                url = complaints_url + "?" + urlencode({"category": category_ids[row.value]})
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
            _chart(
                f"pareto-{by}",
                title,
                charts.to_svg(charts.pareto_figure(pareto_frame, title=title)),
                [pgettext("pareto", "Category"), gettext("Complaints"), gettext("Share"), gettext("Cumulative")],
                table,
            )
        )

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
    lost_url = reverse("customers:list") + "?" + urlencode({"lifecycle": "lost"})
    result.append(
        _chart(
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
        _chart(
            "benchmark",
            gettext("Comparison with competitors and benchmarks"),
            charts.to_svg(charts.benchmark_figure(benchmark)),
            [gettext("Dimension"), gettext("Whose"), gettext("Score"), gettext("Our difference")],
            [
                {"cells": [row.dimension, row.entry, _cell(row.score), _cell(row.difference)], "url": ""}
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
        cards = headline_cards(filters, objectives, today)
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
