"""The staff member's page after login: what is theirs to do today, counted in a few grouped queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from complaints.models import OPEN_STATES, Complaint, CorrectiveAction
from visits.models import Visit
from visits.selectors import my_visits, visits_visible_to

LIST_LENGTH = 8


@dataclass(frozen=True)
class MyWork:
    complaints_open: int
    complaints_overdue: int
    complaints_due_today: int
    complaints: list[Complaint]
    actions_open: int
    actions_overdue: int
    actions: list[CorrectiveAction]
    visits: dict[str, QuerySet[Visit]]
    visits_overdue: int
    visits_today: int
    visits_week: int


def my_work(*, user, now: datetime.datetime | None = None) -> MyWork:
    """Open complaints assigned to the user (overdue = past the resolution deadline; due today =
    before the end of the local day), their open corrective actions (overdue = past the due date),
    and their planned visits (overdue, today, rest of the week)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    end_of_day = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min))
    mine = Complaint.objects.filter(assignee=user, state__in=OPEN_STATES)
    complaint_counts = mine.aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(resolve_due_at__lt=now, sla_paused_at__isnull=True)),
        due_today=Count("id", filter=Q(resolve_due_at__gte=now, resolve_due_at__lt=end_of_day)),
    )
    actions = CorrectiveAction.objects.filter(owner=user, status=CorrectiveAction.Status.OPEN)
    action_counts = actions.aggregate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
    visits = my_visits(visible=visits_visible_to(user=user).filter(assignee=user), today=today)
    return MyWork(
        complaints_open=complaint_counts["open"],
        complaints_overdue=complaint_counts["overdue"],
        complaints_due_today=complaint_counts["due_today"],
        complaints=list(mine.select_related("customer").order_by("resolve_due_at", "received_at")[:LIST_LENGTH]),
        actions_open=action_counts["open"],
        actions_overdue=action_counts["overdue"],
        actions=list(actions.select_related("complaint").order_by("due_date", "pk")[:LIST_LENGTH]),
        visits=visits,
        visits_overdue=visits["overdue"].count(),
        visits_today=visits["today"].count(),
        visits_week=visits["week"].count(),
    )
