"""Reads about visits: what a user may see, "my visits", the calendar, the figures."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Avg, Count, Min, Q, QuerySet

from core.models import AuditEvent

from .models import Trigger, Visit, VisitIssue, VisitPlan, VisitScore


def visits_visible_to(*, user) -> QuerySet[Visit]:
    """The visits a user may see (the same rule as services.visit_can_view, as a query): every
    visit for managers, admins and auditors; for staff, the visits assigned to them and the visits
    of the customers they own."""
    if not user.is_authenticated or not user.has_perm("visits.view_visit"):
        return Visit.objects.none()
    queryset = Visit.objects.all()
    if not user.has_perm("visits.view_all_visits"):
        queryset = queryset.filter(Q(assignee=user) | Q(customer__owner=user))
    return queryset


def visit_detail(*, user, pk: int) -> Visit:
    """Raises Visit.DoesNotExist for a visit the user may not see, as for one that does not exist."""
    return (
        visits_visible_to(user=user)
        .select_related("customer", "customer__owner", "plan", "assignee")
        .prefetch_related("contacts_met", "scores__dimension", "issues__complaints")
        .get(pk=pk)
    )


def visit_issue_visible(*, user, pk: int) -> VisitIssue:
    visible = visits_visible_to(user=user).values("pk")
    return VisitIssue.objects.select_related("visit", "visit__customer").get(pk=pk, visit__in=visible)


def visit_audit_trail(*, visit: Visit, limit: int = 50) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Visit), object_id=str(visit.pk)
        ).select_related("content_type")[:limit]
    )


def plan_audit_trail(*, plan: VisitPlan, limit: int = 50) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(VisitPlan), object_id=str(plan.pk)
        ).select_related("content_type")[:limit]
    )


def visit_list(*, visible: QuerySet[Visit]) -> QuerySet[Visit]:
    return visible.select_related("customer", "assignee", "plan").order_by("due_date", "id")


def my_visits(*, visible: QuerySet[Visit], today: datetime.date) -> dict[str, QuerySet[Visit]]:
    """Planned visits split for "My visits": overdue (before today), today, and the rest of this
    ISO week (after today, up to Sunday)."""
    planned = visit_list(visible=visible.filter(status=Visit.Status.PLANNED))
    week_end = today + datetime.timedelta(days=6 - today.weekday())
    return {
        "overdue": planned.filter(due_date__lt=today),
        "today": planned.filter(due_date=today),
        "week": planned.filter(due_date__gt=today, due_date__lte=week_end),
    }


def visits_in_range(*, visible: QuerySet[Visit], start: datetime.date, end: datetime.date) -> QuerySet[Visit]:
    """Visits due (or, when done, visited) between start and end inclusive, cancelled ones left out."""
    return visit_list(
        visible=visible.exclude(status=Visit.Status.CANCELLED).filter(
            Q(status=Visit.Status.PLANNED, due_date__range=(start, end))
            | Q(status=Visit.Status.DONE, visited_on__range=(start, end))
        )
    )


# What the personal calendar feed holds: a month back (so a done visit stays visible a while) and
# half a year ahead; a calendar app polls the feed, so it stays small.
FEED_DAYS_BACK, FEED_DAYS_AHEAD = 31, 183


def visits_for_feed(*, user, today: datetime.date) -> QuerySet[Visit]:
    """The visits assigned to the user, planned or done, around today."""
    start, end = today - datetime.timedelta(days=FEED_DAYS_BACK), today + datetime.timedelta(days=FEED_DAYS_AHEAD)
    return (
        Visit.objects.filter(assignee=user, due_date__range=(start, end))
        .select_related("customer", "plan")
        .order_by("due_date", "id")
    )


# -- figures (aggregated in SQL: one query each, whatever the number of visits) -----------------------


def visit_coverage_by_segment(
    *, start: datetime.date, end: datetime.date, today: datetime.date
) -> list[Mapping[str, Any]]:
    """Plan versus done per segment: visits that scheduled plans asked for with a due date in the
    period (cancelled ones left out), how many are done, and how many are still open and late."""
    rows = (
        Visit.objects.filter(plan__segment__isnull=False, trigger=Trigger.SCHEDULE, due_date__range=(start, end))
        .exclude(status=Visit.Status.CANCELLED)
        .order_by()
        .values("plan__segment_id", "plan__segment__name")
        .annotate(
            planned=Count("id"),
            done=Count("id", filter=Q(status=Visit.Status.DONE)),
            overdue=Count("id", filter=Q(status=Visit.Status.PLANNED, due_date__lt=today)),
        )
        .order_by("plan__segment__name_sort", "plan__segment__name")
    )
    return [
        {
            "segment_id": row["plan__segment_id"],
            "segment": row["plan__segment__name"],
            "planned": row["planned"],
            "done": row["done"],
            "overdue": row["overdue"],
            "coverage": round(100 * row["done"] / row["planned"], 1) if row["planned"] else None,
        }
        for row in rows
    ]


def visits_overdue(*, today: datetime.date, visible: QuerySet[Visit] | None = None) -> QuerySet[Visit]:
    """Planned visits whose due date has passed, oldest first."""
    queryset = visible if visible is not None else Visit.objects.all()
    return visit_list(visible=queryset.filter(status=Visit.Status.PLANNED, due_date__lt=today))


def visits_overdue_by_assignee(*, today: datetime.date) -> list[Mapping[str, Any]]:
    return list(
        Visit.objects.filter(status=Visit.Status.PLANNED, due_date__lt=today)
        .order_by()
        .values("assignee_id", "assignee__username", "assignee__first_name", "assignee__last_name")
        .annotate(n=Count("id"), oldest=Min("due_date"))
        .order_by("-n", "assignee__username")
    )


def visit_scores_by_dimension(*, start: datetime.date, end: datetime.date) -> list[Mapping[str, Any]]:
    """Average visit score (1-5) per satisfaction dimension for visits done in the period: the
    same dimensions as surveys, so reports can put both side by side."""
    return list(
        VisitScore.objects.filter(visit__status=Visit.Status.DONE, visit__visited_on__range=(start, end))
        .order_by()
        .values("dimension_id", "dimension__code", "dimension__name_en", "dimension__name_zh", "dimension__position")
        .annotate(average=Avg("score"), responses=Count("id"), low=Count("id", filter=Q(score__lte=2)))
        .order_by("dimension__position", "dimension__code")
    )


def visit_issues_raised(*, start: datetime.date, end: datetime.date) -> list[Mapping[str, Any]]:
    """Issues raised during visits done in the period, per severity, and how many became complaints."""
    return list(
        VisitIssue.objects.filter(visit__visited_on__range=(start, end))
        .order_by()
        .values("severity")
        .annotate(raised=Count("id", distinct=True), became_complaints=Count("complaints", distinct=True))
        .order_by("severity")
    )
