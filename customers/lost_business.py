"""Lost-business analysis (流失业务分析): why customers were lost, and churn and win-back rates by
segment classification and period. Aggregated in SQL; periods are local days [since, until].

- churn rate = customers lost in the period ÷ customers who were current at its start;
- win-back rate = customers won back in the period ÷ customers lost before or during it who were
  still lost at its start or were lost in it;
  both None when there is nothing to divide by.
A customer's state at the start is the target of its last lifecycle step before it (every customer
has a first step, recorded when it was created or imported).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from .models import Customer, Lifecycle, LifecycleChange

CLASSIFICATIONS = ("scope", "chain_position", "tier", "region", "industry")


def _start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def _window(since: datetime.date, until: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    return _start(since), _start(until + datetime.timedelta(days=1))


def lost_by_reason(
    *, since: datetime.date, until: datetime.date, customers: QuerySet[Customer] | None = None
) -> list[Mapping[str, Any]]:
    """[{reason_category, n}] of the customers lost in the period, the largest first ("" = not
    classified: lost through an import or before categories existed)."""
    start, end = _window(since, until)
    changes = LifecycleChange.objects.filter(to_state=Lifecycle.LOST, changed_at__gte=start, changed_at__lt=end)
    if customers is not None:
        changes = changes.filter(customer__in=customers.values("pk"))
    return list(changes.order_by().values("reason_category").annotate(n=Count("id")).order_by("-n", "reason_category"))


def churn_by(
    *, field: str, since: datetime.date, until: datetime.date, customers: QuerySet[Customer] | None = None
) -> list[dict[str, Any]]:
    """Per value of a customer classification: current at the start, lost and won back in the
    period, and the two rates. One query."""
    if field not in CLASSIFICATIONS:
        raise ValueError(f"not a classification: {field}")
    start, end = _window(since, until)
    state_at_start = Subquery(
        LifecycleChange.objects.filter(customer=OuterRef("pk"), changed_at__lt=start)
        .order_by("-changed_at", "-id")
        .values("to_state")[:1]
    )
    in_period = Q(lifecycle_changes__changed_at__gte=start, lifecycle_changes__changed_at__lt=end)
    queryset = customers if customers is not None else Customer.objects.all()
    rows = (
        queryset.annotate(state_at_start=state_at_start)
        .order_by()
        .values(field)
        .annotate(
            current_at_start=Count("id", filter=Q(state_at_start=Lifecycle.CURRENT), distinct=True),
            lost_at_start=Count("id", filter=Q(state_at_start=Lifecycle.LOST), distinct=True),
            lost=Count("id", filter=in_period & Q(lifecycle_changes__to_state=Lifecycle.LOST), distinct=True),
            won_back=Count("id", filter=in_period & Q(lifecycle_changes__is_win_back=True), distinct=True),
        )
        .order_by(field)
    )
    result = []
    for row in rows:
        could_come_back = row["lost_at_start"] + row["lost"]
        result.append(
            {
                "value": row[field],
                "current_at_start": row["current_at_start"],
                "lost": row["lost"],
                "won_back": row["won_back"],
                "churn_rate": row["lost"] / row["current_at_start"] if row["current_at_start"] else None,
                "win_back_rate": row["won_back"] / could_come_back if could_come_back else None,
            }
        )
    return result
