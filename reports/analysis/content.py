"""What the analysis report says, section by section, as plain data: headings, paragraphs, tables
(raw numbers, so the XLSX keeps numbers as numbers) and charts (PNG). The PDF and the XLSX render
the same sections; the build reports its progress after each one.

Every number comes from the figures layer (reports.figures), the frames and charts the dashboard
uses, and the source apps' own figure functions, so the report agrees with the pages.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.figures import complaint_pareto
from core.audit_chain import audit_chain_head
from core.i18n import localised
from core.links import site_url
from customers.lost_business import churn_by, lost_by_reason
from customers.models import LossReason, Region, SatisfactionDimension, Tier
from feedback.models import BenchmarkScore
from reports import charts, frames, key_drivers
from reports.figures import (
    Figure,
    FigureScope,
    Period,
    figures_compared,
    satisfaction_by_dimension,
    survey_by_classification,
    survey_by_month,
)
from reports.figures.drivers import KEY_DRIVER_RESPONSES_MAX, key_driver_rows
from reports.figures.loyalty import loyalty_figures
from reports.figures.operations import corrective_action_figures, visit_figures
from reports.models import AnalysisReport, Metric, ObjectiveResult
from surveys import scoring
from surveys.models import Campaign, Question, QuestionKind

# The section headings, in order: the PDF prints them, the tests look for every one.
SECTION_TITLES = {
    "title": gettext_lazy("Customer satisfaction analysis report"),
    "method": gettext_lazy("Method and sample"),
    "headline": gettext_lazy("Headline figures"),
    "trend": gettext_lazy("Satisfaction trend"),
    "dimensions": gettext_lazy("Results by dimension"),
    "segments": gettext_lazy("Results by segment"),
    "gaps": gettext_lazy("Gaps and importance–performance"),
    "drivers": gettext_lazy("Key drivers of overall satisfaction"),
    "loyalty": gettext_lazy("Customer loyalty"),
    "complaints": gettext_lazy("Complaints analysis"),
    "actions": gettext_lazy("Corrective actions and effectiveness"),
    "visits": gettext_lazy("Follow-up visit coverage"),
    "lost": gettext_lazy("Lost business analysis"),
    "objectives": gettext_lazy("Quality objectives against targets"),
    "competitors": gettext_lazy("Competitors and benchmarks"),
    "conclusions": gettext_lazy("Conclusions and actions"),
}
TREND_MONTHS = 12


@dataclass
class Table:
    name: str  # the XLSX sheet
    headers: list[str]
    rows: list[list[Any]]


@dataclass
class Section:
    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[bytes] = field(default_factory=list)  # PNG


@dataclass
class ReportContext:
    report: AnalysisReport
    period: Period
    scope: FigureScope
    today: datetime.date
    cache: dict[str, Any] = field(default_factory=dict)


def _value(figure: Figure) -> float | None:
    return None if figure.value is None else round(float(figure.value), 2)


def _share(figure: Figure) -> float | None:
    """A percent figure (0–100) as the frames' 0–1 share."""
    return None if figure.value is None else figure.value / 100


def scope_label(report: AnalysisReport) -> str:
    return report.segment.name if report.segment_id else _("All customers")


def organisation_name() -> str:
    """The organisation as its users reach it (the site's address): no name is configured yet."""
    return site_url("").split("//")[-1]


# -- the sections -------------------------------------------------------------------------------------


def title_page(context: ReportContext) -> Section:
    report = context.report
    head = audit_chain_head()
    generated = timezone.localtime(timezone.now())
    lines = [
        f"{_('Organisation')}: {organisation_name()}",
        f"{_('Period')}: {report.period_label} ({report.period_start:%Y-%m-%d} – {report.period_end:%Y-%m-%d})",
        f"{_('Scope')}: {scope_label(report)}",
        f"{_('Version')}: {report.version}",
        f"{_('Generated at')}: {generated:%Y-%m-%d %H:%M} ({settings.TIME_ZONE})",
    ]
    if head is None:
        lines.append(f"{_('Audit chain head')}: {_('no audit events sealed yet')}")
    else:
        lines.append(f"{_('Audit chain head')}: #{head.position} {head.hash}")
        lines.append(
            _("Sealed at %(moment)s. Publish this head to let anyone check later that the audit trail was not changed.")
            % {"moment": f"{timezone.localtime(head.sealed_at):%Y-%m-%d %H:%M}"}
        )
    return Section("title", str(SECTION_TITLES["title"]), paragraphs=lines)


