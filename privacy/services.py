"""Data-subject requests: recording an export, and erasing a customer or contact on request.

Erasure replaces the personal fields (names, phone numbers, e-mail addresses, address, notes, a
contact's role) by a stable pseudonym ("已删除联系人 #12" / "Erased contact #12", in the
organisation's language, LANGUAGE_CODE) or by nothing, and rewrites the free texts that name the
person (complaint descriptions, comments, answers, visit summaries, feedback) through
privacy.redaction. It keeps every figure: no record is deleted, no score, state, date, count,
classification or link between records changes, so the dashboard reads the same before and after.

The audit trail is append-only and chained by hash (core/audit_chain.py): its old entries are not
touched, and the erasure is a new entry on the subject (who, when, why: the typed reason) and one
on each record rewritten, none of which repeats a personal value. `manage.py audit_verify` still
passes. An erasure is done once: a second request for the same subject (or a contact of an erased
customer) finds the first and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Model, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.access import require
from complaints.models import ComplaintAttachment, ComplaintEvent, CorrectiveAction
from core.audit import audit_event_build, audit_record, audit_record_many
from core.exceptions import ApplicationError
from core.models import AuditEvent, OutboxMessage
from customers.models import Contact, Customer, LifecycleChange
from surveys.models import Answer
from visits.models import VisitIssue

from . import selectors
from .models import RequestKind, SubjectKind, SubjectRequest
from .redaction import Redactor
from .selectors import Subject

EXPORT_PERMISSION = "privacy.export_subject_data"
ERASE_PERMISSION = "privacy.erase_subject_data"
REASON_MIN_LENGTH = 4
ERASED_CODE_PREFIX = "ERASED-"


@dataclass(frozen=True)
class Erasure:
    request: SubjectRequest
    already_erased: bool


def pseudonym_for(kind: str, pk: int) -> str:
    """The stable name an erased record keeps, in the organisation's language."""
    with translation.override(settings.LANGUAGE_CODE):
        if kind == SubjectKind.CUSTOMER:
            return _("Erased customer #%(number)d") % {"number": pk}
        return _("Erased contact #%(number)d") % {"number": pk}


def _erased_marker() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("[erased]")


def _require_actor(actor, permission: str) -> None:
    """Managers and administrators on the web; operators' commands run with no user (actor None)."""
    if actor is not None:
        require(actor, permission, _("Only a manager can handle data-subject requests."))


@transaction.atomic
def subject_export_record(*, actor, subject: Subject) -> SubjectRequest:
    """Record that a copy of the subject's data was handed out (the ZIP itself is built while it streams)."""
    _require_actor(actor, EXPORT_PERMISSION)
    request = SubjectRequest.objects.create(
        kind=RequestKind.EXPORT,
        subject_kind=subject.kind,
        subject_id=subject.pk,
        customer_id_at_request=subject.customer.pk,
        pseudonym=pseudonym_for(subject.kind, subject.pk),
        handled_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        instance=subject.record,
        changes={"data_subject_export": [None, request.pk]},
        comment=_("Copy of the personal data handed out on request (PIPL art. 45)."),
    )
    return request


def _redactor(subject: Subject, pseudonyms: dict[int, str]) -> Redactor:
    marker = _erased_marker()
    names, phones, emails, literals = {}, {}, {}, {}
    for contact in subject.contacts:
        names[contact.name] = pseudonyms[contact.pk]
        phones[contact.phone] = marker
        emails[contact.email] = marker
    if subject.contact is None:
        customer = subject.customer
        names[customer.name] = pseudonym_for(SubjectKind.CUSTOMER, customer.pk)
        phones[customer.phone] = marker
        emails[customer.email] = marker
        literals[customer.address] = marker
    return Redactor(names=names, phones=phones, emails=emails, literals=literals)


