"""The grouped measures of survey responses and rating answers, as SQL expressions: the facts
fill groups them per day and classification, and the figures of a saved segment (read from the
source rows) group them the same way, so both paths give the same sums."""

from __future__ import annotations

from django.db import models
from django.db.models import Case, Count, F, FloatField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Cast, Coalesce

from surveys.models import Answer, CampaignTrigger, QuestionKind, Response
from surveys.scoring import DETRACTOR_MAX, PROMOTER_MIN

from .models import CLASSIFICATION_FIELDS, SurveyChannel


def response_channel(prefix: str = "") -> Case:
    return Case(
        When(**{f"{prefix}is_open": True}, then=Value(SurveyChannel.OPEN_LINK)),
        When(**{f"{prefix}campaign__trigger": CampaignTrigger.VISIT_DONE}, then=Value(SurveyChannel.VISIT_DONE)),
        When(
            **{f"{prefix}campaign__trigger": CampaignTrigger.COMPLAINT_CLOSED},
            then=Value(SurveyChannel.COMPLAINT_CLOSED),
        ),
        default=Value(SurveyChannel.INVITATION),
        output_field=models.CharField(),
    )


def classification_columns(prefix: str = "") -> dict:
    """The customer's classification at fill time; "" for an anonymous (open-link) response."""
    return {name: Coalesce(F(f"{prefix}customer__{name}"), Value("")) for name in CLASSIFICATION_FIELDS}


def scored_responses() -> QuerySet[Response]:
    """Responses that count in the figures: suspected duplicates of the open link are left out."""
    return Response.objects.filter(suspected_duplicate=False)


def response_measures(only: Q | None = None) -> dict:
    """The summed measures of a group of responses; `only` narrows every measure (e.g. internal
    customers' responses for 员工满意率)."""
    only = only or Q()
    return {
        "responses": Count("pk", filter=only),
        "csi_count": Count("csi", filter=only),
        "csi_sum": Coalesce(Sum(Cast("csi", FloatField()), filter=only), Value(0.0)),
        "satisfied": Count("pk", filter=only & Q(csi__gte=F("campaign__satisfied_threshold"))),
        "nps_count": Count("nps_score", filter=only),
        "promoters": Count("pk", filter=only & Q(nps_score__gte=PROMOTER_MIN)),
        "detractors": Count("pk", filter=only & Q(nps_score__lte=DETRACTOR_MAX)),
    }


RESPONSE_MEASURES = response_measures()


def rating_answers() -> QuerySet[Answer]:
    """Rating answers (loyalty questions excepted) of counted responses, with their 0–100 score (surveys.scoring.normalise: a
    rating scale starts at 1) and whether it reaches the campaign's threshold, both in SQL."""
    span = F("question__scale_max") - 1
    return Answer.objects.filter(
        question__kind=QuestionKind.RATING,
        question__loyalty_aspect="",  # loyalty is measured apart (loyalty_answers)
        score__isnull=False,
        response__suspected_duplicate=False,
    ).annotate(
        normalised=Cast(F("score") - 1, FloatField()) * 100.0 / Cast(span, FloatField()),
        importance_normalised=Cast(F("importance") - 1, FloatField()) * 100.0 / Cast(span, FloatField()),
        # Integer comparison, (score − 1) × 100 ≥ threshold × (max − 1): no rounding at the boundary.
        score_scaled=(F("score") - 1) * 100,
        threshold_scaled=F("response__campaign__satisfied_threshold") * span,
    )


ANSWER_MEASURES = {
    "answers": Count("pk"),
    "score_sum": Coalesce(Sum("normalised"), Value(0.0)),
    "satisfied": Count("pk", filter=Q(score_scaled__gte=F("threshold_scaled"))),
    "importance_answers": Count("importance"),
    "importance_sum": Coalesce(Sum("importance_normalised"), Value(0.0)),
}


def loyalty_answers() -> QuerySet[Answer]:
    """Answers to the loyalty questions (surveys.models.LoyaltyAspect: rating or 0–10 recommendation
    questions marked as such) of counted responses, with their 0–100 score: a rating scale starts at
    1, the recommendation scale at 0."""
    span = Cast(F("question__scale_max") - 1, FloatField())
    return Answer.objects.filter(
        ~Q(question__loyalty_aspect=""), score__isnull=False, response__suspected_duplicate=False
    ).annotate(
        normalised=Case(
            When(question__kind=QuestionKind.NPS, then=Cast(F("score"), FloatField()) * 10.0),
            default=Cast(F("score") - 1, FloatField()) * 100.0 / span,
            output_field=FloatField(),
        )
    )


LOYALTY_MEASURES = {
    "responses": Count("response_id", distinct=True),
    "answers": Count("pk"),
    "score_sum": Coalesce(Sum("normalised"), Value(0.0)),
}