def _compared(context: ReportContext):
    if "compared" not in context.cache:
        context.cache["compared"] = figures_compared(period=context.period, scope=context.scope, today=context.today)
    return context.cache["compared"]


def _dimensions(context: ReportContext):
    if "dimensions" not in context.cache:
        context.cache["dimensions"] = satisfaction_by_dimension(period=context.period, scope=context.scope)
    return context.cache["dimensions"]


def method(context: ReportContext) -> Section:
    period = context.period
    thresholds = sorted(
        set(
            Campaign.objects.filter(
                responses__submitted_at__gte=period.start, responses__submitted_at__lt=period.end
            ).values_list("satisfied_threshold", flat=True)
        )
    )
    compared = _compared(context)
    responses = compared[Metric.CSI].current.n
    rate = compared[Metric.RESPONSE_RATE].current
    paragraphs = [
        _(
            "Every score is put on one 0–100 scale: (score − scale minimum) ÷ (scale maximum − scale minimum) × 100. "
            "A dimension's score is the mean of its questions' scores; the satisfaction index (CSI) is the mean of "
            "the dimension scores weighted by the weights below."
        ),
        _("Satisfied: a score at or above %(thresholds)s on the 0–100 scale (the campaigns' setting).")
        % {"thresholds": ", ".join(str(t) for t in thresholds) or "75"},
        _("NPS: percentage of promoters (%(promoter)s–10) minus percentage of detractors (0–%(detractor)s).")
        % {"promoter": scoring.PROMOTER_MIN, "detractor": scoring.DETRACTOR_MAX},
        _(
            "Sample: %(responses)s responses in the period; survey response rate %(rate)s over %(n)s delivered invitations."
        )
        % {"responses": responses, "rate": format_number(rate.value, "percent"), "n": rate.n},
        _("A figure over fewer than 5 answers is marked as indicative: one answer moves it by 20 points or more."),
    ]
    table = Table("method", [_("Questionnaire version"), _("Dimension"), _("Weight")], _weights_in_force(period))
    return Section("method", str(SECTION_TITLES["method"]), paragraphs=paragraphs, tables=[table])


def _weights_in_force(period) -> list[list]:
    """The dimension weights the period's figures were computed with: per questionnaire version
    answered in the period, each rating dimension's weight as frozen with that version (not
    today's default, which may have changed since). Without answers: the current defaults."""
    questions = (
        Question.objects.filter(
            kind=QuestionKind.RATING,
            dimension__isnull=False,
            version__responses__submitted_at__gte=period.start,
            version__responses__submitted_at__lt=period.end,
        )
        .select_related("dimension", "version__questionnaire")
        .distinct()
        .order_by("version__questionnaire__code", "version__number", "dimension__position", "position", "pk")
    )
    rows: list[list] = []
    seen: set[tuple[int, int]] = set()
    for question in questions:
        if (question.version_id, question.dimension_id) in seen:
            continue
        seen.add((question.version_id, question.dimension_id))
        dimension = question.dimension
        rows.append(
            [
                f"{question.version.questionnaire.code} v{question.version.number}",
                localised(dimension.name_en, dimension.name_zh),
                float(question.effective_weight()),
            ]
        )
    if rows:
        return rows
    dimensions = SatisfactionDimension.objects.filter(is_active=True).order_by("position", "code")
    return [["—", localised(d.name_en, d.name_zh), float(d.weight)] for d in dimensions]


METRIC_ORDER = (
    Metric.CSI,
    Metric.SATISFACTION_RATE,
    Metric.NPS,
    Metric.RESPONSE_RATE,
    Metric.COMPLAINT_HANDLING_RATE,
    Metric.ON_TIME_RESOLUTION_RATE,
    Metric.MEDIAN_HOURS_TO_RESOLVE,
    Metric.VISIT_COVERAGE,
    Metric.CORRECTIVE_ACTIONS_OVERDUE,
    Metric.ACTION_EFFECTIVENESS_RATE,
    Metric.LOST_CUSTOMERS,
    Metric.WIN_BACKS,
    Metric.LOYALTY_INDEX,
)


