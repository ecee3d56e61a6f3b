"""Closing the loop: a low score alerts the customer's owner (a complaint and a follow-up visit), and
the complaint-handling survey's answer becomes the complaint's rating."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.access import can
from complaints.models import Complaint
from core.audit import audit_record
from core.exceptions import ApplicationError
from core.mail import mail_send
from core.models import AuditEvent
from core.references import reference_of, reference_pk
from customers.models import Customer

from .. import scoring
from ..models import (
    Campaign,
    CampaignTrigger,
    Response,
)
from .common import logger


def response_is_about_a_complaint(source: str) -> bool:
    """Whether an invitation's source (its triggering event) is a closed complaint."""
    return reference_pk(source, Complaint) is not None


def complaint_survey_running(*, now: datetime.datetime | None = None) -> bool:
    """Whether a running campaign asks every customer after a closed complaint: the complaints app
    then leaves the asking to it (ISO 10002 8.3 through the survey mechanism) and sends no rating
    e-mail of its own, so no customer is asked twice."""
    now = now or timezone.now()
    return Campaign.objects.filter(
        trigger=CampaignTrigger.COMPLAINT_CLOSED, status=Campaign.Status.RUNNING, closes_at__gt=now
    ).exists()


def complaint_rating_from_index(csi: Decimal) -> int:
    """The survey's satisfaction index (0-100) on the complaint's 1-5 rating scale: the inverse of
    the index's own normalisation of a 1-5 answer (1 -> 0, 3 -> 50, 5 -> 100), rounded half up."""
    return max(1, min(5, int(Decimal(1) + csi / Decimal(25) + Decimal("0.5"))))


def response_complaint_rating(*, response_id: int) -> None:
    """Record the answer to a survey sent after a closed complaint as that complaint's satisfaction
    rating (complaints.services.complaint_satisfaction_record): a low one reopens and escalates the
    complaint itself. Once: the complaint refuses a second rating; a complaint rated already (on its
    status page) or reopened since keeps what it has."""
    from complaints.services import complaint_satisfaction_record

    response = Response.objects.select_related("invitation").filter(pk=response_id).first()
    if response is None or response.invitation is None or response.csi is None:
        return
    source = response.invitation.source
    complaint_pk = reference_pk(source, Complaint)
    complaint = Complaint.objects.filter(pk=complaint_pk).first() if complaint_pk else None
    if complaint is None:
        return
    rating = complaint_rating_from_index(response.csi)
    try:
        complaint_satisfaction_record(
            complaint=complaint,
            rating=rating,
            comment=_("From survey response #%(id)s (satisfaction index %(csi)s).")
            % {"id": response.pk, "csi": response.csi},
        )
    except ApplicationError as refused:
        logger.info("survey response %s: complaint %s not rated: %s", response.pk, complaint.pk, refused.message)


def response_needs_alert(*, response: Response, campaign: Campaign) -> bool:
    low = response.csi is not None and response.csi < campaign.alert_threshold
    return low or scoring.is_detractor(response.nps_score)


def response_alert(*, response_id: int) -> Response | None:
    """Alert the account manager about a low score or a detractor and open a complaint, linked to
    the response. Once: the conditional update on `alerted_at` lets only one run through, so a
    task delivered twice opens one complaint."""
    now = timezone.now()
    with transaction.atomic():
        if not Response.objects.filter(pk=response_id, alerted_at__isnull=True).update(alerted_at=now):
            return None
        response = Response.objects.select_related(
            "customer__owner", "contact", "campaign__created_by", "invitation"
        ).get(pk=response_id)
        if not response_needs_alert(response=response, campaign=response.campaign):
            return response
        customer: Customer | None = response.customer
        # An anonymous answer (open link) has no customer to complain for or to visit: the
        # campaign's author is alerted and reads it. An answer about a closed complaint opens no
        # second complaint: its rating reopens the complaint it is about
        # (response_complaint_rating).
        about_complaint = response.invitation is not None and response_is_about_a_complaint(response.invitation.source)
        actor = _complaint_actor(response) if customer is not None and not about_complaint else None
        if actor is not None and customer is not None:
            from complaints.models import Channel
            from complaints.services import complaint_open

            with translation.override(settings.LANGUAGE_CODE):
                subject = _("Low satisfaction in survey “%(campaign)s”") % {"campaign": response.campaign.name}
                description = _response_summary(response)
            complaint = complaint_open(
                actor=actor,
                customer=customer,
                contact=response.contact,
                channel=Channel.WEB_FORM,
                subject=subject[:200],
                description=description,
                received_at=response.submitted_at,
            )
            Response.objects.filter(pk=response.pk, complaint__isnull=True).update(complaint=complaint)
            response.complaint = complaint
        # The follow-up task: the visits app creates the visits its "after a low survey score"
        # plans ask for, once per response (its reference is unique per plan).
        from visits.models import Trigger
        from visits.services import visit_schedule_for_event

        visits = (
            visit_schedule_for_event(
                customer=customer,
                trigger=Trigger.LOW_SURVEY_SCORE,
                reference=f"survey_response:{response.pk}",
                actor=actor,
            )
            if customer is not None
            else []
        )
        audit_record(
            actor=None,
            action=AuditEvent.Action.TRANSITION,
            instance=response,
            changes={
                "alerted_at": [None, str(now)],
                "complaint": [None, str(response.complaint or "")],
                "follow_up_visits": [None, len(visits)],
            },
            comment="closed loop",
        )
    _alert_owner(response, visits=len(visits))
    return response


def _complaint_actor(response: Response):
    """Who records the complaint: the account manager, else the campaign's author, if allowed."""
    for user in (response.customer.owner if response.customer else None, response.campaign.created_by):
        if user is not None and user.is_active and can(user, "complaints.add_complaint"):
            return user
    return None


def _response_summary(response: Response) -> str:
    lines = [
        _("Survey response of %(date)s.")
        % {"date": timezone.localtime(response.submitted_at).strftime("%Y-%m-%d %H:%M")}
    ]
    if response.csi is not None:
        lines.append(_("Satisfaction index: %(csi)s / 100") % {"csi": response.csi})
    if response.nps_score is not None:
        lines.append(_("Likelihood to recommend: %(score)s / 10") % {"score": response.nps_score})
    for answer in response.answers.select_related("question").exclude(text=""):
        lines.append(f"{answer.question.localised('text')}: {answer.text}")
    return "\n".join(lines)


def _alert_owner(response: Response, *, visits: int = 0) -> None:
    account_manager = response.customer.owner if response.customer else None
    recipients = [u.email for u in (account_manager, response.campaign.created_by) if u and u.email]
    if not recipients:
        return
    owner = account_manager or response.campaign.created_by
    language = getattr(owner, "preferred_language", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        summary = _response_summary(response)
    # Through the outbox, in the transaction that recorded the complaint: an outage of the relay or
    # the broker delays the alert, it no longer loses it.
    mail_send(
        to=sorted(set(recipients)),
        template="surveys/alert",
        context={
            "respondent": str(response.respondent),
            "summary": summary,
            "complaint_reference": response.complaint.reference if response.complaint is not None else "",
            "visits": visits,
        },
        language=language,
        reference=reference_of(response),
    )
