"""Every write of the surveys app: plans, questionnaires, campaigns, sending, answering, closed loop.

Managers' writes take an `actor` and are audited. The customer's own writes (opening, autosave,
submission, opt-out) come through an unguessable token and are audited as the system.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
import secrets
import smtplib
import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_record, diff, snapshot
from core.exceptions import ApplicationError
from core.links import site_url
from core.models import AuditEvent
from customers.models import Contact, Customer, SatisfactionDimension, Segment

from . import answering, interchange, scoring, selectors, tokens
from .models import (
    QUESTION_EDITABLE_FIELDS,
    Answer,
    Campaign,
    CampaignTrigger,
    Invitation,
    MeasurementPlan,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    Response,
)

logger = logging.getLogger(__name__)

# Sending: one SMTP connection per batch, then a pause, so a large campaign does not flood the mail
# relay. 200 messages per batch took ~0.4 s against a local sink (bench/surveys_bench.py).
SEND_BATCH_SIZE = 200


def _send_pause_seconds() -> float:
    return float(getattr(settings, "SURVEY_SEND_PAUSE_SECONDS", 1.0))


def _require_manager(actor, perm: str) -> None:
    if getattr(actor, "is_read_only", True) or not actor.has_perm(perm):
        raise ApplicationError(_("You are not allowed to change surveys."))


def _created(actor, instance) -> None:
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        instance=instance,
        changes={k: [None, v] for k, v in snapshot(instance).items() if v not in (None, "", [], {})},
    )


# -- measurement plans -------------------------------------------------------------------------------

PLAN_FIELDS = (
    "name",
    "period_start",
    "period_end",
    "objective",
    "method",
    "frequency",
    "owner",
    "margin_of_error",
    "confidence_level",
    "stratified",
    "contact_interval_days",
)


@transaction.atomic
def plan_create(*, actor, data: dict[str, Any], segments: list[Segment]) -> MeasurementPlan:
    _require_manager(actor, "surveys.add_measurementplan")
    if not segments:
        raise ApplicationError(_("Choose at least one segment as the population."))
    plan = MeasurementPlan(seed=secrets.randbits(48), **{k: v for k, v in data.items() if k in PLAN_FIELDS})
    plan.full_clean()
    plan.save()
    plan.segments.set(segments)
    _created(actor, plan)
    return plan


@transaction.atomic
def plan_update(*, actor, plan: MeasurementPlan, data: dict[str, Any], segments: list[Segment]) -> MeasurementPlan:
    """Preconditions: the plan is not frozen (no campaign has run from it)."""
    _require_manager(actor, "surveys.change_measurementplan")
    if MeasurementPlan.objects.filter(pk=plan.pk, frozen_at__isnull=False).exists():
        raise ApplicationError(_("This plan is frozen: a campaign has run from it. Make a new plan."))
    if not segments:
        raise ApplicationError(_("Choose at least one segment as the population."))
    before = snapshot(plan)
    before_segments = sorted(plan.segments.values_list("name", flat=True))
    for key, value in data.items():
        if key in PLAN_FIELDS:
            setattr(plan, key, value)
    plan.full_clean()
    plan.save()
    plan.segments.set(segments)
    changes = diff(before, snapshot(plan))
    after_segments = sorted(s.name for s in segments)
    if after_segments != before_segments:
        changes["segments"] = [before_segments, after_segments]
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=plan, changes=changes)
    return plan


# -- questionnaires ----------------------------------------------------------------------------------


def _interchange_models() -> dict:
    return {
        "QuestionnaireVersion": QuestionnaireVersion,
        "Question": Question,
        "SatisfactionDimension": SatisfactionDimension,
    }


@transaction.atomic
def questionnaire_import(*, actor, raw: bytes | str) -> QuestionnaireVersion:
    """Import a questionnaire file: a new questionnaire, or a new version of the one with that code.
    Bad input raises InvalidQuestionnaire with every problem listed, and changes nothing."""
    _require_manager(actor, "surveys.add_questionnaireversion")
    data = interchange.parse(raw)
    interchange.validate(data, dimension_codes=set(SatisfactionDimension.objects.values_list("code", flat=True)))
    questionnaire, created = Questionnaire.objects.get_or_create(
        code=data["code"].strip(),
        defaults={
            "name": data["name"].strip(),
            "kind": data.get("kind")
            if data.get("kind") in dict(Questionnaire._meta.get_field("kind").choices)
            else "custom",
            "description": data.get("description", ""),
            "created_by": actor,
        },
    )
    if created:
        _created(actor, questionnaire)
    number = (questionnaire.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = interchange.version_build(
        data, questionnaire=questionnaire, number=number, created_by=actor, models=_interchange_models()
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        instance=version,
        changes={"questions": [None, len(data["questions"])]},
    )
    return version


@transaction.atomic
def questionnaire_version_derive(*, actor, version: QuestionnaireVersion) -> QuestionnaireVersion:
    """A new draft version, a copy of `version`, to edit while the sent one stays as it was."""
    _require_manager(actor, "surveys.add_questionnaireversion")
    questionnaire = Questionnaire.objects.select_for_update().get(pk=version.questionnaire_id)
    number = questionnaire.versions.order_by("-number").values_list("number", flat=True).first() + 1
    new = interchange.version_build(
        interchange.version_export(version),
        questionnaire=questionnaire,
        number=number,
        created_by=actor,
        models=_interchange_models(),
    )
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, instance=new, comment=f"copy of version {version.number}"
    )
    return new


def _require_draft(version: QuestionnaireVersion) -> None:
    if QuestionnaireVersion.objects.filter(pk=version.pk, sent_at__isnull=False).exists():
        raise ApplicationError(_("This version has been sent and can no longer change. Make a new version to edit."))


@transaction.atomic
def question_add(*, actor, version: QuestionnaireVersion, data: dict[str, Any]) -> Question:
    _require_manager(actor, "surveys.change_questionnaireversion")
    _require_draft(version)
    position = (version.questions.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    question = Question(version=version, position=position, **data)
    if question.kind == QuestionKind.NPS:
        question.scale_max = 10
    question.full_clean()
    question.save()
    _created(actor, question)
    return question


VERSION_EDITABLE_FIELDS = ("title_en", "title_zh", "intro_en", "intro_zh")


@transaction.atomic
def question_update(*, actor, question: Question, data: dict[str, Any]) -> Question:
    """Change a question of a draft version (a sent version is locked: derive a new one)."""
    _require_manager(actor, "surveys.change_questionnaireversion")
    _require_draft(question.version)
    before = snapshot(question)
    for field, value in data.items():
        if field in QUESTION_EDITABLE_FIELDS:
            setattr(question, field, value)
    if question.kind == QuestionKind.NPS:
        question.scale_max = 10
    if question.condition_question_id == question.pk:
        raise ApplicationError(_("A question cannot depend on itself."))
    question.full_clean()
    question.save()
    changes = diff(before, snapshot(question))
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=question, changes=changes)
    return question


@transaction.atomic
def question_move(*, actor, question: Question, offset: int) -> None:
    """Move a question of a draft version up (offset -1) or down (+1)."""
    _require_manager(actor, "surveys.change_questionnaireversion")
    _require_draft(question.version)
    ordered = list(question.version.questions.order_by("position", "pk"))
    index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
    target = index + offset
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered):
        if item.position != position:
            Question.objects.filter(pk=item.pk).update(position=position)
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=question, changes={"position": [index, target]})


@transaction.atomic
def version_update(*, actor, version: QuestionnaireVersion, data: dict[str, Any]) -> QuestionnaireVersion:
    """Change a draft version's title and introduction."""
    _require_manager(actor, "surveys.change_questionnaireversion")
    _require_draft(version)
    before = snapshot(version, VERSION_EDITABLE_FIELDS)
    for field in VERSION_EDITABLE_FIELDS:
        if field in data:
            setattr(version, field, data[field])
    version.full_clean(validate_constraints=False)
    version.save()
    changes = diff(before, snapshot(version, VERSION_EDITABLE_FIELDS))
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=version, changes=changes)
    return version


