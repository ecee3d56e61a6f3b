"""Reads of feedback records and benchmark scores, aggregated in SQL."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Max, QuerySet, Sum

from .models import BenchmarkScore, FeedbackRecord


def feedback_records(*, since: datetime.date | None = None, until: datetime.date | None = None) -> QuerySet:
    records = FeedbackRecord.objects.select_related("customer", "dimension", "recorded_by")
    if since:
        records = records.filter(received_on__gte=since)
    if until:
        records = records.filter(received_on__lte=until)
    return records


def feedback_counts(
    *, since: datetime.date, until: datetime.date, customers: QuerySet | None = None
) -> list[Mapping[str, Any]]:
    """[{source, sentiment, n, amount}] of the records received in [since, until], one GROUP BY.

    `customers` (a queryset of customers, e.g. a segment's) limits the count to records about them;
    records about no particular customer count only when there is no such limit."""
    records = FeedbackRecord.objects.filter(received_on__gte=since, received_on__lte=until)
    if customers is not None:
        records = records.filter(customer__in=customers.values("pk"))
    return list(
        records.order_by()
        .values("source", "sentiment")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by("source", "sentiment")
    )


def benchmark_latest(*, until: datetime.date) -> list[BenchmarkScore]:
    """The latest score of each competitor per dimension measured up to `until` (two queries)."""
    latest = (
        BenchmarkScore.objects.filter(period_end__lte=until)
        .order_by()
        .values("competitor", "dimension")
        .annotate(last=Max("period_end"))
    )
    keys = {(row["competitor"], row["dimension"], row["last"]) for row in latest}
    if not keys:
        return []
    candidates = BenchmarkScore.objects.filter(
        period_end__lte=until, competitor__in={key[0] for key in keys}
    ).select_related("dimension")
    chosen: dict[tuple, BenchmarkScore] = {}
    for score in candidates.order_by("competitor", "dimension", "-period_end", "-pk"):
        key = (score.competitor, score.dimension_id, score.period_end)
        if key in keys and (score.competitor, score.dimension_id) not in chosen:
            chosen[(score.competitor, score.dimension_id)] = score
    return sorted(chosen.values(), key=lambda s: (s.competitor, s.dimension.position if s.dimension else -1))
