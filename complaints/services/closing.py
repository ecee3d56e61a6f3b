"""After a complaint closes (ISO 10002 8.3): ask the customer how it was handled, unless a survey
asks instead, and let the visits app schedule the follow-up contact its event plans ask for."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from core.mail import mail_send
from core.references import reference_of

from ..models import Complaint
from .status_link import complaint_recipient, complaint_status_link_issue, status_url


def complaint_follow_up_after_close(*, complaint: Complaint, actor=None) -> None:
    """Called when a complaint closes: ask for the rating (through the outbox) and let the visits app
    schedule the follow-up contact its event plans ask for (once per complaint)."""
    from visits.models import Trigger
    from visits.services import visit_schedule_for_event

    visit_schedule_for_event(
        customer=complaint.customer,
        trigger=Trigger.COMPLAINT_CLOSED,
        reference=reference_of(complaint),
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
        reference=reference_of(complaint),
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
