"""The manager's dashboard: the headline cards and the charts with their tables.

The figures come from reports.figures (SQL aggregates over the daily facts and the source tables);
frames and charts shape them. The page carries the headline figures and every chart's numbers (the
table is the chart's accessible form); each chart's SVG comes by its own request
(`chart_svg`, at reports:dashboard_chart with the page's query string), so drawing fourteen
matplotlib figures no longer holds up the page. The headline figures, each chart's data (its table
and the frame its SVG is drawn from, picklable) and each chart's SVG are cached per filter, per
language, per objective targets and per `facts_as_of()`, so a fill that moves the watermark on
gives new ones; a chart request right after the page finds the chart's data the page cached and
reads nothing from the database but the watermark, the objectives and the filters' segment.
The filters and the pieces of a chart live in reports.dashboard_filters; the charts in
reports.dashboard_survey_charts and reports.dashboard_charts.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import json
from collections.abc import Callable

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext

from accounts.access import may_open
from customers.selectors import InvalidCriteria

from . import charts, dashboard_charts, dashboard_survey_charts
from .dashboard_filters import (
    CACHE_SECONDS,
    CLASSIFICATION_CHOICES,
    ChartSource,
    DashboardFilterForm,
    Filters,
    filters_from,
    format_change,
    format_value,
)
from .figures import Figure, FigureScope, InvalidPeriod, facts_as_of, figures_compared
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

# Every chart on the page, in page order: its key (the URL's and the section's id) and its builder.
CHARTS: dict[str, Callable[[ChartSource], dict]] = {
    "trend": dashboard_survey_charts.trend_chart,
    "dimensions": dashboard_survey_charts.dimension_chart,
    "quadrants": dashboard_survey_charts.quadrant_chart,
    "drivers": dashboard_charts.key_driver_chart,
    "segments": dashboard_survey_charts.segment_chart,
    "nps": dashboard_survey_charts.nps_chart,
    "loyalty": dashboard_charts.loyalty_chart,
    "pareto-category": dashboard_charts.category_pareto_chart,
    "pareto-root_cause": dashboard_charts.root_cause_pareto_chart,
    "sla": dashboard_charts.sla_chart,
    "resolve-time": dashboard_charts.resolve_time_chart,
    "visits": dashboard_charts.visit_satisfaction_chart,
    "lost": dashboard_charts.lost_chart,
    "benchmark": dashboard_survey_charts.benchmark_chart,
}
# The matplotlib builders a chart's SVG may be drawn with (ChartFigure.builder names one).
SVG_BUILDERS = {
    builder.__name__: builder
    for builder in (
        charts.trend_figure,
        charts.dimension_figure,
        charts.quadrant_figure,
        charts.key_driver_figure,
        charts.segment_figure,
        charts.nps_figure,
        charts.pareto_figure,
        charts.sla_figure,
        charts.resolve_time_figure,
        charts.benchmark_figure,
    )
}


def charts_cache_prefix(filters: Filters, objectives: dict[str, QualityObjective], as_of) -> str:
    """The cache key of the filters' charts: per filter, language and watermark (Filters.cache_key)
    and per objective targets (the trend and SLA charts draw them)."""
    targets = sorted((metric, str(o.target)) for metric, o in objectives.items())
    return filters.cache_key(as_of) + hashlib.sha256(json.dumps(targets).encode()).hexdigest()[:12]


def build_charts(filters: Filters, objectives: dict[str, QualityObjective], keys=None) -> dict[str, dict]:
    """The data of the charts named (all by default): their tables and what their SVGs are drawn
    from, with the figures they share read once. SQL and frames only, no drawing."""
    source = ChartSource(filters, objectives)
    return {key: CHARTS[key](source) for key in (keys or CHARTS)}


def cached_charts(filters: Filters, objectives: dict[str, QualityObjective], as_of) -> list[dict]:
    """Every chart's data for the page, in page order, from the cache, the missing ones built (and
    cached for the charts' own requests)."""
    prefix = charts_cache_prefix(filters, objectives, as_of)
    keys = {key: f"{prefix}:{key}" for key in CHARTS}
    found = cache.get_many(list(keys.values()))
    missing = [key for key, cache_key in keys.items() if cache_key not in found]
    if missing:
        built = build_charts(filters, objectives, missing)
        cache.set_many({keys[key]: entry for key, entry in built.items()}, CACHE_SECONDS)
        found.update({keys[key]: entry for key, entry in built.items()})
    return [found[keys[key]] for key in CHARTS]


