"""Reads of surveys: who may be surveyed, the plan's sample, campaign tracking and results.

Results aggregate in SQL (counts of each score per question, one GROUP BY) and the pure scoring
functions turn those few rows into scores, so a campaign of 100k responses reads a few hundred rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core.i18n import bilingual
from customers.models import Contact, Customer, Segment
from customers.selectors import InvalidCriteria, segment_customers

from . import scoring
from .models import (
    Answer,
    Campaign,
    Invitation,
    MeasurementPlan,
    Question,
    QuestionKind,
    QuestionnaireVersion,
    Response,
    SurveyPageSettings,
    logo_version,
)

# -- who reads which answers ---------------------------------------------------------------------------

VIEW_ALL_RESPONSES = "surveys.view_all_responses"


def responses_visible_to(*, user, queryset: QuerySet[Response] | None = None) -> QuerySet[Response]:
    """The responses `user` may read: all of them for managers, admins and auditors; for staff the
    answers about the customers they own (an open-link answer without a customer is nobody's own).
    Pages, API and drill-downs read through this, so they cannot differ."""
    queryset = Response.objects.all() if queryset is None else queryset
    if not user.has_perm("surveys.view_response"):
        return queryset.none()
    if user.has_perm(VIEW_ALL_RESPONSES):
        return queryset
    return queryset.filter(customer__owner_id=user.pk)


def surveyable_contacts() -> QuerySet[Contact]:
    """Contacts who consented to surveys and did not withdraw (opt-outs are respected here)."""
    return Contact.objects.filter(survey_consent=True, consent_withdrawn_at__isnull=True)


def eligible_customers(*, queryset: QuerySet[Customer], interval_days: int, now=None) -> QuerySet[Customer]:
    """Customers of `queryset` with a surveyable contact and no invitation in the last `interval_days`."""
    now = now or timezone.now()
    recent = Invitation.objects.filter(
        customer=OuterRef("pk"), created_at__gte=now - datetime.timedelta(days=interval_days)
    )
    return queryset.filter(Exists(surveyable_contacts().filter(customer=OuterRef("pk")))).exclude(Exists(recent))


def plan_population(*, plan: MeasurementPlan, now=None) -> dict[int, int]:
    """{customer id: segment id} of the plan's eligible population. A customer in several segments
    counts once, in the first segment by name."""
    population: dict[int, int] = {}
    for segment in plan.segments.order_by("name_sort", "name", "pk"):
        try:
            customers = segment_customers(segment=segment)
        except InvalidCriteria:
            continue
        eligible = eligible_customers(queryset=customers, interval_days=plan.contact_interval_days, now=now)
        for customer_id in eligible.order_by().values_list("pk", flat=True):
            population.setdefault(customer_id, segment.pk)
    return population


@dataclass
class PlanSample:
    population: int
    size: int
    customer_ids: list[int]
    strata: dict[int, int]
    per_segment: dict[int, int] = field(default_factory=dict)


def plan_sample(*, plan: MeasurementPlan, now=None) -> PlanSample:
    """The plan's reproducible sample: size from population, margin and confidence; drawn with the
    plan's stored seed, stratified by segment when the plan says so."""
    population = plan_population(plan=plan, now=now)
    size = scoring.sample_size(
        population=len(population), margin=float(plan.margin_of_error), confidence=float(plan.confidence_level)
    )
    ids = scoring.draw_sample(
        list(population), size=size, seed=plan.seed, strata=population if plan.stratified else None
    )
    per_segment: dict[int, int] = defaultdict(int)
    for customer_id in ids:
        per_segment[population[customer_id]] += 1
    return PlanSample(len(population), size, ids, population, dict(per_segment))


def segment_population(*, segment: Segment, interval_days: int, now=None) -> list[int]:
    customers = segment_customers(segment=segment)
    return list(
        eligible_customers(queryset=customers, interval_days=interval_days, now=now).values_list("pk", flat=True)
    )


def contact_for_survey(customer_ids: list[int]) -> dict[int, Contact]:
    """{customer id: the contact to invite}: the primary surveyable contact, else the first by name."""
    chosen: dict[int, Contact] = {}
    # In chunks: SQLite refuses more than 32,766 parameters in one statement.
    for start in range(0, len(customer_ids), 5000):
        chunk = customer_ids[start : start + 5000]
        contacts = surveyable_contacts().filter(customer_id__in=chunk)
        for contact in contacts.order_by("customer_id", "-is_primary", "name", "pk"):
            chosen.setdefault(contact.customer_id, contact)
    return chosen


# -- tracking and results ----------------------------------------------------------------------------


def campaign_tracking(*, campaign: Campaign) -> dict[str, Any]:
    """Counts per invitation status (one GROUP BY) and the response rate by segment."""
    counts = dict(
        campaign.invitations.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    total = sum(counts.values())
    completed = counts.get(Invitation.Status.COMPLETED, 0)
    reached: dict[str, Any] = {
        "invited": total,
        "delivered": total - counts.get(Invitation.Status.INVITED, 0) - counts.get(Invitation.Status.BOUNCED, 0),
        "bounced": counts.get(Invitation.Status.BOUNCED, 0),
        # An invitation that was started was opened too; completed ones were both.
        "opened": sum(counts.get(s, 0) for s in ("opened", "started", "completed")),
        "started": sum(counts.get(s, 0) for s in ("started", "completed")),
        "completed": completed,
        "response_rate": completed / total if total else None,
    }
    by_segment = (
        campaign.invitations.order_by()
        .values("segment__name")
        .annotate(
            invited=Count("pk"),
            completed=Count("pk", filter=Q(status=Invitation.Status.COMPLETED)),
            csi=Avg("response__csi"),
        )
        .order_by("segment__name_sort", "segment__name")
    )
    reached["by_segment"] = [
        {**row, "response_rate": row["completed"] / row["invited"] if row["invited"] else None} for row in by_segment
    ]
    return reached


@dataclass
class DimensionResult:
    dimension: Any
    weight: float
    mean: float | None
    importance: float | None
    gap: float | None
    satisfaction_rate: float | None
    answers: int


@dataclass
class QuestionResult:
    question: Question
    answers: int
    distribution: list[tuple[Any, int, float]]  # (value or label, count, share)
    mean: float | None = None


@dataclass
class CampaignResults:
    responses: int
    csi: float | None
    satisfaction_rate: float | None
    nps: float | None
    dimensions: list[DimensionResult]
    questions: list[QuestionResult]
    comments: list[Answer]
    suspected_duplicates: int = 0


def _score_counts(version: QuestionnaireVersion, responses: QuerySet[Response], value_field: str) -> dict:
    rows = (
        Answer.objects.filter(response__in=responses, **{f"{value_field}__isnull": False})
        .order_by()
        .values_list("question_id", value_field)
        .annotate(n=Count("pk"))
    )
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    for question_id, value, n in rows:
        counts[question_id][value] = n
    return counts


def campaign_results(
    *, campaign: Campaign, responses: QuerySet[Response] | None = None, reader=None
) -> CampaignResults:
    """The campaign's scores. Open-link responses flagged as suspected duplicates are left out
    (counted in `suspected_duplicates`). The figures count every response; the comments (answers
    with their customer) are those `reader`, when given, may read (responses_visible_to)."""
    version = campaign.questionnaire_version
    responses = responses if responses is not None else campaign.responses.all()
    suspected_duplicates = responses.filter(suspected_duplicate=True).count() if campaign.open_link else 0
    responses = responses.filter(suspected_duplicate=False)
    questions = list(version.questions.select_related("dimension").order_by("position", "pk"))
    scores = _score_counts(version, responses, "score")
    importances = _score_counts(version, responses, "importance")
    threshold = campaign.satisfied_threshold

    performance: dict[Any, list[float]] = defaultdict(list)
    importance: dict[Any, list[float]] = defaultdict(list)
    weights: dict[Any, float] = {}
    dimension_objects: dict[Any, Any] = {}
    nps_answers: list[int] = []
    question_results = []
    for question in questions:
        counts = scores.get(question.pk, {})
        if question.kind == QuestionKind.RATING and question.dimension_id:
            dimension_objects[question.dimension_id] = question.dimension
            weights.setdefault(question.dimension_id, float(question.effective_weight()))
            for value, n in counts.items():
                performance[question.dimension_id] += [
                    scoring.normalise(value, scale_min=1, scale_max=question.scale_max)
                ] * n
            for value, n in importances.get(question.pk, {}).items():
                importance[question.dimension_id] += [
                    scoring.normalise(value, scale_min=1, scale_max=question.scale_max)
                ] * n
        if question.kind == QuestionKind.NPS:
            for value, n in counts.items():
                nps_answers += [value] * n
        question_results.append(_question_result(question, counts, responses))

    means = {d: sum(v) / len(v) for d, v in performance.items() if v}
    importance_means = {d: sum(v) / len(v) for d, v in importance.items() if v}
    gaps = scoring.gaps(means, importance_means)
    dimensions = [
        DimensionResult(
            dimension=dimension_objects[d],
            weight=weights[d],
            mean=means.get(d),
            importance=importance_means.get(d),
            gap=gaps.get(d),
            satisfaction_rate=scoring.satisfaction_rate(performance[d], threshold=threshold),
            answers=len(performance[d]),
        )
        for d in sorted(dimension_objects, key=lambda d: (dimension_objects[d].position, dimension_objects[d].code))
    ]
    summary = responses.aggregate(
        n=Count("pk"), satisfied=Count("pk", filter=Q(csi__gte=Decimal(threshold))), rated=Count("csi")
    )
    commented = responses if reader is None else responses_visible_to(user=reader, queryset=responses)
    comments = list(
        Answer.objects.filter(response__in=commented, question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .select_related("question", "response__customer")
        .order_by("-response__submitted_at")[:100]
    )
    return CampaignResults(
        responses=summary["n"],
        csi=scoring.csi(means, weights),
        satisfaction_rate=summary["satisfied"] / summary["rated"] if summary["rated"] else None,
        nps=scoring.nps(nps_answers),
        dimensions=dimensions,
        questions=question_results,
        comments=comments,
        suspected_duplicates=suspected_duplicates,
    )


def _question_result(question: Question, counts: dict[int, int], responses) -> QuestionResult:
    if question.is_scored:
        total = sum(counts.values())
        values = range(question.scale_min, question.scale_top + 1)
        distribution: list[tuple[Any, int, float]] = [
            (v, counts.get(v, 0), counts.get(v, 0) / total if total else 0) for v in values
        ]
        mean = sum(v * n for v, n in counts.items()) / total if total else None
        return QuestionResult(question, total, distribution, mean)
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.YES_NO):
        # One row per distinct combination chosen (a handful), counted in SQL.
        combinations = (
            Answer.objects.filter(response__in=responses, question=question)
            .order_by()
            .values_list("choices")
            .annotate(n=Count("pk"))
        )
        tally: dict[str, int] = defaultdict(int)
        total = 0
        for chosen, n in combinations:
            total += n
            for value in chosen or []:
                tally[str(value)] += n
        if question.kind == QuestionKind.YES_NO:
            from django.utils.translation import gettext

            labels: list[tuple[str, str]] = [("yes", gettext("Yes")), ("no", gettext("No"))]
        else:
            labels = [(str(c["value"]), bilingual(c) or str(c["value"])) for c in question.choices]
        distribution = [
            (label, tally.get(value, 0), tally.get(value, 0) / total if total else 0) for value, label in labels
        ]
        return QuestionResult(question, total, distribution)
    total = Answer.objects.filter(response__in=responses, question=question).exclude(text="").count()
    return QuestionResult(question, total, [])


# -- the survey pages' settings ---------------------------------------------------------------------
# Read by every survey page a customer opens: kept per process for PAGE_SETTINGS_CACHE_SECONDS (the
# logo's bytes are not kept, only whether there is one and its version), and forgotten by the
# update service in its own process.
PAGE_SETTINGS_CACHE_SECONDS = 30


@dataclass(frozen=True)
class PageOrganisation:
    name_en: str
    name_zh: str
    privacy_en: str
    privacy_zh: str
    logo_version: str  # "" without a logo; else changes with each upload (the logo's URL)

    def name(self, language: str) -> str:
        return bilingual({"name_en": self.name_en, "name_zh": self.name_zh}, "name", language)

    def privacy(self, language: str) -> str:
        return bilingual({"privacy_en": self.privacy_en, "privacy_zh": self.privacy_zh}, "privacy", language)


_page_settings: list[tuple[float, PageOrganisation]] = []


def page_settings() -> PageOrganisation:
    import time

    if _page_settings and _page_settings[0][0] > time.monotonic():
        return _page_settings[0][1]
    row = (
        SurveyPageSettings.objects.filter(pk=1)
        .values(
            "organisation_name_en",
            "organisation_name_zh",
            "privacy_notice_en",
            "privacy_notice_zh",
            "logo_content_type",
            "updated_at",
        )
        .first()
    )
    if row is None:
        found = PageOrganisation("", "", "", "", "")
    else:
        found = PageOrganisation(
            row["organisation_name_en"],
            row["organisation_name_zh"],
            row["privacy_notice_en"],
            row["privacy_notice_zh"],
            logo_version(row["updated_at"]) if row["logo_content_type"] else "",
        )
    _page_settings[:] = [(time.monotonic() + PAGE_SETTINGS_CACHE_SECONDS, found)]
    return found


def page_settings_forget() -> None:
    _page_settings.clear()