def _rewrite(
    queryset, fields: tuple[str, ...], redactor: Redactor, *, json_fields: tuple[str, ...] = ()
) -> list[Model]:
    """Rewrite the texts of every row in `queryset`; returns the rows that changed (saved in bulk)."""
    changed = []
    ids = list(queryset.order_by().values_list("pk", flat=True))
    for row in queryset.model.objects.filter(pk__in=ids).only("pk", *fields, *json_fields):
        dirty = False
        for field in fields:
            before = getattr(row, field)
            after = redactor.text(before)
            if after != before:
                setattr(row, field, after)
                dirty = True
        for field in json_fields:
            before = getattr(row, field)
            after = redactor.data(before)
            if after != before:
                setattr(row, field, after)
                dirty = True
        if dirty:
            changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, [*fields, *json_fields], batch_size=500)
    return changed


@transaction.atomic
def subject_erase(*, actor, subject: Subject, reason: str) -> Erasure:
    """Erase the subject. Preconditions: a manager (or an operator's command, actor None) and a reason."""
    _require_actor(actor, ERASE_PERMISSION)
    reason = " ".join((reason or "").split())
    if len(reason) < REASON_MIN_LENGTH:
        raise ApplicationError(_("Say why the data is erased (the request, its date and how it was received)."))
    existing = selectors.subject_erasure(subject)
    if existing is not None:
        return Erasure(existing, already_erased=True)
    pseudonym = pseudonym_for(subject.kind, subject.pk)
    contacts = subject.contacts
    pseudonyms = {contact.pk: pseudonym_for(SubjectKind.CONTACT, contact.pk) for contact in contacts}
    redactor = _redactor(subject, pseudonyms)
    # The reason stays in the register and the trail: it must not repeat what it erases ("李娜 asked").
    reason = redactor.text(reason)
    try:
        with transaction.atomic():
            request = SubjectRequest.objects.create(
                kind=RequestKind.ERASE,
                subject_kind=subject.kind,
                subject_id=subject.pk,
                customer_id_at_request=subject.customer.pk,
                pseudonym=pseudonym,
                reason=reason,
                handled_by=actor,
            )
    except IntegrityError as error:  # erased by someone else a moment ago
        concurrent = selectors.subject_erasure(subject)
        if concurrent is None:
            raise ApplicationError(_("The erasure could not be recorded; try again.")) from error
        return Erasure(concurrent, already_erased=True)

    now = timezone.now()
    emails = {address.lower() for address in [c.email for c in contacts] + [subject.customer.email] if address}
    if subject.contact is not None:
        emails.discard(subject.customer.email.lower())

    # The texts first: the redactor needs the names as they were.
    rewritten: dict[str, list[Model]] = {}
    complaints = selectors.subject_complaints(subject)
    rewritten["complaints"] = _rewrite(
        complaints,
        ("subject", "description", "desired_remedy", "resolution", "end_reason", "early_close_reason")
        + ("satisfaction_comment", "product_reference"),
        redactor,
        json_fields=("five_whys",),
    )
    complaint_ids = list(complaints.values_list("pk", flat=True))
    # The private status links stop working: the person asked for their data to go.
    complaints.model.objects.filter(pk__in=complaint_ids, status_token_hash__gt="").update(
        status_token_hash="", status_token_expires_at=None
    )
    _rewrite(
        ComplaintEvent.objects.filter(complaint_id__in=complaint_ids),
        ("comment",),
        redactor,
        json_fields=("parameters",),
    )
    _rewrite(CorrectiveAction.objects.filter(complaint_id__in=complaint_ids), ("description", "evidence"), redactor)
    _rewrite(ComplaintAttachment.objects.filter(complaint_id__in=complaint_ids), ("original_name",), redactor)
    responses = selectors.subject_responses(subject)
    _rewrite(Answer.objects.filter(response_id__in=list(responses.values_list("pk", flat=True))), ("text",), redactor)
    rewritten["survey_responses"] = list(responses)
    invitations = selectors.subject_invitations(subject)
    invitations.model.objects.filter(pk__in=list(invitations.values_list("pk", flat=True))).update(email="", draft={})
    visits = selectors.subject_visits(subject)
    rewritten["visits"] = _rewrite(visits, ("summary", "next_steps", "cancel_reason"), redactor)
    visit_ids = list(visits.values_list("pk", flat=True))
    _rewrite(VisitIssue.objects.filter(visit_id__in=visit_ids), ("description",), redactor)
    rewritten["feedback_records"] = _rewrite(selectors.subject_feedback(subject), ("summary", "details"), redactor)
    # The customer's own notes may name a contact; its lifecycle reasons may name anyone.
    _rewrite(LifecycleChange.objects.filter(customer=subject.customer), ("reason",), redactor)
    if subject.contact is not None:
        rewritten["customer"] = _rewrite(
            Customer.objects.filter(pk=subject.customer.pk), ("notes", "lost_reason"), redactor
        )
    outbox = _outbox_forget(emails, now)

    for contact in contacts:
        Contact.objects.filter(pk=contact.pk).update(
            name=pseudonyms[contact.pk],
            role="",
            phone="",
            email="",
            survey_consent=False,
            consent_withdrawn_at=contact.consent_withdrawn_at or (now if contact.consent_at else None),
            updated_at=now,
        )
    if subject.contact is None:
        Customer.objects.filter(pk=subject.customer.pk).update(
            name=pseudonym,
            code=f"{ERASED_CODE_PREFIX}{subject.customer.pk}",
            phone="",
            email="",
            address="",
            notes="",
            lost_reason=redactor.text(subject.customer.lost_reason),
            updated_at=now,
        )

    summary = {
        "contacts": len(contacts),
        "complaints": len(complaint_ids),
        "survey_invitations": invitations.count(),
        "survey_responses": len(rewritten["survey_responses"]),
        "visits": len(visit_ids),
        "feedback_records": len(rewritten["feedback_records"]),
        "emails_withdrawn": outbox,
    }
    SubjectRequest.objects.filter(pk=request.pk).update(summary=summary)
    request.summary = summary
    _audit_erasure(actor=actor, subject=subject, request=request, pseudonyms=pseudonyms, rewritten=rewritten)
    return Erasure(request, already_erased=False)


