"""Rows for the key-driver analysis: per response, its overall rating and its dimension scores.

Overall satisfaction is the mean of a response's rating questions tied to no dimension ("overall,
how satisfied are you..."), not its stored index: the index is made of the dimension scores, so
regressing it on them would only find their weights again. The regression needs answers of single
responses, so it reads the source rows, capped at the latest KEY_DRIVER_RESPONSES_MAX responses of
the period: two grouped queries whatever the size of the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Avg, F

from customers.models import SatisfactionDimension

from ..measures import rating_answers, scored_responses
from .base import FigureScope, Period

# Enough for a stable regression over a dozen dimensions, few enough to fit in one small frame.
KEY_DRIVER_RESPONSES_MAX = 5000


@dataclass(frozen=True)
class DriverRows:
    rows: list[dict]  # [{"response_id", "overall", "dimension", "score"}] for reports.key_drivers.key_drivers
    dimension_ids: dict[str, int]  # dimension name -> id (for drill-down links)
    responses: int  # responses read (answered in the period, at most the cap)
    with_overall: int  # of those, with an overall rating


def key_driver_rows(*, period: Period, scope: FigureScope, limit: int = KEY_DRIVER_RESPONSES_MAX) -> DriverRows:
    """The latest `limit` responses of the period in scope, as rows for reports.key_drivers.key_drivers. Two queries
    (the answers grouped per response and dimension, the dimension names)."""
    latest = (
        scored_responses()
        .filter(scope.customer_filter(), submitted_at__gte=period.start, submitted_at__lt=period.end)
        .order_by("-submitted_at", "-pk")
        .values("pk")[:limit]
    )
    grouped = list(
        rating_answers()
        .filter(response_id__in=latest)
        .annotate(dimension_key=F("question__dimension_id"))
        .order_by()
        .values_list("response_id", "dimension_key")
        .annotate(score=Avg("normalised"))
    )
    overall = {response_id: score for response_id, dimension_id, score in grouped if dimension_id is None}
    used = {dimension_id for _response_id, dimension_id, _score in grouped if dimension_id is not None}
    names = (
        {d.pk: d.name for d in SatisfactionDimension.objects.filter(pk__in=used).order_by("position", "code")}
        if used
        else {}
    )
    position = {pk: index for index, pk in enumerate(names)}
    scored = sorted(
        (row for row in grouped if row[1] is not None and row[0] in overall),
        key=lambda row: (row[0], position[row[1]]),
    )
    rows = [
        {"response_id": response_id, "overall": overall[response_id], "dimension": names[dimension_id], "score": score}
        for response_id, dimension_id, score in scored
    ]
    return DriverRows(
        rows=rows,
        dimension_ids={name: pk for pk, name in names.items()},
        responses=len({row[0] for row in grouped}),
        with_overall=len(overall),
    )