def headline(context: ReportContext) -> Section:
    compared = _compared(context)
    rows = []
    for metric in METRIC_ORDER:
        comparison = compared[metric]
        current = comparison.current
        rows.append(
            [
                str(Metric(metric).label),
                _value(current),
                current.n,
                _value(comparison.previous),
                None if comparison.change_from_previous is None else round(comparison.change_from_previous, 2),
                _value(comparison.year_before),
                None if comparison.change_from_year_before is None else round(comparison.change_from_year_before, 2),
                _("too few answers") if current.insufficient and current.unit != "count" else "",
            ]
        )
    table = Table(
        "headline",
        [
            _("Figure"),
            _("Value"),
            _("n"),
            _("Previous period"),
            _("Change"),
            _("A year before"),
            _("Change"),
            _("Note"),
        ],
        rows,
    )
    note = _("Rates are percentages (0–100), NPS runs from −100 to 100; changes are in the figure's unit.")
    return Section("headline", str(SECTION_TITLES["headline"]), paragraphs=[note], tables=[table])


def _trend_period(period: Period) -> Period:
    first = period.until.replace(day=1)
    index = first.year * 12 + first.month - 1 - (TREND_MONTHS - 1)
    return Period(datetime.date(index // 12, index % 12 + 1, 1), period.until)


def trend(context: ReportContext) -> Section:
    months = survey_by_month(period=_trend_period(context.period), scope=context.scope)
    rows = [
        {"month": m.month, "csi": m.csi.value, "satisfaction_rate": _share(m.satisfaction_rate), "n": m.responses}
        for m in months
    ]
    frame = frames.monthly_trend(rows)
    table = Table(
        "trend",
        [_("Month"), _("Satisfaction index (CSI)"), _("Satisfaction rate (%)"), _("NPS"), _("Responses")],
        [[f"{m.month:%Y-%m}", _value(m.csi), _value(m.satisfaction_rate), _value(m.nps), m.responses] for m in months],
    )
    chart = charts.to_png(charts.trend_figure(frame))
    return Section("trend", str(SECTION_TITLES["trend"]), tables=[table], charts=[chart])


def dimensions(context: ReportContext) -> Section:
    figures = _dimensions(context)
    frame = frames.by_dimension(
        [{"dimension": d.name, "mean": d.mean.value, "n": d.mean.n, "importance": d.importance.value} for d in figures]
    )
    table = Table(
        "dimensions",
        [_("Dimension"), _("Weight"), _("Score (0–100)"), _("Satisfaction rate (%)"), _("n")],
        [[d.name, d.weight, _value(d.mean), _value(d.satisfaction_rate), d.mean.n] for d in figures],
    )
    chart = charts.to_png(charts.dimension_figure(frame))
    return Section("dimensions", str(SECTION_TITLES["dimensions"]), tables=[table], charts=[chart])


SEGMENT_FIELDS = (("tier", Tier, gettext_lazy("Key/general")), ("region", Region, gettext_lazy("Region")))


def segments(context: ReportContext) -> Section:
    tables = []
    chart_rows = []
    for field_name, choices, heading in SEGMENT_FIELDS:
        groups = survey_by_classification(period=context.period, field=field_name, scope=context.scope)
        rows = []
        for group in groups:
            label = str(choices(group.value).label) if group.value in choices.values else _("No customer (open link)")
            rows.append([label, _value(group.csi), _value(group.satisfaction_rate), _value(group.nps), group.responses])
            if field_name == "tier":
                chart_rows.append(
                    {
                        "segment": label,
                        "csi": group.csi.value,
                        "satisfaction_rate": _share(group.satisfaction_rate),
                        "n": group.responses,
                    }
                )
        tables.append(
            Table(
                f"segments_{field_name}",
                [str(heading), _("Satisfaction index (CSI)"), _("Satisfaction rate (%)"), _("NPS"), _("Responses")],
                rows,
            )
        )
    chart = charts.to_png(charts.segment_figure(frames.by_segment(chart_rows)))
    return Section("segments", str(SECTION_TITLES["segments"]), tables=tables, charts=[chart])


def gaps(context: ReportContext) -> Section:
    figures = [d for d in _dimensions(context) if d.dimension_id is not None]
    frame = frames.quadrants(
        [{"dimension": d.name, "importance": d.importance.value, "performance": d.mean.value} for d in figures]
    )
    quadrant_of = dict(zip(frame["dimension"], frame["quadrant_label"], strict=False))
    table = Table(
        "gaps",
        [_("Dimension"), _("Performance (0–100)"), _("Importance (0–100)"), _("Gap"), _("Quadrant")],
        [
            [
                d.name,
                _value(d.mean),
                _value(d.importance),
                None if d.gap is None else round(d.gap, 2),
                quadrant_of.get(d.name, ""),
            ]
            for d in figures
        ],
    )
    paragraphs = [
        _(
            "Gap = performance − stated importance; a negative gap is delivered below what it matters, the first place "
            "to improve. The quadrant is split at the mean importance and the mean performance."
        )
    ]
    chart = charts.to_png(charts.quadrant_figure(frame))
    return Section("gaps", str(SECTION_TITLES["gaps"]), paragraphs=paragraphs, tables=[table], charts=[chart])


def drivers(context: ReportContext) -> Section:
    found = key_driver_rows(period=context.period, scope=context.scope)
    result = key_drivers.key_drivers(found.rows)
    table = Table(
        "drivers",
        [_("Dimension"), _("Share of explained variation (%)"), _("Points overall per point"), _("VIF"), _("Reading")],
        [
            [r.dimension, round(r.relative_weight * 100, 2), round(r.coefficient, 3), round(r.vif, 2), r.reading]
            for r in result.frame.itertuples()
        ],
    )
    paragraphs = [
        _("Overall satisfaction regressed on the dimension scores of the period's responses (at most %(n)s).")
        % {"n": f"{KEY_DRIVER_RESPONSES_MAX:,}"},
        *result.warnings,
    ]
    chart = charts.to_png(charts.key_driver_figure(result.frame, warnings=result.warnings))
    return Section("drivers", str(SECTION_TITLES["drivers"]), paragraphs=paragraphs, tables=[table], charts=[chart])


def loyalty(context: ReportContext) -> Section:
    figures = loyalty_figures(period=context.period, scope=context.scope)
    rows = [[a.label, _value(a.mean), a.mean.n] for a in figures.aspects]
    rows.append([str(Metric.LOYALTY_INDEX.label), _value(figures.index), figures.index.n])
    table = Table("loyalty", [_("Loyalty aspect"), _("Score (0–100)"), _("Responses")], rows)
    paragraphs = [
        _(
            "Loyalty is measured apart from satisfaction: the questions on repurchase, recommending us and staying "
            "with us against a competitor's offer; the index is the mean of the aspects answered."
        )
    ]
    frame = frames.by_dimension(
        [{"dimension": a.label, "mean": a.mean.value, "n": a.mean.n} for a in figures.aspects if a.mean.n]
    )
    chart = charts.to_png(charts.dimension_figure(frame, title=str(SECTION_TITLES["loyalty"])))
    return Section("loyalty", str(SECTION_TITLES["loyalty"]), paragraphs=paragraphs, tables=[table], charts=[chart])


def complaints(context: ReportContext) -> Section:
    period = context.period
    tables, pngs = [], []
    for by, heading in (("category", _("Category")), ("root_cause", _("Root cause"))):
        rows = complaint_pareto(by=by, since=period.start, until=period.end, where=context.scope.customer_filter())
        tables.append(
            Table(
                f"complaints_{by}",
                [heading, _("Complaints"), _("Share (%)"), _("Cumulative share (%)")],
                [[r.value, r.count, round(r.share * 100, 2), round(r.cumulative_share * 100, 2)] for r in rows],
            )
        )
        if by == "category":
            frame = frames.pareto([{"category": r.value, "count": r.count} for r in rows])
            pngs.append(charts.to_png(charts.pareto_figure(frame)))
    paragraphs = [_("Complaints of the report's customers received in the period, most frequent first (Pareto).")]
    return Section("complaints", str(SECTION_TITLES["complaints"]), paragraphs=paragraphs, tables=tables, charts=pngs)


def _figure_rows(figures: dict[str, Figure]) -> list[list[Any]]:
    return [[str(Metric(key).label), _value(figure), figure.n] for key, figure in figures.items()]


def actions(context: ReportContext) -> Section:
    figures = corrective_action_figures(period=context.period, scope=context.scope, today=context.today)
    table = Table("actions", [_("Figure"), _("Value"), _("n")], _figure_rows(figures))
    return Section("actions", str(SECTION_TITLES["actions"]), tables=[table])


def visits(context: ReportContext) -> Section:
    figures = visit_figures(period=context.period, scope=context.scope)
    table = Table("visits", [_("Figure"), _("Value"), _("n")], _figure_rows(figures))
    return Section("visits", str(SECTION_TITLES["visits"]), tables=[table])


def lost(context: ReportContext) -> Section:
    period = context.period
    customers = context.scope.customers()
    reasons = lost_by_reason(since=period.since, until=period.until, customers=customers)
    reason_table = Table(
        "lost_reasons",
        [_("Why lost"), _("Customers")],
        [
            [str(LossReason(r["reason_category"]).label) if r["reason_category"] else _("Not classified"), r["n"]]
            for r in reasons
        ],
    )
    churn = churn_by(field="tier", since=period.since, until=period.until, customers=customers)
    churn_table = Table(
        "churn",
        [
            _("Key/general"),
            _("Current at start"),
            _("Lost"),
            _("Won back"),
            _("Churn rate (%)"),
            _("Win-back rate (%)"),
        ],
        [
            [
                str(Tier(r["value"]).label) if r["value"] in Tier.values else str(r["value"]),
                r["current_at_start"],
                r["lost"],
                r["won_back"],
                None if r["churn_rate"] is None else round(r["churn_rate"] * 100, 2),
                None if r["win_back_rate"] is None else round(r["win_back_rate"] * 100, 2),
            ]
            for r in churn
        ],
    )
    return Section("lost", str(SECTION_TITLES["lost"]), tables=[reason_table, churn_table])


def objectives(context: ReportContext) -> Section:
    results = (
        ObjectiveResult.objects.filter(
            objective__is_active=True,
            period_start__gte=context.period.since,
            period_end__lte=context.period.until,
        )
        .select_related("objective")
        .order_by("objective__name_en", "objective_id", "period_start")
    )
    rows = [
        [
            result.objective.name,
            f"{result.period_start:%Y-%m-%d} – {result.period_end:%Y-%m-%d}",
            result.objective.get_direction_display(),
            float(result.objective.target),
            None if result.actual is None else float(result.actual),
            result.n,
            result.get_status_display(),
        ]
        for result in results
    ]
    table = Table(
        "objectives",
        [_("Objective"), _("Period"), _("Direction"), _("Target"), _("Actual"), _("n"), _("Status")],
        rows,
    )
    paragraphs = [] if rows else [_("No quality objective has a result for this period.")]
    return Section("objectives", str(SECTION_TITLES["objectives"]), paragraphs=paragraphs, tables=[table])


def competitors(context: ReportContext) -> Section:
    until = context.period.until
    scores = BenchmarkScore.objects.filter(
        period_end__lte=until, period_end__gt=until - datetime.timedelta(days=366)
    ).select_related("dimension")
    ours = {d.dimension_id: d.mean.value for d in _dimensions(context)}
    ours_overall = _compared(context)[Metric.CSI].current.value
    rows = []
    for score in scores.order_by("dimension__position", "competitor", "-period_end"):
        dimension = score.dimension.name if score.dimension_id else _("Overall index (CSI)")
        our = ours.get(score.dimension_id) if score.dimension_id else ours_overall
        rows.append(
            [
                dimension,
                score.competitor,
                _("Benchmark") if score.is_benchmark else _("Competitor"),
                float(score.score),
                None if our is None else round(our, 2),
                None if our is None else round(our - float(score.score), 2),
                score.source,
            ]
        )
    table = Table(
        "competitors",
        [
            _("Dimension"),
            _("Competitor or benchmark"),
            _("Kind"),
            _("Their score"),
            _("Our score"),
            _("Difference"),
            _("Source"),
        ],
        rows,
    )
    paragraphs = [] if rows else [_("No competitor or benchmark score was entered for this period.")]
    return Section("competitors", str(SECTION_TITLES["competitors"]), paragraphs=paragraphs, tables=[table])


def conclusions(context: ReportContext) -> Section:
    text = context.report.conclusions.strip()
    paragraphs = text.splitlines() if text else [_("The manager has not written conclusions and actions yet.")]
    return Section("conclusions", str(SECTION_TITLES["conclusions"]), paragraphs=paragraphs)


SECTIONS: tuple[Callable[[ReportContext], Section], ...] = (
    title_page,
    method,
    headline,
    trend,
    dimensions,
    segments,
    gaps,
    drivers,
    loyalty,
    complaints,
    actions,
    visits,
    lost,
    objectives,
    competitors,
    conclusions,
)


def report_sections(context: ReportContext, progress: Callable[[int, str], None] | None = None) -> list[Section]:
    """Every section in order; `progress(percent, step)` after each (up to 90: the files come next)."""
    result = []
    for number, build in enumerate(SECTIONS, start=1):
        section = build(context)
        result.append(section)
        if progress is not None:  # the step is kept as its message id: each reader sees it in their language
            with translation.override(None):
                step = str(SECTION_TITLES[section.key])
            progress(int(number / len(SECTIONS) * 90), step)
    return result


def format_number(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.1f}"
        return f"{text} %" if unit == "percent" else text
    return str(value)


def cells(row: Sequence[Any]) -> list[str]:
    return [format_number(value) for value in row]