@transaction.atomic
def question_delete(*, actor, question: Question) -> None:
    _require_manager(actor, "surveys.change_questionnaireversion")
    _require_draft(question.version)
    if question.dependent_questions.exists():
        raise ApplicationError(_("Other questions are asked depending on this one; remove their condition first."))
    audit_record(
        actor=actor, action=AuditEvent.Action.DELETE, instance=question, changes={"code": [question.code, None]}
    )
    question.delete()


# -- campaigns ---------------------------------------------------------------------------------------


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
    now: datetime.datetime | None = None,
) -> Campaign:
    """A campaign with one personal invitation per customer of the plan's sample or the segment,
    or an event campaign (`trigger`) that invites each customer after the event while it runs.

    Preconditions: exactly one of plan, segment or trigger; the version has questions; links
    expire in the future. Customers without a surveyable contact, or surveyed within the contact
    interval (the plan's, or 30 days for a segment), are left out. Running a campaign freezes its
    plan.
    """
    _require_manager(actor, "surveys.add_campaign")
    now = now or timezone.now()
    if sum(1 for source in (plan, segment, trigger) if source) != 1:
        raise ApplicationError(_("Send the campaign to a plan's sample, to a segment, or after an event."))
    if trigger and trigger not in CampaignTrigger.values:
        raise ApplicationError(_("Unknown event."))
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
    }
    if trigger:
        campaign = Campaign.objects.create(trigger=trigger, **settings_given)
        _created(actor, campaign)
        return campaign
    if plan is not None:
        sample = selectors.plan_sample(plan=plan, now=now)
        strata = {customer_id: sample.strata[customer_id] for customer_id in sample.customer_ids}
        customer_ids = sample.customer_ids
        population_size, sample_size = sample.population, sample.size
    else:
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
    _created(actor, campaign)
    return campaign


