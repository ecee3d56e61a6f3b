"""Batched e-mail delivery: campaign invitations, reminders and event invitations.

One SMTP connection per batch, then a pause, so a large campaign does not flood the mail relay."""

from __future__ import annotations

import datetime
import smtplib
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.references import reference_text

from .. import selectors, tokens
from ..links import invitation_link, invitation_opt_out_link
from ..models import (
    Campaign,
    CampaignTrigger,
    Invitation,
)

# Sending: one SMTP connection per batch, then a pause, so a large campaign does not flood the mail
# relay. 200 messages per batch took ~0.4 s against a local sink (bench/surveys_bench.py).
SEND_BATCH_SIZE = 200


def _send_pause_seconds() -> float:
    return float(settings.SURVEY_SEND_PAUSE_SECONDS)


def _message(invitation: Invitation, *, reminder: bool) -> EmailMultiAlternatives:
    """The invitation or reminder e-mail, in the recipient's language, with the opt-out link."""
    with translation.override(invitation.language):
        context = {
            "invitation": invitation,
            "customer": invitation.customer,
            "contact": invitation.contact,
            "version": invitation.campaign.questionnaire_version,
            "link": invitation_link(invitation),
            "opt_out_link": invitation_opt_out_link(invitation),
            "reminder": reminder,
            "language": invitation.language,
        }
        title = invitation.campaign.questionnaire_version.localised("title", invitation.language)
        subject = (_("Reminder: %(title)s") if reminder else "%(title)s") % {"title": title}
        body = render_to_string("emails/survey_invitation.txt", context)
        html = render_to_string("emails/survey_invitation.html", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.extra_headers["List-Unsubscribe"] = f"<{context['opt_out_link']}>"
    return message


# A refused recipient is a bounce; anything else from the mail relay (unreachable, dropped
# connection) stops the batch so the task retries later, instead of marking everyone bounced.
BOUNCE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError, ValueError)


def _deliver(invitations: list[Invitation], *, reminder: bool) -> tuple[list[int], dict[int, str], OSError | None]:
    """Send the batch over one connection; returns (sent ids, {bounced id: reason}, the relay
    failure that stopped the batch or None)."""
    sent: list[int] = []
    bounced: dict[int, str] = {}
    failure: OSError | None = None
    connection = get_connection()
    try:
        connection.open()
        for invitation in invitations:
            message = _message(invitation, reminder=reminder)  # a template error is a bug, not a bounce
            try:
                connection.send_messages([message])
            except BOUNCE_ERRORS as error:
                bounced[invitation.pk] = str(error)[:255] or error.__class__.__name__
            except OSError as error:
                failure = error
                break
            else:
                sent.append(invitation.pk)
    except OSError as error:
        failure = error
    finally:
        try:
            connection.close()
        except OSError:
            pass
    return sent, bounced, failure


def campaign_send_batches(*, campaign_id: int, batch_size: int = SEND_BATCH_SIZE) -> int:
    """Send every unsent e-mail invitation of a SENDING campaign, batch by batch, then mark it
    RUNNING. Idempotent by state: only INVITED invitations with an e-mail are sent, and each is
    marked SENT by a conditional update, so a task run twice sends nothing twice."""
    campaign = Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).first()
    if campaign is None:
        return 0
    total = 0
    last_pk = 0
    while True:
        batch = list(
            campaign.invitations.filter(status=Invitation.Status.INVITED, pk__gt=last_pk)
            .exclude(email="")
            .select_related("customer", "contact", "campaign__questionnaire_version")
            .order_by("pk")[:batch_size]
        )
        if not batch:
            break
        last_pk = batch[-1].pk
        sent, bounced, failure = _deliver(batch, reminder=False)
        now = timezone.now()
        Invitation.objects.filter(pk__in=sent, status=Invitation.Status.INVITED).update(
            status=Invitation.Status.SENT, sent_at=now
        )
        for pk, reason in bounced.items():
            Invitation.objects.filter(pk=pk, status=Invitation.Status.INVITED).update(
                status=Invitation.Status.BOUNCED, bounce_reason=reason
            )
        total += len(sent)
        if failure is not None:
            raise failure  # what was sent is recorded; the task retries the rest
        if len(batch) == batch_size:
            time.sleep(_send_pause_seconds())
    Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).update(
        status=Campaign.Status.RUNNING, updated_at=timezone.now()
    )
    return total


def invitation_reminders_due(*, now: datetime.datetime | None = None):
    """Invitations to remind now: running campaign, sent but not completed (or bounced), link still
    open, fewer reminders than the campaign's maximum, the last message at least the campaign's
    interval ago, and the contact has not opted out."""
    now = now or timezone.now()
    # One cutoff per running campaign (its own interval), OR-ed: a handful of campaigns run at once.
    due = Q(pk__in=[])
    for campaign_id, interval in Campaign.objects.filter(status=Campaign.Status.RUNNING).values_list(
        "pk", "reminder_interval_days"
    ):
        cutoff = now - datetime.timedelta(days=interval)
        due |= Q(campaign_id=campaign_id) & (
            Q(last_reminded_at__isnull=True, sent_at__lte=cutoff) | Q(last_reminded_at__lte=cutoff)
        )
    return (
        Invitation.objects.filter(due)
        .filter(
            status__in=[Invitation.Status.SENT, Invitation.Status.OPENED, Invitation.Status.STARTED],
            expires_at__gt=now,
            reminder_count__lt=F("campaign__reminder_max"),
            contact__survey_consent=True,
            contact__consent_withdrawn_at__isnull=True,
        )
        .exclude(email="")
    )


