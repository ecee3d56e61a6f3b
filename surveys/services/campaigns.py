"""Campaigns: create (from a plan or a segment, or triggered by events), send, close, the open link."""

from __future__ import annotations

import datetime

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.exceptions import ApplicationError
from core.models import AuditEvent
from customers.models import SatisfactionDimension, Segment

from .. import selectors, tokens
from ..links import campaign_open_token
from ..models import (
    Campaign,
    CampaignTrigger,
    Invitation,
    MeasurementPlan,
    Question,
    QuestionnaireKind,
    QuestionnaireVersion,
)
from .common import audit_created, require_manager


def _complaint_handling_only() -> str:
    return _(
        "A complaint-handling questionnaire asks about a complaint: send it only after each closed "
        "complaint, not to customers without one."
    )


def _is_complaint_handling(version: QuestionnaireVersion) -> bool:
    return QuestionnaireVersion.objects.filter(
        pk=version.pk, questionnaire__kind=QuestionnaireKind.COMPLAINT_HANDLING
    ).exists()


@transaction.atomic
def campaign_create(
    *,
    actor,
    name: str,
    version: QuestionnaireVersion,
    closes_at: datetime.datetime,
    plan: MeasurementPlan | None = None,
    segment: Segment | None = None,
    reminder_max: int = 2,
    reminder_interval_days: int = 7,
    satisfied_threshold: int = 75,
    alert_threshold: int = 50,
    trigger: str = "",
    close_after_responses: int | None = None,
    now: datetime.datetime | None = None,
) -> Campaign:
    """A campaign with one personal invitation per customer of the plan's sample or the segment,
    or an event campaign (`trigger`) that invites each customer after the event while it runs.

    Preconditions: exactly one of plan, segment or trigger; the version has questions; links
    expire in the future. Customers without a surveyable contact, or surveyed within the contact
    interval (the plan's, or 30 days for a segment), are left out. Running a campaign freezes its
    plan. A complaint-handling questionnaire goes only to customers after their closed complaint
    (the "after each closed complaint" event). `close_after_responses`: the campaign closes itself
    once it has that many responses.
    """
    require_manager(actor, "surveys.add_campaign")
    now = now or timezone.now()
    if sum(1 for source in (plan, segment, trigger) if source) != 1:
        raise ApplicationError(_("Send the campaign to a plan's sample, to a segment, or after an event."))
    if trigger and trigger not in CampaignTrigger.values:
        raise ApplicationError(_("Unknown event."))
    if _is_complaint_handling(version) and trigger != CampaignTrigger.COMPLAINT_CLOSED:
        raise ApplicationError(_complaint_handling_only())
    if close_after_responses is not None and close_after_responses < 1:
        raise ApplicationError(_("A campaign closes after one response at the least."))
    if not version.questions.exists():
        raise ApplicationError(_("The questionnaire has no questions."))
    if closes_at <= now:
        raise ApplicationError(_("The links must expire in the future."))
    if not name.strip():
        raise ApplicationError(_("Give the campaign a name."))
    settings_given = {
        "name": name.strip(),
        "questionnaire_version": version,
        "created_by": actor,
        "closes_at": closes_at,
        "reminder_max": reminder_max,
        "reminder_interval_days": reminder_interval_days,
        "satisfied_threshold": satisfied_threshold,
        "alert_threshold": alert_threshold,
        "close_after_responses": close_after_responses,
    }
    if trigger:
        campaign = Campaign.objects.create(trigger=trigger, **settings_given)
        audit_created(actor, campaign)
        return campaign
    if plan is not None:
        sample = selectors.plan_sample(plan=plan, now=now)
        strata = {customer_id: sample.strata[customer_id] for customer_id in sample.customer_ids}
        customer_ids = sample.customer_ids
        population_size, sample_size = sample.population, sample.size
    elif segment is not None:  # the one source left (checked above)
        try:
            customer_ids = selectors.segment_population(segment=segment, interval_days=30, now=now)
        except selectors.InvalidCriteria:
            raise ApplicationError(_("The segment's filters are no longer valid."))
        strata = dict.fromkeys(customer_ids, segment.pk)
        population_size, sample_size = len(customer_ids), None
    if not customer_ids:
        raise ApplicationError(
            _(
                "No customer can be surveyed: nobody in the population has a consenting contact, or all were surveyed recently."
            )
        )
    campaign = Campaign.objects.create(
        plan=plan, segment=segment, population_size=population_size, sample_size=sample_size, **settings_given
    )
    contacts = selectors.contact_for_survey(customer_ids)
    invitations = []
    for customer_id in customer_ids:
        contact = contacts.get(customer_id)
        if contact is None:  # consent withdrawn since the population was read
            continue
        salt = tokens.salt_new()
        invitations.append(
            Invitation(
                campaign=campaign,
                customer_id=customer_id,
                contact=contact,
                segment_id=strata.get(customer_id),
                token_salt=salt,
                token_hash=tokens.token_hash(tokens.token_for(salt)),
                language=contact.preferred_language or "zh-hans",
                email=contact.email,
                expires_at=closes_at,
            )
        )
    Invitation.objects.bulk_create(invitations, batch_size=2000)
    if plan is not None:
        MeasurementPlan.objects.filter(pk=plan.pk, frozen_at__isnull=True).update(frozen_at=now)
    audit_created(actor, campaign)
    return campaign


