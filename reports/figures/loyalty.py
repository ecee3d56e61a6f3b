"""The customer loyalty index (顾客忠诚度指数), measured apart from satisfaction.

Loyalty shows as repurchase, recommending us and staying with us against a competitor's offer
(domain.md). A questionnaire marks the questions that ask it (surveys.models.LoyaltyAspect on a
rating or 0–10 recommendation question without a dimension), so they enter neither the CSI nor the
dimension means. Method: each answer on the 0–100 scale (a rating from 1, the recommendation from
0); an aspect's score is the mean of its answers; the loyalty index is the mean of the aspects that
have answers (each aspect counts once, however many questions ask it). Its sample size is the
number of responses with at least one loyalty answer.

Classification scopes and "everyone" read LoyaltyDailyFact; a saved segment aggregates the source
answers of the customers it selects today, as the other survey figures do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce

from surveys.models import LoyaltyAspect

from ..measures import LOYALTY_MEASURES, loyalty_answers
from ..models import LoyaltyDailyFact
from .base import MIN_SAMPLE, Figure, FigureScope, Period, ratio

SUMS = ("responses", "answers", "score_sum")
EMPTY = dict.fromkeys(SUMS, 0)


def loyalty_sums(*, period: Period, scope: FigureScope) -> dict[str, dict]:
    """{aspect: {"responses", "answers", "score_sum"}}, "" for every aspect together. One query."""
    if scope.segment is None:
        queryset = LoyaltyDailyFact.objects.filter(day__gte=period.since, day__lte=period.until)
        if scope.field:
            queryset = queryset.filter(**{scope.field: scope.value})
        rows = queryset.order_by().values("aspect").annotate(**{f"total_{name}": Sum(name) for name in SUMS})
        return {row["aspect"]: {name: row[f"total_{name}"] or 0 for name in SUMS} for row in rows}
    answers = loyalty_answers().filter(
        scope.customer_filter("response__customer"),
        response__submitted_at__gte=period.start,
        response__submitted_at__lt=period.end,
    )
    # One aggregate: each aspect's measures as filtered aggregates, beside those of every aspect.
    measures = {f"all__{name}": expression for name, expression in LOYALTY_MEASURES.items()}
    for aspect in LoyaltyAspect.values:
        only = Q(question__loyalty_aspect=aspect)
        measures[f"{aspect}__responses"] = Count("response_id", distinct=True, filter=only)
        measures[f"{aspect}__answers"] = Count("pk", filter=only)
        measures[f"{aspect}__score_sum"] = Coalesce(Sum("normalised", filter=only), Value(0.0))
    totals = answers.aggregate(**measures)
    return {
        ("" if aspect == "all" else aspect): {name: totals[f"{aspect}__{name}"] or 0 for name in SUMS}
        for aspect in ("all", *LoyaltyAspect.values)
    }


@dataclass(frozen=True)
class AspectFigures:
    aspect: str  # LoyaltyAspect value
    label: str
    mean: Figure  # 0–100; n = responses answering the aspect


@dataclass(frozen=True)
class LoyaltyFigures:
    index: Figure
    aspects: list[AspectFigures]  # every aspect in catalogue order, unanswered ones with value None


def loyalty_figures_from(sums: dict[str, dict]) -> LoyaltyFigures:
    aspects = []
    for aspect, label in LoyaltyAspect.choices:
        part = sums.get(aspect, EMPTY)
        mean = ratio("loyalty_aspect", part["score_sum"], part["answers"], unit="index")
        mean = replace(mean, n=part["responses"], insufficient=part["responses"] < MIN_SAMPLE)
        aspects.append(AspectFigures(aspect, str(label), mean))
    means = [a.mean.value for a in aspects if a.mean.value is not None]
    responses = (sums.get("") or EMPTY)["responses"] or 0
    index = Figure(
        key="loyalty_index",
        value=sum(means) / len(means) if means else None,
        n=responses,
        unit="index",
        insufficient=responses < MIN_SAMPLE,
    )
    return LoyaltyFigures(index, aspects)


def loyalty_figures(*, period: Period, scope: FigureScope) -> LoyaltyFigures:
    return loyalty_figures_from(loyalty_sums(period=period, scope=scope))


def loyalty_index_figures(*, period: Period, scope: FigureScope) -> dict[str, Figure]:
    """{"loyalty_index": Figure}, for the headline figures and objectives. One query."""
    return {"loyalty_index": loyalty_figures(period=period, scope=scope).index}