def _page(url: str) -> str:
    return url.partition("?")[0]


def drills_followable(user, chart_list: list[dict]) -> list[dict]:
    """The charts with the drill-down links `user` may follow, by each page's own access decision;
    the others' rows keep their numbers without a link (staff see the dashboard but only their own
    visits, for one). The charts are cached per filter for everyone, so this runs per request."""
    pages = {_page(row["url"]) for chart in chart_list for row in chart["rows"] if row["url"]}
    closed = {page for page in pages if not may_open(user, page)}
    if not closed:
        return chart_list
    return [
        {**chart, "rows": [{**row, "url": ""} if _page(row["url"]) in closed else row for row in chart["rows"]]}
        for chart in chart_list
    ]


def accessible_svg(svg: str, *, key: str, title: str, description: str) -> str:
    """matplotlib's SVG without its XML prolog, as an image named by its title with a description
    (its numbers are in the table beside it)."""
    svg = svg[svg.find("<svg") :]
    end = svg.find(">")
    ids = f"chart-{key}-svg-title chart-{key}-svg-desc"
    return (
        f'{svg[:end]} role="img" aria-labelledby="{ids}">'
        f'<title id="chart-{key}-svg-title">{html.escape(title)}</title>'
        f'<desc id="chart-{key}-svg-desc">{html.escape(description)}</desc>'
        f"{svg[end + 1 :]}"
    )


def render_svg(entry: dict) -> str:
    figure = entry["figure"]
    svg = charts.to_svg(SVG_BUILDERS[figure.builder](figure.frame, **figure.options))
    description = " ".join([gettext("The numbers of this chart are in the table beside it."), *entry.get("notes", [])])
    return accessible_svg(svg, key=entry["key"], title=entry["title"], description=description)


def chart_svg(filters: Filters, key: str, *, as_of) -> str:
    """One chart's SVG (key in CHARTS) for the filters, cached. Its data comes from the cache when the
    page put it there; otherwise only this chart's figures are read."""
    objectives = objectives_for(filters.scope)
    cache_key = f"{charts_cache_prefix(filters, objectives, as_of)}:{key}"
    svg = cache.get(cache_key + ":svg")
    if svg is None:
        entry = cache.get(cache_key)
        if entry is None:
            entry = build_charts(filters, objectives, [key])[key]
            cache.set(cache_key, entry, CACHE_SECONDS)
        svg = render_svg(entry)
        cache.set(cache_key + ":svg", svg, CACHE_SECONDS)
    return svg


def no_data_svg(key: str, message: str) -> str:
    svg = charts.to_svg(charts.no_data_figure(message=message))
    return accessible_svg(svg, key=key, title=message, description=message)


def request_filters(request, today: datetime.date) -> Filters:
    """The dashboard's filters from a request's query string (the defaults for an invalid period)."""
    try:
        return filters_from(DashboardFilterForm(request.GET or None), today)
    except InvalidPeriod:
        return filters_from(DashboardFilterForm(), today)


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
        chart_list = drills_followable(request.user, cached_charts(filters, objectives, as_of))
        invalid_segment = False
    except InvalidCriteria:
        cards, chart_list, invalid_segment = [], [], True
    return {
        "form": form,
        "filters": filters,
        "cards": cards,
        "charts": chart_list,
        "chart_query": request.GET.urlencode(),
        "as_of": as_of,
        "invalid_segment": invalid_segment,
        "comparison_label": gettext("vs previous period")
        if filters.comparison == "previous"
        else gettext("vs same period last year"),
    }