@transaction.atomic
def campaign_send(*, actor, campaign: Campaign) -> Campaign:
    """Start sending a draft campaign: locks the questionnaire version and queues the batches."""
    require_manager(actor, "surveys.change_campaign")
    now = timezone.now()
    updated = Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.DRAFT).update(
        status=Campaign.Status.SENDING, sent_at=now, updated_at=now
    )
    if updated != 1:
        raise ApplicationError(_("This campaign has already been sent."))
    QuestionnaireVersion.objects.filter(pk=campaign.questionnaire_version_id, sent_at__isnull=True).update(sent_at=now)
    version_weights_freeze(version_id=campaign.questionnaire_version_id)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        instance=campaign,
        changes={"status": [Campaign.Status.DRAFT, Campaign.Status.SENDING]},
    )
    from ..tasks import campaign_send_batches_task

    transaction.on_commit(lambda: campaign_send_batches_task.delay(campaign.pk))
    campaign.refresh_from_db()
    return campaign


@transaction.atomic
def campaign_close(*, actor, campaign: Campaign) -> Campaign:
    require_manager(actor, "surveys.change_campaign")
    if not _close(campaign=campaign, actor=actor, now=timezone.now()):
        raise ApplicationError(_("This campaign is already closed."))
    campaign.refresh_from_db()
    return campaign


def _close(*, campaign: Campaign, actor, now: datetime.datetime, comment: str = "") -> bool:
    """Close the campaign once (a conditional UPDATE: of two closers one wins) and end its links.
    False when it was closed already. Runs in the caller's transaction."""
    before = Campaign.objects.filter(pk=campaign.pk).values_list("status", flat=True).first()
    updated = Campaign.objects.filter(
        pk=campaign.pk, status__in=[Campaign.Status.RUNNING, Campaign.Status.SENDING, Campaign.Status.DRAFT]
    ).update(status=Campaign.Status.CLOSED, closed_at=now, updated_at=now)
    if updated != 1:
        return False
    # Closing ends the links too: nobody answers a closed campaign.
    Invitation.objects.filter(campaign_id=campaign.pk, expires_at__gt=now).update(expires_at=now)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        instance=campaign,
        changes={"status": [before, Campaign.Status.CLOSED]},
        comment=comment,
    )
    return True


def campaigns_close_due(*, now: datetime.datetime | None = None) -> int:
    """Close every campaign collecting answers whose end date (links expire at) has passed; the
    number closed. Idempotent by state: a closed campaign is not closed again, so a run repeated
    or overlapping another does nothing more (celery beat, every 5 minutes)."""
    now = now or timezone.now()
    closed = 0
    due = Campaign.objects.filter(
        status__in=[Campaign.Status.RUNNING, Campaign.Status.SENDING], closes_at__lte=now
    ).order_by("pk")
    for campaign in due.only("pk", "name"):
        with transaction.atomic():
            closed += _close(campaign=campaign, actor=None, now=now, comment="end date reached")
    return closed


def campaign_close_if_full(*, campaign: Campaign) -> bool:
    """Close a campaign that asked to close after N responses once it has them (its answer paths
    call this after each stored response). True when this call closed it."""
    limit = campaign.close_after_responses
    if not limit or campaign.responses.count() < limit:
        return False
    with transaction.atomic():
        return _close(campaign=campaign, actor=None, now=timezone.now(), comment=f"{limit} responses reached")


def version_weights_freeze(*, version_id: int) -> int:
    """Record on each question of a version the dimension weight in force now (once: a version's
    first sending), so its figures never move when a manager reweights the dimension later."""
    return Question.objects.filter(
        version_id=version_id, weight__isnull=True, frozen_weight__isnull=True, dimension__isnull=False
    ).update(
        frozen_weight=models.Subquery(
            SatisfactionDimension.objects.filter(pk=models.OuterRef("dimension_id")).values("weight")[:1]
        )
    )


def campaign_open_link_set(*, actor, campaign: Campaign, enabled: bool) -> Campaign:
    """Turn the campaign's anonymous open link on or off. Turning it on the first time draws the
    salt of its token (kept when turned off and on again, so printed QR codes keep working)."""
    if enabled and campaign.status == Campaign.Status.CLOSED:
        raise ApplicationError(_("A closed campaign cannot open a link."))
    if enabled and _is_complaint_handling(campaign.questionnaire_version):
        raise ApplicationError(_complaint_handling_only())
    before = campaign.open_link
    campaign.open_link = enabled
    fields = ["open_link", "updated_at"]
    if enabled and not campaign.open_token_salt:
        campaign.open_token_salt = tokens.salt_new()
        campaign.open_token_hash = tokens.token_hash(campaign_open_token(campaign))
        fields += ["open_token_salt", "open_token_hash"]
    with transaction.atomic():
        campaign.save(update_fields=fields)
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, instance=campaign, changes={"open_link": [before, enabled]}
        )
    return campaign
