"""Figures for the dashboard, aggregated in SQL: one grouped query per classification."""

from django.db.models import Count, Q, Sum

from customers.models import Customer, LifecycleChange


def customer_overview() -> dict:
    totals = Customer.objects.aggregate(
        total=Count("id"),
        key=Count("id", filter=Q(tier="key", lifecycle="current")),
        current=Count("id", filter=Q(lifecycle="current")),
        potential=Count("id", filter=Q(lifecycle="potential")),
        lost=Count("id", filter=Q(lifecycle="lost")),
        internal=Count("id", filter=Q(scope="internal")),
        volume=Sum("annual_volume"),
    )
    return totals


def customer_breakdown(field: str) -> list[dict]:
    return list(Customer.objects.order_by().values(field).annotate(n=Count("id")).order_by("-n"))


def recent_lifecycle_changes(limit: int = 8):
    return LifecycleChange.objects.select_related("customer", "changed_by").exclude(from_state="")[:limit]
