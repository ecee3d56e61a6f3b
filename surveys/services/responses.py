"""The customer's side: a personal or open link opened, autosaved, answered, or opted out of.

The customer's own writes come through an unguessable token and are audited as the system."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.exceptions import ApplicationError
from core.models import AuditEvent
from customers.models import Contact

from .. import answering, tokens
from ..answering import answer_rows, response_scores
from ..models import (
    Answer,
    Campaign,
    Invitation,
    Question,
    QuestionnaireVersion,
    Response,
)
from .campaigns import campaign_close_if_full
from .closed_loop import response_is_about_a_complaint, response_needs_alert

# A sent version never changes (the services refuse edits), and the answer endpoint reads its
# questions on every post: keep them in memory per process for a minute. Its weights are frozen at
# sending (Question.frozen_weight), so a reweighted dimension never reaches a sent version.
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


UNOPENED = (Invitation.Status.INVITED, Invitation.Status.SENT, Invitation.Status.BOUNCED)


def invitation_open(*, invitation: Invitation) -> None:
    """Note that the link was opened: one plain UPDATE the first time, none when the page is opened
    again (the invitation as loaded already says it was). Conditional on the status just read, so a
    submission in between is never set back to "opened". The first opening is a step of the
    invitation (the campaign's open rate counts it) and is audited as the system."""
    values: dict[str, Any] = {}
    if invitation.status in UNOPENED:
        values["status"] = Invitation.Status.OPENED
    if invitation.opened_at is None:
        values["opened_at"] = timezone.now()
    if not values:
        return
    updated = Invitation.objects.filter(pk=invitation.pk, status=invitation.status).update(**values)
    if updated and "status" in values:
        before = invitation.status
        invitation.status = Invitation.Status.OPENED
        audit_record(
            actor=None,
            action=AuditEvent.Action.TRANSITION,
            instance=invitation,
            changes={"status": [before, Invitation.Status.OPENED]},
        )


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


def _response_store(*, questions: list[Question], answers: dict, audited: tuple[str, ...], comment: str, **fields):
    """Insert a response with its answers and scores, and its audit row (recording the `audited`
    fields). Runs inside the caller's transaction; the caller has checked the required answers."""
    rows = answer_rows(questions, answers)
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
    campaign_close_if_full(campaign=invitation.campaign)
    if response_is_about_a_complaint(invitation.source):
        from ..tasks import response_complaint_rating_task

        transaction.on_commit(lambda: response_complaint_rating_task.delay(response.pk))
    if response_needs_alert(response=response, campaign=invitation.campaign):
        from ..tasks import response_alert_task

        transaction.on_commit(lambda: response_alert_task.delay(response.pk))
    return response


def campaign_for_open_token(token: str) -> Campaign:
    """The campaign answering through this open link, or LinkUnusable (unknown, turned off, or
    campaign not collecting answers: one exception, as for personal links)."""
    if not tokens.looks_like_token(token):
        raise LinkUnusable(guessed=True)
    # The switch, the status and the end date are read fresh on every look-up (the cached campaign
    # may be up to CAMPAIGN_CACHE_SECONDS old). The end date is checked here, not left to the sweep
    # that closes due campaigns (campaigns_close_due, every few minutes): the link stops at the
    # second the campaign ends, as personal links do.
    found = (
        Campaign.objects.filter(open_token_hash=tokens.token_hash(token))
        .values_list("pk", "open_link", "status", "closes_at")
        .first()
    )
    if found is None:
        raise LinkUnusable(guessed=True)
    pk, enabled, status, closes_at = found
    if not enabled or status not in (Campaign.Status.RUNNING, Campaign.Status.SENDING) or closes_at <= timezone.now():
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

    def store(duplicate: bool) -> Response:
        return _response_store(
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

    with transaction.atomic():
        duplicate = Response.objects.filter(campaign=campaign, is_open=True, client_hash=client_hash).exists()
        try:
            with transaction.atomic():  # a savepoint: the constraint may refuse the scored one
                response = store(duplicate)
        except IntegrityError:
            # Another submission from this client was stored between the check and the insert
            # (response_open_client_scored_once): this one is the duplicate.
            duplicate = True
            response = store(duplicate)
    campaign_close_if_full(campaign=campaign)
    # A suspected duplicate is not scored and raises no alert (a kiosk pressed twice must not mail twice).
    if not duplicate and response_needs_alert(response=response, campaign=campaign):
        from ..tasks import response_alert_task

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