def invitation_link(invitation: Invitation, *, base_url: str | None = None) -> str:
    return site_url(reverse("surveys:answer", args=[tokens.token_for(invitation.token_salt)]), base_url=base_url)


def campaign_open_link_url(campaign: Campaign, *, base_url: str | None = None) -> str:
    return site_url(reverse("surveys:open_answer", args=[campaign_open_token(campaign)]), base_url=base_url)


def invitation_opt_out_link(invitation: Invitation, *, base_url: str | None = None) -> str:
    return site_url(reverse("surveys:opt_out", args=[tokens.token_for(invitation.token_salt)]), base_url=base_url)


@transaction.atomic
def campaign_send(*, actor, campaign: Campaign) -> Campaign:
    """Start sending a draft campaign: locks the questionnaire version and queues the batches."""
    _require_manager(actor, "surveys.change_campaign")
    now = timezone.now()
    updated = Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.DRAFT).update(
        status=Campaign.Status.SENDING, sent_at=now, updated_at=now
    )
    if updated != 1:
        raise ApplicationError(_("This campaign has already been sent."))
    QuestionnaireVersion.objects.filter(pk=campaign.questionnaire_version_id, sent_at__isnull=True).update(sent_at=now)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        instance=campaign,
        changes={"status": [Campaign.Status.DRAFT, Campaign.Status.SENDING]},
    )
    from .tasks import campaign_send_batches_task

    transaction.on_commit(lambda: campaign_send_batches_task.delay(campaign.pk))
    campaign.refresh_from_db()
    return campaign


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


@transaction.atomic
def campaign_close(*, actor, campaign: Campaign) -> Campaign:
    _require_manager(actor, "surveys.change_campaign")
    now = timezone.now()
    updated = Campaign.objects.filter(
        pk=campaign.pk, status__in=[Campaign.Status.RUNNING, Campaign.Status.SENDING, Campaign.Status.DRAFT]
    ).update(status=Campaign.Status.CLOSED, closed_at=now, updated_at=now)
    if updated != 1:
        raise ApplicationError(_("This campaign is already closed."))
    # Closing ends the links too: nobody answers a closed campaign.
    campaign.invitations.filter(expires_at__gt=now).update(expires_at=now)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        instance=campaign,
        changes={"status": [campaign.status, Campaign.Status.CLOSED]},
    )
    campaign.refresh_from_db()
    return campaign


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


