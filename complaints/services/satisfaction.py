"""The customer's rating of how a complaint was handled (ISO 10002 8.3): recorded once; a low rating
reopens the complaint and escalates it with the same step as the deadline sweep."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.exceptions import ApplicationError
from core.models import AuditEvent
from core.text import control_characters_strip

from ..event_text import Message
from ..models import Action, Complaint, ComplaintEvent, EscalationRule, State
from .common import event_add
from .escalation import complaint_escalate
from .transitions import transition_apply

# Ratings of 1 and 2 on the 1-5 scale mean "dissatisfied": the complaint is not really resolved.
LOW_RATING = 2


@transaction.atomic
def complaint_satisfaction_record(
    *, complaint: Complaint, rating: int, comment: str = "", now: datetime.datetime | None = None
) -> Complaint:
    """The customer's rating (1-5) of how a closed or resolved complaint was handled, once. The
    service the status page and the surveys app's complaint-handling survey call. A rating of LOW_RATING or less
    reopens the complaint and escalates it to the department manager."""
    now = now or timezone.now()
    # The comment is typed by the public: a NUL in it would make PostgreSQL refuse the whole rating.
    comment = control_characters_strip(comment).strip()[:2000]
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ApplicationError(_("Choose a rating from 1 to 5."))
    if complaint.state not in (State.RESOLVED, State.CLOSED):
        raise ApplicationError(_("Only a resolved or closed complaint can be rated."))
    updated = Complaint.objects.filter(
        pk=complaint.pk, satisfaction_rating__isnull=True, state__in=[State.RESOLVED, State.CLOSED]
    ).update(satisfaction_rating=rating, satisfaction_comment=comment, satisfaction_at=now)
    if updated != 1:
        raise ApplicationError(_("This complaint has already been rated."))
    complaint.refresh_from_db()
    audit_record(
        actor=None,
        action=AuditEvent.Action.UPDATE,
        instance=complaint,
        changes={"satisfaction_rating": [None, rating]},
        comment=comment,
    )
    event_add(
        complaint=complaint,
        actor=None,
        kind=ComplaintEvent.Kind.NOTE,
        message=Message.RATED,
        parameters={"rating": rating, "comment": comment.strip()},
    )
    if rating <= LOW_RATING:
        _reopen_and_escalate(complaint=complaint, rating=rating, now=now)
    return complaint


def _reopen_and_escalate(*, complaint: Complaint, rating: int, now: datetime.datetime) -> None:
    transition_apply(
        actor=None,
        complaint=complaint,
        action=Action.REOPEN,
        message=Message.REOPENED_BY_RATING,
        parameters={"rating": rating},
        now=now,
    )
    for rule in EscalationRule.objects.filter(is_active=True, deadline=EscalationRule.Deadline.LOW_SATISFACTION):
        complaint_escalate(complaint=complaint, rule=rule, now=now)
