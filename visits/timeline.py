"""Visits on the customer's timeline (customers.timeline extension point)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from customers.timeline import TimelineEntry

from .selectors import visits_visible_to


def visit_entries(customer, limit: int, *, viewer=None) -> list[TimelineEntry]:
    """The customer's visits; for a `viewer`, only those they may open (staff: theirs and their
    customers'), as on the visit pages: a line whose link answers 404 would tell what it hides."""
    visits = customer.visits.all() if viewer is None else visits_visible_to(user=viewer).filter(customer=customer)
    entries = []
    for visit in visits.select_related("assignee").order_by("-due_date", "-id")[:limit]:
        if visit.status == visit.Status.DONE:
            title = _("Visit done: %(purpose)s") % {"purpose": visit.get_purpose_display()}
            when = visit.completed_at
        elif visit.status == visit.Status.CANCELLED:
            title = _("Visit cancelled: %(purpose)s") % {"purpose": visit.get_purpose_display()}
            when = visit.updated_at
        else:
            title = _("Visit planned: %(purpose)s, due %(date)s") % {
                "purpose": visit.get_purpose_display(),
                "date": visit.due_date.isoformat(),
            }
            when = timezone.make_aware(datetime.datetime.combine(visit.due_date, datetime.time(9)))
        entries.append(
            TimelineEntry(
                at=when,
                kind="visit",
                title=title,
                detail=visit.summary[:200],
                url=visit.get_absolute_url(),
                actor=str(visit.assignee) if visit.assignee else "",
            )
        )
    return entries