def _outbox_forget(emails: set[str], now) -> int:
    """Mail to an erased address: nothing more is sent, and the address and bodies are gone."""
    if not emails:
        return 0
    rows = []
    candidates = OutboxMessage.objects.annotate(recipients=Cast("to", TextField()))
    condition = reduce(or_, (Q(recipients__icontains=address) for address in emails))
    for message in candidates.filter(condition):
        kept = [address for address in message.to if address.lower() not in emails]
        if len(kept) == len(message.to):
            continue
        message.to = kept
        message.body_text = message.body_html = ""
        if message.status in (OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING):
            message.status = OutboxMessage.Status.FAILED
            message.last_error = "recipient erased on request"
        rows.append(message)
    OutboxMessage.objects.bulk_update(rows, ["to", "body_text", "body_html", "status", "last_error"])
    return len(rows)


def _audit_erasure(*, actor, subject: Subject, request: SubjectRequest, pseudonyms, rewritten) -> None:
    """One entry on the subject saying who erased it, when and why, and one on every record rewritten.
    No entry repeats a personal value: the changes hold the pseudonym and the request's number."""
    subject.record.refresh_from_db()
    comment = _("Erased on request (PIPL art. 47): %(reason)s") % {"reason": request.reason}
    events: list[AuditEvent] = [
        audit_event_build(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            instance=subject.record,
            changes={"data_subject_erasure": [None, request.pk], "pseudonym": [None, request.pseudonym]},
            comment=comment,
        )
    ]
    related: list[Any] = []
    if subject.contact is None:
        related += list(Contact.objects.filter(pk__in=list(pseudonyms)))
    for rows in rewritten.values():
        related += rows
    for record in related:
        events.append(
            audit_event_build(
                actor=actor,
                action=AuditEvent.Action.UPDATE,
                instance=record,
                changes={"data_subject_erasure": [None, request.pk]},
                comment=comment,
            )
        )
    audit_record_many(events)
