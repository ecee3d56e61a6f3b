"""Closing the loop (ISO 10002 8.3): after closing, ask the customer how the complaint was handled,
and schedule the follow-up contact; a low rating reopens the complaint and escalates it."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.exceptions import ApplicationError
from core.mail import mail_send
from core.models import AuditEvent

from ..models import Action, Complaint, ComplaintEvent, Escalation, EscalationRule, State
from .common import event_add
from .status_link import complaint_recipient, complaint_status_link_issue, status_url

# Ratings of 1 and 2 on the 1-5 scale mean "dissatisfied": the complaint is not really resolved.
LOW_RATING = 2


def complaint_follow_up_after_close(*, complaint: Complaint, actor=None) -> None:
    """Called when a complaint closes: ask for the rating (through the outbox) and let the visits app
    schedule the follow-up contact its event plans ask for ("complaint:<id>", once)."""
    from visits.models import Trigger
    from visits.services import visit_schedule_for_event

    visit_schedule_for_event(
        customer=complaint.customer,
        trigger=Trigger.COMPLAINT_CLOSED,
        reference=f"complaint:{complaint.pk}",
        actor=actor,
    )
    # Not when a running survey campaign asks after each closed complaint (surveys' event
    # campaigns): the survey's answer becomes the rating (surveys.services.response_complaint_rating),
    # and the customer is asked once.
    if complaint.satisfaction_rating is not None or not settings.COMPLAINTS_ASK_RATING_ON_CLOSE:
        return
    if _survey_asks_instead():
        return
    email, language = complaint_recipient(complaint)
    if not email:
        return
    token = complaint_status_link_issue(complaint=complaint)
    mail_send(
        to=email,
        template="complaints/satisfaction",
        context={"complaint": complaint, "status_url": status_url(token)},
        language=language,
        reference=f"complaint:{complaint.pk}",
    )


# Extension point (apps to the right do not get imported here): an app that asks the customer
# itself after a closed complaint registers a check in its AppConfig.ready(); while one answers
# True, closing sends no rating e-mail of its own. surveys registers its complaint-closed campaigns.
_rating_asked_elsewhere: list[Callable[[], bool]] = []


def rating_asked_elsewhere_register(check: Callable[[], bool]) -> None:
    if check not in _rating_asked_elsewhere:
        _rating_asked_elsewhere.append(check)


def _survey_asks_instead() -> bool:
    return any(check() for check in _rating_asked_elsewhere)


@transaction.atomic
def complaint_satisfaction_record(
    *, complaint: Complaint, rating: int, comment: str = "", now: datetime.datetime | None = None
) -> Complaint:
    """The customer's rating (1-5) of how a closed or resolved complaint was handled, once. The
    service the status page and (later) the surveys app call. A rating of LOW_RATING or less
    reopens the complaint and escalates it to the department manager."""
    now = now or timezone.now()
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ApplicationError(_("Choose a rating from 1 to 5."))
    if complaint.state not in (State.RESOLVED, State.CLOSED):
        raise ApplicationError(_("Only a resolved or closed complaint can be rated."))
    updated = Complaint.objects.filter(
        pk=complaint.pk, satisfaction_rating__isnull=True, state__in=[State.RESOLVED, State.CLOSED]
    ).update(satisfaction_rating=rating, satisfaction_comment=comment.strip()[:2000], satisfaction_at=now)
    if updated != 1:
        raise ApplicationError(_("This complaint has already been rated."))
    complaint.refresh_from_db()
    audit_record(
        actor=None,
        action=AuditEvent.Action.UPDATE,
        instance=complaint,
        changes={"satisfaction_rating": [None, rating]},
        comment=comment.strip(),
    )
    event_add(
        complaint=complaint,
        actor=None,
        kind=ComplaintEvent.Kind.NOTE,
        comment=_("Customer rated the handling %(rating)d of 5. %(comment)s") % {"rating": rating, "comment": comment},
    )
    if rating <= LOW_RATING:
        _reopen_and_escalate(complaint=complaint, rating=rating, now=now)
    return complaint


def _reopen_and_escalate(*, complaint: Complaint, rating: int, now: datetime.datetime) -> None:
    from .escalation import _notify, _recipients
    from .transitions import _transition

    _transition(
        actor=None,
        complaint=complaint,
        action=Action.REOPEN,
        comment=_("Reopened: the customer rated the handling %(rating)d of 5.") % {"rating": rating},
        now=now,
    )
    for rule in EscalationRule.objects.filter(is_active=True, deadline=EscalationRule.Deadline.LOW_SATISFACTION):
        try:
            with transaction.atomic():
                users = _recipients(complaint, rule)
                Escalation.objects.create(
                    complaint=complaint,
                    rule=rule,
                    cycle=complaint.reopen_count,
                    at=now,
                    notified=", ".join(str(u) for u in users),
                )
                event_add(
                    complaint=complaint,
                    actor=None,
                    kind=ComplaintEvent.Kind.ESCALATION,
                    comment=f"{rule.name} → {', '.join(str(u) for u in users) or '—'}",
                    at=now,
                )
                _notify(users, complaint, rule)
        except IntegrityError:
            continue