# -- event campaigns ----------------------------------------------------------------------------------

# An event link stays open two weeks (or until the campaign closes); a customer asked after one
# event is not asked again after another within a week (a complaint and its follow-up visit).
EVENT_LINK_DAYS = 14
EVENT_QUIET_DAYS = 7


def _events_since(campaign: Campaign, now: datetime.datetime) -> list[tuple[str, int]]:
    """(source, customer id) of the recent events of the campaign's kind: since it was sent, and
    within the quiet period (an older event is not worth asking about any more)."""
    since = max(campaign.sent_at, now - datetime.timedelta(days=EVENT_QUIET_DAYS))
    if campaign.trigger == CampaignTrigger.VISIT_DONE:
        from visits.models import Visit

        rows = Visit.objects.filter(
            status=Visit.Status.DONE, completed_at__gte=since, completed_at__lte=now
        ).values_list("pk", "customer_id")
        return [(f"visit:{pk}", customer_id) for pk, customer_id in rows]
    if campaign.trigger == CampaignTrigger.COMPLAINT_CLOSED:
        from complaints.models import Complaint, State

        rows = Complaint.objects.filter(state=State.CLOSED, closed_at__gte=since, closed_at__lte=now).values_list(
            "pk", "customer_id"
        )
        return [(f"complaint:{pk}", customer_id) for pk, customer_id in rows]
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


# -- answering (the customer, through the token) ------------------------------------------------------


# A sent version never changes (the services refuse edits), and the answer endpoint reads its
# questions on every post: keep them in memory per process for a minute. The minute bounds how
# long a changed dimension weight takes to reach new responses' index.
QUESTIONS_CACHE_SECONDS = 60
_questions_cache: dict[tuple, tuple[float, list[Question]]] = {}


def version_questions(version: QuestionnaireVersion) -> list[Question]:
    """The questions of a version in order, with their dimension and condition loaded."""
    key = (version.pk, version.sent_at)
    cached = _questions_cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    questions = list(version.questions.select_related("dimension", "condition_question").order_by("position", "pk"))
    if version.sent_at is not None:
        if len(_questions_cache) > 200:
            _questions_cache.clear()
        _questions_cache[key] = (time.monotonic() + QUESTIONS_CACHE_SECONDS, questions)
    return questions


class LinkUnusable(Exception):
    """The token is unknown, expired, or already used: every case gets the same neutral page.

    `guessed` is True when no invitation has this token (malformed or unknown): only those count
    towards the guessing limit, so a double click or an old e-mail never locks out a company's
    shared address."""

    def __init__(self, *, guessed: bool):
        super().__init__()
        self.guessed = guessed


class AlreadyAnswered(Exception):
    pass


# What answering reads of an invitation (a field outside it would cost one more query, never a
# wrong answer): the check, the draft, the language, and the customer's name (page title, audit).
ANSWERING_FIELDS = (
    "campaign_id",
    "customer__name",
    "contact_id",
    "language",
    "expires_at",
    "status",
    "draft",
    "opened_at",
    "started_at",
    "source",
)


def invitation_for_token(token: str, *, now: datetime.datetime | None = None) -> Invitation:
    """The open invitation of a token, or LinkUnusable (forged, truncated, expired, completed, or
    campaign closed: one exception, so no caller can tell the cases apart)."""
    if not tokens.looks_like_token(token):
        raise LinkUnusable(guessed=True)
    now = now or timezone.now()
    try:
        # get(), not first(): no ORDER BY, so the unique index on token_hash answers alone. Of the
        # customer only the name is read (page title, audit): the master's other columns stay out.
        invitation = (
            Invitation.objects.select_related("customer")
            .only(*ANSWERING_FIELDS)
            .get(token_hash=tokens.token_hash(token))
        )
    except Invitation.DoesNotExist:
        raise LinkUnusable(guessed=True)
    if invitation.expires_at <= now or invitation.status == Invitation.Status.COMPLETED:
        raise LinkUnusable(guessed=False)
    invitation.campaign = campaign_for_answering(invitation.campaign_id)
    if invitation.campaign.status not in (Campaign.Status.RUNNING, Campaign.Status.SENDING):
        raise LinkUnusable(guessed=False)
    return invitation


