"""Campaign invitations, reminders and event invitations, handed to the one mail path (core.mail).

Each invitation is marked SENT and its e-mail recorded in the outbox in one transaction, batch by
batch, so a task that stops half-way loses nothing and sends nothing twice; the outbox delivers,
retries and paces. A message the outbox gives up on (refused for good, or retries exhausted) comes
back through `core.mail.mail_failed` and marks its invitation BOUNCED, for the printed channel."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.mail import mail_send
from core.references import reference_of, reference_pk, reference_text

from .. import selectors, tokens
from ..links import invitation_link, invitation_opt_out_link
from ..models import (
    Campaign,
    CampaignTrigger,
    Invitation,
)

# Invitations are read and recorded this many at a time (one transaction each).
SEND_BATCH_SIZE = 200


def _mail_record(invitation: Invitation, *, reminder: bool) -> None:
    """Record the invitation or reminder e-mail, in the recipient's language, with the opt-out link."""
    version = invitation.campaign.questionnaire_version
    opt_out_link = invitation_opt_out_link(invitation)
    mail_send(
        to=invitation.email,
        template="surveys/invitation",
        context={
            "invitation": invitation,
            "customer": invitation.customer,
            "contact": invitation.contact,
            "version": version,
            "title": version.localised("title", invitation.language),
            "link": invitation_link(invitation),
            "opt_out_link": opt_out_link,
            "reminder": reminder,
            "language": invitation.language,
        },
        language=invitation.language,
        reference=reference_of(invitation),
        headers={"List-Unsubscribe": f"<{opt_out_link}>"},
    )


def _invitations_hand_over(invitations: list[Invitation]) -> int:
    """Mark each still-INVITED invitation SENT and record its e-mail, all in one transaction; the
    conditional update lets one of two overlapping runs through. Returns how many it handed over."""
    handed = 0
    with transaction.atomic():
        now = timezone.now()
        for invitation in invitations:
            if Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.INVITED).update(
                status=Invitation.Status.SENT, sent_at=now
            ):
                _mail_record(invitation, reminder=False)
                handed += 1
    return handed


def invitation_mail_failed(*, message, reason: str, **_kwargs) -> None:
    """Receiver of core.mail.mail_failed: an invitation or reminder the outbox gave up on marks a
    not-yet-answered invitation BOUNCED with the relay's reason (the campaign page lists those)."""
    pk = reference_pk(message.reference, Invitation)
    if pk is None:
        return
    Invitation.objects.filter(pk=pk, status__in=[Invitation.Status.INVITED, Invitation.Status.SENT]).update(
        status=Invitation.Status.BOUNCED, bounce_reason=reason[:255]
    )


def _unsent(campaign: Campaign, *, after_pk: int = 0, limit: int = SEND_BATCH_SIZE) -> list[Invitation]:
    return list(
        campaign.invitations.filter(status=Invitation.Status.INVITED, pk__gt=after_pk)
        .exclude(email="")
        .select_related("customer", "contact", "campaign__questionnaire_version")
        .order_by("pk")[:limit]
    )


def campaign_send_batches(*, campaign_id: int, batch_size: int = SEND_BATCH_SIZE) -> int:
    """Hand every unsent e-mail invitation of a SENDING campaign to the outbox, batch by batch, then
    mark it RUNNING. Idempotent by state: only INVITED invitations with an e-mail are taken, each by
    a conditional update, so a task run twice sends nothing twice. Returns how many it handed over."""
    campaign = Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).first()
    if campaign is None:
        return 0
    total = 0
    last_pk = 0
    while batch := _unsent(campaign, after_pk=last_pk, limit=batch_size):
        last_pk = batch[-1].pk
        total += _invitations_hand_over(batch)
    Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).update(
        status=Campaign.Status.RUNNING, updated_at=timezone.now()
    )
    return total


def campaigns_sending_resume(*, now: datetime.datetime | None = None) -> int:
    """Enqueue the sending again for every campaign left SENDING with no progress for
    SURVEY_SEND_RESUME_AFTER_SECONDS: its task was lost (a worker killed mid-campaign; on Redis an
    unacknowledged task comes back only after the broker's visibility timeout, an hour). Progress is
    an invitation handed over (its sent_at) since the cutoff. Safe to overlap a task still running:
    campaign_send_batches hands each invitation over once (conditional update). Returns how many
    campaigns it enqueued (celery beat, every minute; a run with nothing stalled is one query)."""
    from ..tasks import campaign_send_batches_task

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.SURVEY_SEND_RESUME_AFTER_SECONDS)
    stalled = [
        campaign_id
        for campaign_id in Campaign.objects.filter(status=Campaign.Status.SENDING, sent_at__lte=cutoff).values_list(
            "pk", flat=True
        )
        if not Invitation.objects.filter(campaign_id=campaign_id, sent_at__gte=cutoff).exists()
    ]
    for campaign_id in stalled:
        campaign_send_batches_task.delay(campaign_id)
    return len(stalled)


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
    conditional update on the count it was chosen with, in the transaction that records its e-mail,
    so overlapping runs never double-send a count, an invitation completed meanwhile is not counted,
    and a counted reminder is always in the outbox (which retries it until it is sent)."""
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
        with transaction.atomic():
            for invitation in batch:
                if Invitation.objects.filter(
                    pk=invitation.pk, reminder_count=invitation.reminder_count, completed_at__isnull=True
                ).update(reminder_count=F("reminder_count") + 1, last_reminded_at=now):
                    _mail_record(invitation, reminder=True)
                    total += 1


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
        # Whatever is still unsent (this sweep's, or an earlier run's that stopped half-way).
        total += _invitations_hand_over(_unsent(campaign))
    return total
