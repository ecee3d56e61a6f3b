"""Reads about complaints: the queue, one complaint with its history, the public status view."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.models import Team
from core.models import AuditEvent
from customers.models import Customer

from .models import (
    OPEN_STATES,
    QUEUE_ROLES,
    WORKER_ROLES,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    CorrectiveAction,
    State,
)

# Shown as "due soon" this long before a deadline (the warning before a breach).
WARN_BEFORE = datetime.timedelta(hours=4)


class InvalidCriteria(ValueError):
    def __init__(self, errors):
        super().__init__(str(errors))
        self.errors = errors


def complaint_list_base() -> QuerySet[Complaint]:
    return Complaint.objects.select_related("customer", "assignee", "team", "category", "category__parent")


# What one row of the queue page shows, read as plain values of the complaint table alone: no model
# instances, no column the page does not show, and no join. The customer, assignee, department and
# category are ids, named by QueuePageLists for the page's fifty rows: with the joins, PostgreSQL
# spent longer planning the query (up to ~3 ms at 200k with a segment filter) than running it, and a
# misestimated filter (bench-created complaints due this week) joined a thousand rows before sorting.
QUEUE_ROW_FIELDS = (
    "id",
    "reference",
    "kind",
    "subject",
    "severity",
    "state",
    "resolve_due_at",
    "acknowledge_due_at",
    "sla_paused_at",
    "customer_id",
    "category_id",
    "assignee_id",
    "team_id",
)


def complaint_queue_rows(queryset: QuerySet[Complaint]) -> QuerySet[Complaint, dict[str, Any]]:
    """The queue page's rows of a (filtered, ordered) complaint queryset, as dicts of QUEUE_ROW_FIELDS."""
    return queryset.values(*QUEUE_ROW_FIELDS)


class QueuePageLists:
    """The lists one queue page shows, each read once, when first needed: the filter sidebar and the
    bulk-assignment bar both offer departments and people, and the rows and the sidebar both name
    categories. Each list is what the form field's own queryset would give (tests compare them)."""

    @cached_property
    def categories(self) -> list[ComplaintCategory]:
        return list(ComplaintCategory.objects.select_related("parent"))  # the category filter's queryset

    @cached_property
    def category_labels(self) -> dict[int, str]:
        """Each category's label by id, "parent / child" (ComplaintCategory.__str__), for the rows."""
        return {category.pk: str(category) for category in self.categories}

    @cached_property
    def teams(self) -> list[Team]:
        return list(Team.objects.all())

    @cached_property
    def team_names(self) -> dict[int, str]:
        return {team.pk: str(team) for team in self.teams}

    def customer_names(self, ids) -> dict[int, str]:
        """The names of the customers with these ids (a page's rows): one query."""
        ids = set(ids)
        return dict(Customer.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}

    def people_names(self, ids) -> dict[int, str]:
        """How the users with these ids are shown (User.__str__), taken from the workers already
        read; anyone else (an assignee who left, or lost the role) is read, in one query."""
        known = {person.pk: person for person in self.workers}
        missing = set(ids) - known.keys()
        if missing:
            others = get_user_model().objects.filter(pk__in=missing).only("id", "username", "first_name", "last_name")
            known.update((person.pk, person) for person in others)
        return {pk: str(person) for pk, person in known.items()}

    @cached_property
    def workers(self) -> list:
        """Everyone complaints are assigned to (the bulk-assignment bar), in username order."""
        # Shown only (names and ids): the form field validates against its own queryset.
        people = get_user_model().objects.filter(is_active=True, groups__name__in=WORKER_ROLES)
        return list(people.distinct().order_by("username").only("id", "username", "first_name", "last_name"))

    @cached_property
    def assignees(self) -> list:
        """The workers in the "Assigned to" filter: those with a queue role (staff, manager)."""
        memberships = get_user_model().groups.through.objects.filter(group__name__in=QUEUE_ROLES)
        in_queue = set(memberships.values_list("user_id", flat=True))
        return [person for person in self.workers if person.pk in in_queue]


def complaint_detail(*, pk: int) -> Complaint:
    return (
        Complaint.objects.select_related(
            "customer", "contact", "assignee", "team", "category", "category__parent", "created_by", "source_visit"
        )
    ).get(pk=pk)


def complaint_events(*, complaint: Complaint, public_only: bool = False) -> QuerySet[ComplaintEvent]:
    events = complaint.events.select_related("actor")
    return events.filter(is_public=True) if public_only else events


def complaint_actions(*, complaint: Complaint) -> QuerySet[CorrectiveAction]:
    return complaint.actions.select_related("owner", "verified_by").order_by("due_date", "id")


def complaint_audit_trail(*, complaint: Complaint, limit: int = 50) -> list[AuditEvent]:
    """The complaint's own audit events and those of its corrective actions, newest first."""
    complaint_type = ContentType.objects.get_for_model(Complaint)
    action_type = ContentType.objects.get_for_model(CorrectiveAction)
    action_ids = [str(pk) for pk in complaint.actions.values_list("pk", flat=True)]
    return list(
        AuditEvent.objects.filter(
            Q(content_type=complaint_type, object_id=str(complaint.pk))
            | Q(content_type=action_type, object_id__in=action_ids)
        )
        .select_related("content_type")
        .order_by("-at", "-id")[:limit]
    )


def sla_status(complaint, now: datetime.datetime | None = None) -> str:
    """ "paused", "overdue", "due_soon", "on_time" or "" (nothing running) for badges and flags.
    `complaint`: a Complaint, or anything with its state, sla_paused_at and due date attributes."""
    now = now or timezone.now()
    if complaint.state not in OPEN_STATES:
        return ""
    if complaint.sla_paused_at is not None:
        return "paused"
    deadlines = [complaint.resolve_due_at]
    if complaint.state == State.RECEIVED:
        deadlines.append(complaint.acknowledge_due_at)
    deadlines = [d for d in deadlines if d is not None]
    if not deadlines:
        return ""
    nearest = min(deadlines)
    if nearest < now:
        return "overdue"
    if nearest - now <= WARN_BEFORE:
        return "due_soon"
    return "on_time"
