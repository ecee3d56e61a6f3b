"""method.html / method.pdf: how satisfaction was measured in the period, written from the
configuration in force (measurement plans, visit plans, questionnaire versions with their dimensions
and weights, campaign thresholds) and the calculation method of surveys/scoring.py, never boilerplate."""

from __future__ import annotations

import math
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count
from django.utils.translation import gettext as _

from feedback.models import FeedbackRecord
from surveys import scoring
from surveys.models import Question
from visits.models import VisitPlan

from ..selectors import Scope, campaigns_run, measurement_plans_in_force
from .documents import Document, Item, Section, Table
from .rows import versions_in_force


def _sources(scope: Scope) -> Section:
    section = Section(_("Sources, methods and frequency"))
    plans = list(measurement_plans_in_force(scope).select_related("owner").prefetch_related("segments"))
    if plans:
        section.tables.append(
            Table(
                [
                    _("Measurement plan"),
                    _("Period"),
                    _("Method"),
                    _("Frequency"),
                    _("Population (segments)"),
                    _("Objective"),
                ],
                [
                    [
                        plan.name,
                        f"{plan.period_start} – {plan.period_end}",
                        plan.get_method_display(),
                        plan.get_frequency_display(),
                        ", ".join(sorted(s.name for s in plan.segments.all())) or "—",
                        plan.objective,
                    ]
                    for plan in plans
                ],
            )
        )
    else:
        section.items.append(Item(_("No measurement plan covers this period."), gap=True))
    visit_plans = list(VisitPlan.objects.filter(is_active=True).select_related("segment").order_by("name"))
    if visit_plans:
        section.tables.append(
            Table(
                [_("Follow-up visit plan"), _("Trigger"), _("Cadence"), _("Segment"), _("Purpose"), _("Channel")],
                [
                    [
                        plan.name,
                        plan.get_trigger_display(),
                        plan.get_cadence_display() if plan.cadence else "—",
                        plan.segment.name if plan.segment_id else "—",
                        plan.get_purpose_display(),
                        plan.get_channel_display(),
                    ]
                    for plan in visit_plans
                ],
            )
        )
    feedback = (
        FeedbackRecord.objects.filter(received_on__gte=scope.since, received_on__lte=scope.until)
        .values("source")
        .annotate(n=Count("pk"))
        .order_by("source")
    )
    labels = dict(FeedbackRecord._meta.get_field("source").flatchoices)
    if feedback:
        section.tables.append(
            Table(
                [_("Other source"), _("Records in the period")],
                [[str(labels.get(r["source"], r["source"])), str(r["n"])] for r in feedback],
            )
        )
    for plan in plans:
        z = scoring.z_score(float(plan.confidence_level))
        e = float(plan.margin_of_error)
        n0 = z * z * 0.25 / (e * e)
        section.paragraphs.append(
            _(
                "%(plan)s: sample size by Cochran's formula for a proportion with p = 0.5, n₀ = z² · p(1−p) / e² = "
                "%(n0)s (confidence %(c)s, z = %(z)s, margin ±%(e)s), with the finite population correction; "
                "drawn with the stored random seed %(seed)s%(stratified)s."
            )
            % {
                "plan": plan.name,
                "n0": math.ceil(n0),
                "c": plan.confidence_level,
                "z": f"{z:.3f}",
                "e": plan.margin_of_error,
                "seed": plan.seed,
                "stratified": _(", stratified by segment") if plan.stratified else "",
            }
        )
    return section


def _questionnaires(scope: Scope) -> list[Section]:
    sections = []
    versions = list(versions_in_force(scope).order_by("questionnaire__code", "number"))
    questions = defaultdict(list)
    for question in (
        Question.objects.filter(version__in=[v.pk for v in versions])
        .select_related("dimension")
        .order_by("position", "pk")
    ):
        questions[question.version_id].append(question)
    for version in versions:
        dimensions: dict[int, dict] = {}
        for question in questions[version.pk]:
            if question.kind == "rating" and question.dimension_id:
                entry = dimensions.setdefault(
                    question.dimension_id,
                    {"name": question.dimension.name, "weight": question.effective_weight(), "codes": []},
                )
                entry["codes"].append(f"{question.code} (1–{question.scale_max})")
        total = sum((d["weight"] for d in dimensions.values()), Decimal(0)) or Decimal(1)
        section = Section(f"{version.questionnaire.code} · {version}", level=3)
        section.tables.append(
            Table(
                [_("Dimension"), _("Weight"), _("Share of the index"), _("Questions")],
                [
                    [d["name"], str(d["weight"]), f"{100 * d['weight'] / total:.0f}%", "; ".join(d["codes"])]
                    for d in dimensions.values()
                ],
            )
        )
        sections.append(section)
    if not sections:
        heading = Section(_("Questionnaires and dimensions in force"))
        heading.items.append(Item(_("No survey ran in this period."), gap=True))
        return [heading]
    return [Section(_("Questionnaires and dimensions in force")), *sections]


def _calculation(scope: Scope) -> list[Section]:
    campaigns = list(campaigns_run(scope, scope.customers()).order_by("pk")[:200])
    thresholds = sorted({c.satisfied_threshold for c in campaigns}) or [75]
    rules = Section(_("Calculation"))
    rules.items = [
        Item(
            _(
                "Each rating is put on a 0–100 scale: (score − lowest) / (highest − lowest) × 100. On a 1–5 scale: "
                "1 = 0, 2 = 25, 3 = 50, 4 = 75, 5 = 100."
            )
        ),
        Item(_("Dimension score: the mean of the 0–100 scores of the dimension's questions.")),
        Item(
            _(
                "Satisfaction index (CSI): the weighted mean of the dimension scores, Σ(weight × score) / Σ(weight), "
                "over the dimensions answered."
            )
        ),
        *[
            Item(
                _(
                    "Satisfaction rate: the share of responses whose satisfaction index is at least %(t)s. Per "
                    "dimension: the share of its answers at least %(t)s."
                )
                % {"t": threshold}
            )
            for threshold in thresholds
        ],
        Item(
            _(
                "Net Promoter Score: %% of promoters (answers %(p)s–10) − %% of detractors (0–%(d)s) to “How likely "
                "are you to recommend us?”, from −100 to 100."
            )
            % {"p": scoring.PROMOTER_MIN, "d": scoring.DETRACTOR_MAX}
        ),
        Item(
            _(
                "Gap: dimension score − importance score (both 0–100), where the questionnaire also asks how "
                "important the dimension is. Negative gaps rank the improvement priorities."
            )
        ),
    ]
    if campaigns:
        rules.tables.append(
            Table(
                [_("Campaign"), _("Satisfied at or above (0–100)"), _("Alert below (0–100)")],
                [[c.name, str(c.satisfied_threshold), str(c.alert_threshold)] for c in campaigns],
            )
        )
    documented = Section(_("The calculation method as the software applies it (surveys/scoring.py)"))
    documented.preformatted = (scoring.__doc__ or "").strip()
    return [rules, documented]


def method_document(scope: Scope, *, language: str, subtitle: str) -> Document:
    return Document(
        title=_("How customer satisfaction is measured"),
        subtitle=subtitle,
        language=language,
        sections=[_sources(scope), *_questionnaires(scope), *_calculation(scope)],
    )