# The answer endpoint reads its campaign and questionnaire version on every post. Both are safe to
# serve a little stale: closing a campaign also ends its invitations' links (expires_at, read fresh
# on every look-up), and a sent campaign's version and thresholds never change.
CAMPAIGN_CACHE_SECONDS = 30
_campaign_cache: dict[int, tuple[float, Campaign]] = {}


def campaign_for_answering(campaign_id: int) -> Campaign:
    cached = _campaign_cache.get(campaign_id)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    campaign = Campaign.objects.select_related("questionnaire_version").get(pk=campaign_id)
    if len(_campaign_cache) > 200:
        _campaign_cache.clear()
    _campaign_cache[campaign_id] = (time.monotonic() + CAMPAIGN_CACHE_SECONDS, campaign)
    return campaign


def answering_caches_clear() -> None:
    """For tests, whose rolled-back databases reuse ids."""
    _campaign_cache.clear()
    _questions_cache.clear()


def invitation_open(*, invitation: Invitation) -> None:
    now = timezone.now()
    Invitation.objects.filter(
        pk=invitation.pk, status__in=[Invitation.Status.INVITED, Invitation.Status.SENT, Invitation.Status.BOUNCED]
    ).update(status=Invitation.Status.OPENED, opened_at=now)
    Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=now)


def invitation_autosave(*, invitation: Invitation, questions: list[Question], data) -> dict[str, Any]:
    """Save what the customer has answered so far, so the same link resumes where they left off."""
    draft = answering.draft_merge(questions, invitation.draft or {}, data)
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).exclude(status=Invitation.Status.COMPLETED).update(
        draft=draft,
        status=Invitation.Status.STARTED,
        started_at=invitation.started_at or now,
        opened_at=invitation.opened_at or now,
    )
    invitation.draft = draft
    return draft


def _answer_rows(questions: list[Question], answers: dict[str, Any]) -> list[Answer]:
    codes = {q.pk: q.code for q in questions}
    rows = []
    for question in questions:
        value = answers.get(question.code)
        if value in (None, [], "") or not answering.is_asked(question, answers, codes):
            continue
        answer = Answer(question=question)
        if question.is_scored:
            answer.score = value
            answer.importance = answers.get(f"{question.code}:importance") if question.ask_importance else None
        elif question.kind == QuestionKind.TEXT:
            answer.text = value
        else:
            answer.choices = value if isinstance(value, list) else [value]
        rows.append(answer)
    return rows


def response_scores(questions: list[Question], rows: list[Answer]) -> tuple[Decimal | None, int | None]:
    """(CSI 0–100, NPS answer) of one response, by the campaign method (surveys.scoring)."""
    by_question = {q.pk: q for q in questions}
    pairs, weights, recommend = [], {}, None
    for row in rows:
        question = by_question[row.question_id]
        if question.kind == QuestionKind.RATING and row.score is not None and question.dimension_id:
            pairs.append(
                (question.dimension_id, scoring.normalise(row.score, scale_min=1, scale_max=question.scale_max))
            )
            weights.setdefault(question.dimension_id, float(question.effective_weight()))
        if question.kind == QuestionKind.NPS and row.score is not None:
            recommend = row.score
    index = scoring.csi(scoring.dimension_means(pairs), weights)
    return (None if index is None else Decimal(str(round(index, 1)))), recommend


def _response_store(*, questions: list[Question], answers: dict, audited: tuple[str, ...], comment: str, **fields):
    """Insert a response with its answers and scores, and its audit row (recording the `audited`
    fields). Runs inside the caller's transaction; the caller has checked the required answers."""
    rows = _answer_rows(questions, answers)
    csi, recommend = response_scores(questions, rows)
    response = Response.objects.create(csi=csi, nps_score=recommend, **fields)
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    changes = {name: [None, getattr(response, name)] for name in audited}
    if "csi" in changes:
        changes["csi"] = [None, str(csi) if csi is not None else None]
    audit_record(actor=None, action=AuditEvent.Action.CREATE, instance=response, changes=changes, comment=comment)
    return response