def invitation_reminders_send(*, now: datetime.datetime | None = None, batch_size: int = SEND_BATCH_SIZE) -> int:
    """Remind non-responders (see invitation_reminders_due). Each reminder is counted by a
    conditional update on the count it was chosen with, so overlapping runs never double-send a
    count, and an invitation completed meanwhile is not counted."""
    now = now or timezone.now()
    total = 0
    last_pk = 0
    while True:
        batch = list(
            invitation_reminders_due(now=now)
            .filter(pk__gt=last_pk)
            .select_related("customer", "contact", "campaign__questionnaire_version")
            .order_by("pk")[:batch_size]
        )
        if not batch:
            return total
        last_pk = batch[-1].pk
        claimed = []
        for invitation in batch:
            updated = Invitation.objects.filter(
                pk=invitation.pk, reminder_count=invitation.reminder_count, completed_at__isnull=True
            ).update(reminder_count=F("reminder_count") + 1, last_reminded_at=now)
            if updated:
                claimed.append(invitation)
        sent, bounced, failure = _deliver(claimed, reminder=True)
        total += len(sent)
        if failure is not None:
            # Give back the count of the reminders that did not go out, then let the task retry.
            for invitation in claimed:
                if invitation.pk not in sent and invitation.pk not in bounced:
                    Invitation.objects.filter(pk=invitation.pk, reminder_count=invitation.reminder_count + 1).update(
                        reminder_count=invitation.reminder_count, last_reminded_at=invitation.last_reminded_at
                    )
            raise failure


# An event link stays open two weeks (or until the campaign closes); a customer asked after one
# event is not asked again after another within a week (a complaint and its follow-up visit).
EVENT_LINK_DAYS = 14


EVENT_QUIET_DAYS = 7


def _events_since(campaign: Campaign, now: datetime.datetime) -> list[tuple[str, int]]:
    """(source, customer id) of the recent events of the campaign's kind: since it was sent, and
    within the quiet period (an older event is not worth asking about any more)."""
    since = max(campaign.sent_at or now, now - datetime.timedelta(days=EVENT_QUIET_DAYS))
    if campaign.trigger == CampaignTrigger.VISIT_DONE:
        from visits.models import Visit

        rows = Visit.objects.filter(
            status=Visit.Status.DONE, completed_at__gte=since, completed_at__lte=now
        ).values_list("pk", "customer_id")
        return [(reference_text(Visit, pk), customer_id) for pk, customer_id in rows]
    if campaign.trigger == CampaignTrigger.COMPLAINT_CLOSED:
        from complaints.models import Complaint, State

        closed = Complaint.objects.filter(state=State.CLOSED, closed_at__gte=since, closed_at__lte=now).values_list(
            "pk", "customer_id"
        )
        return [(reference_text(Complaint, pk), customer_id) for pk, customer_id in closed]
    return []


def event_invitations_send(*, now: datetime.datetime | None = None) -> int:
    """Invite the customers of new events into the running event campaigns, and e-mail them.

    Idempotent: an event invites once per campaign (unique source), so a sweep that runs twice, or
    overlaps, adds nothing. Opt-outs and the quiet period are respected."""
    now = now or timezone.now()
    total = 0
    campaigns = Campaign.objects.filter(
        status=Campaign.Status.RUNNING, closes_at__gt=now, sent_at__isnull=False
    ).exclude(trigger="")
    for campaign in campaigns:
        known = set(campaign.invitations.exclude(source="").values_list("source", flat=True))
        events = [(source, customer_id) for source, customer_id in _events_since(campaign, now) if source not in known]
        recent = set(
            Invitation.objects.filter(
                customer_id__in={c for _s, c in events}, created_at__gte=now - datetime.timedelta(days=EVENT_QUIET_DAYS)
            ).values_list("customer_id", flat=True)
        )
        contacts = selectors.contact_for_survey(sorted({c for _s, c in events}))
        expires_at = min(campaign.closes_at, now + datetime.timedelta(days=EVENT_LINK_DAYS))
        for source, customer_id in events:
            contact = contacts.get(customer_id)
            if contact is None or customer_id in recent:
                continue
            recent.add(customer_id)
            salt = tokens.salt_new()
            invitation = Invitation(
                campaign=campaign,
                customer_id=customer_id,
                contact=contact,
                source=source,
                token_salt=salt,
                token_hash=tokens.token_hash(tokens.token_for(salt)),
                language=contact.preferred_language or "zh-hans",
                email=contact.email,
                expires_at=expires_at,
            )
            try:
                with transaction.atomic():
                    invitation.save()
            except IntegrityError:  # another sweep got there first
                continue
        # Whatever is still unsent (this sweep's, or an earlier one's that met a relay outage).
        to_send = list(
            campaign.invitations.filter(status=Invitation.Status.INVITED)
            .exclude(email="")
            .select_related("customer", "contact", "campaign__questionnaire_version")
            .order_by("pk")[:SEND_BATCH_SIZE]
        )
        sent, bounced, failure = _deliver(to_send, reminder=False)
        Invitation.objects.filter(pk__in=sent, status=Invitation.Status.INVITED).update(
            status=Invitation.Status.SENT, sent_at=timezone.now()
        )
        for pk, reason in bounced.items():
            Invitation.objects.filter(pk=pk).update(status=Invitation.Status.BOUNCED, bounce_reason=reason)
        total += len(sent)
        if failure is not None:
            raise failure  # the invitations exist; the campaign's page lists them for the printed channel
    return total