def response_submit(*, invitation: Invitation, data, language: str) -> Response:
    """Store the response once. Preconditions: the link is open (invitation_for_token).

    Raises ValidationError-like ApplicationError (extra: {code: message}) when required questions
    are missing; the answers given are saved to the draft first, so nothing typed is lost.
    Raises AlreadyAnswered when a response exists: the OneToOne on the invitation makes the
    database refuse a second one, whatever the number of simultaneous posts."""
    version = invitation.campaign.questionnaire_version
    questions = version_questions(version)
    answers = answering.draft_merge(questions, invitation.draft or {}, data)
    missing = answering.missing_required(questions, answers)
    if missing:
        invitation_autosave(invitation=invitation, questions=questions, data=data)
        raise ApplicationError(_("Some required questions are not answered yet."), extra=missing)
    now = timezone.now()
    try:
        with transaction.atomic():
            response = _response_store(
                questions=questions,
                answers=answers,
                audited=("csi", "nps_score"),
                comment="survey link",
                invitation=invitation,
                campaign=invitation.campaign,
                questionnaire_version=version,
                customer=invitation.customer,
                contact_id=invitation.contact_id,
                language=language,
            )
            Invitation.objects.filter(pk=invitation.pk).update(
                status=Invitation.Status.COMPLETED,
                completed_at=now,
                started_at=invitation.started_at or now,
                opened_at=invitation.opened_at or now,
                draft={},
            )
    except IntegrityError:
        raise AlreadyAnswered
    if invitation.source.startswith(COMPLAINT_SOURCE):
        from .tasks import response_complaint_rating_task

        transaction.on_commit(lambda: response_complaint_rating_task.delay(response.pk))
    if response_needs_alert(response=response, campaign=invitation.campaign):
        from .tasks import response_alert_task

        transaction.on_commit(lambda: response_alert_task.delay(response.pk))
    return response


# -- the anonymous open link ------------------------------------------------------------------------


def campaign_open_link_set(*, actor, campaign: Campaign, enabled: bool) -> Campaign:
    """Turn the campaign's anonymous open link on or off. Turning it on the first time draws the
    salt of its token (kept when turned off and on again, so printed QR codes keep working)."""
    if enabled and campaign.status == Campaign.Status.CLOSED:
        raise ApplicationError(_("A closed campaign cannot open a link."))
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


def campaign_open_token(campaign: Campaign) -> str:
    return tokens.token_for(campaign.open_token_salt, purpose=tokens.OPEN_PURPOSE)


def campaign_for_open_token(token: str) -> Campaign:
    """The campaign answering through this open link, or LinkUnusable (unknown, turned off, or
    campaign not collecting answers: one exception, as for personal links)."""
    if not tokens.looks_like_token(token):
        raise LinkUnusable(guessed=True)
    # The switch and the status are read fresh on every look-up (the cached campaign may be up to
    # CAMPAIGN_CACHE_SECONDS old): an open link has no expiry of its own to end it at closing.
    found = (
        Campaign.objects.filter(open_token_hash=tokens.token_hash(token))
        .values_list("pk", "open_link", "status")
        .first()
    )
    if found is None:
        raise LinkUnusable(guessed=True)
    pk, enabled, status = found
    if not enabled or status not in (Campaign.Status.RUNNING, Campaign.Status.SENDING):
        raise LinkUnusable(guessed=False)
    return campaign_for_answering(pk)


def open_client_hash(*, campaign: Campaign, ip: str, user_agent: str, day: datetime.date) -> str:
    """A keyed hash of address + browser, per campaign and day: finds a likely duplicate without
    storing the address itself."""
    material = f"{campaign.pk}|{day.isoformat()}|{ip}|{user_agent}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"surveys.open-client:" + material, hashlib.sha256).hexdigest()


def open_response_submit(*, campaign: Campaign, data, language: str, client_hash: str) -> Response:
    """Store an anonymous response through the open link. Preconditions: campaign_for_open_token.

    Raises ApplicationError (extra: {code: message}) when required questions are missing. A response
    whose client hash matches another open response of the campaign is stored, flagged
    `suspected_duplicate` and left out of the scores (the same browser is refused by the view's
    signed cookie before this is called)."""
    version = campaign.questionnaire_version
    questions = version_questions(version)
    answers = answering.draft_merge(questions, {}, data)
    missing = answering.missing_required(questions, answers)
    if missing:
        raise ApplicationError(_("Some required questions are not answered yet."), extra=missing)
    with transaction.atomic():
        duplicate = Response.objects.filter(campaign=campaign, is_open=True, client_hash=client_hash).exists()
        response = _response_store(
            questions=questions,
            answers=answers,
            audited=("csi", "suspected_duplicate"),
            comment="survey open link",
            campaign=campaign,
            questionnaire_version=version,
            is_open=True,
            client_hash=client_hash,
            suspected_duplicate=duplicate,
            language=language,
        )
    # A suspected duplicate is not scored and raises no alert (a kiosk pressed twice must not mail twice).
    if not duplicate and response_needs_alert(response=response, campaign=campaign):
        from .tasks import response_alert_task

        transaction.on_commit(lambda: response_alert_task.delay(response.pk))
    return response


def invitation_opt_out(*, invitation: Invitation) -> None:
    """The recipient asks for no more surveys: their consent is withdrawn (the customer master
    records it) and no reminder goes out again."""
    contact = invitation.contact
    if contact is None or contact.consent_withdrawn_at is not None:
        return
    now = timezone.now()
    with transaction.atomic():
        updated = Contact.objects.filter(pk=contact.pk, consent_withdrawn_at__isnull=True).update(
            survey_consent=False, consent_withdrawn_at=now, updated_at=now
        )
        if updated:
            audit_record(
                actor=None,
                action=AuditEvent.Action.UPDATE,
                instance=contact,
                changes={"survey_consent": [True, False], "consent_withdrawn_at": [None, str(now)]},
                comment="survey opt-out link",
            )


# -- closed loop -------------------------------------------------------------------------------------


COMPLAINT_SOURCE = "complaint:"


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
    from complaints.models import Complaint
    from complaints.services import complaint_satisfaction_record

    response = Response.objects.select_related("invitation").filter(pk=response_id).first()
    if response is None or response.invitation is None or response.csi is None:
        return
    source = response.invitation.source
    complaint = Complaint.objects.filter(pk=int(source.removeprefix(COMPLAINT_SOURCE))).first()
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
        about_complaint = response.invitation_id is not None and response.invitation.source.startswith(COMPLAINT_SOURCE)
        actor = _complaint_actor(response) if customer is not None and not about_complaint else None
        if actor is not None:
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
    for user in (response.customer.owner, response.campaign.created_by):
        if user is not None and user.is_active and not user.is_read_only and user.has_perm("complaints.add_complaint"):
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
    account_manager = response.customer.owner if response.customer_id else None
    recipients = [u.email for u in (account_manager, response.campaign.created_by) if u and u.email]
    if not recipients:
        return
    owner = account_manager or response.campaign.created_by
    with translation.override(getattr(owner, "preferred_language", None) or settings.LANGUAGE_CODE):
        subject = _("Survey alert: %(customer)s") % {"customer": response.respondent}
        body = _response_summary(response)
        if response.complaint_id:
            body += "\n\n" + _("Complaint %(reference)s was opened.") % {"reference": response.complaint.reference}
        if visits:
            body += "\n" + _("A follow-up visit was scheduled.")
    message = EmailMultiAlternatives(subject=subject, body=body, to=sorted(set(recipients)))
    try:
        message.send()
    except Exception:  # noqa: BLE001 - the complaint is recorded; a mail outage must not undo it
        logger.exception("survey alert e-mail for response %s failed", response.pk)
