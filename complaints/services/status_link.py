"""The customer's private status link and the acknowledgement that carries it (ISO 10002 8.2).

The token is 256 random bits; only its SHA-256 is stored, so a copy of the database does not open
anyone's status page. A forged, replaced or expired token finds nothing, and the page says no more.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.links import site_url
from core.mail import mail_send
from core.models import AuditEvent
from core.references import reference_of

from ..event_text import Message
from ..models import Complaint, ComplaintEvent
from .common import event_add

STATUS_LINK_VALID_FOR = datetime.timedelta(days=365)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def complaint_status_link_issue(*, complaint: Complaint, now: datetime.datetime | None = None) -> str:
    """A new status token for the complaint (replacing any earlier one); returns the token itself,
    which is never stored."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    Complaint.objects.filter(pk=complaint.pk).update(
        status_token_hash=_hash(token), status_token_expires_at=now + STATUS_LINK_VALID_FOR
    )
    complaint.status_token_hash = _hash(token)
    complaint.status_token_expires_at = now + STATUS_LINK_VALID_FOR
    return token


def complaint_by_status_token(*, token: str, now: datetime.datetime | None = None) -> Complaint | None:
    """The complaint a status token opens, or None (unknown, malformed or expired: all alike)."""
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    return (
        Complaint.objects.select_related("customer", "category")
        .filter(status_token_hash=_hash(token), status_token_expires_at__gt=now)
        .first()
    )


def complaint_recipient(complaint: Complaint, *, default_language: str = "") -> tuple[str, str]:
    """(e-mail, language) of whom to tell: the complaint's contact, else the customer's primary contact
    or the customer's own address (then in `default_language`, else the site's language)."""
    contact = complaint.contact
    if contact is None or not contact.email:
        contact = complaint.customer.contacts.exclude(email="").first()
    if contact is not None and contact.email:
        return contact.email, contact.preferred_language
    return complaint.customer.email, default_language or settings.LANGUAGE_CODE


def status_url(token: str) -> str:
    return site_url(reverse("complaints:status", args=[token]))


def complaint_acknowledgement_send(*, complaint: Complaint, actor=None, now: datetime.datetime | None = None) -> bool:
    """Issue a status link and e-mail the acknowledgement, in the customer's language, through the
    outbox (sent after commit). Returns False when there is no address to write to (the step is
    recorded all the same)."""
    now = now or timezone.now()
    if _receipt_already_acknowledged(complaint, now=now):
        # The public form acknowledged on receipt with a link that still works; issuing a new one
        # here would break the link the customer already has (e-mail and thank-you page).
        return False
    email, language = complaint_recipient(complaint)
    token = complaint_status_link_issue(complaint=complaint, now=now)
    if not email:
        return False
    mail_send(
        to=email,
        template="complaints/acknowledgement",
        context={"complaint": complaint, "status_url": status_url(token)},
        language=language,
        reference=reference_of(complaint),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        instance=complaint,
        changes={"acknowledgement_sent_to": [None, email]},
    )
    event_add(
        complaint=complaint,
        actor=actor,
        kind=ComplaintEvent.Kind.ACKNOWLEDGEMENT_SENT,
        message=Message.ACKNOWLEDGEMENT_SENT,
        parameters={"email": email},
    )
    return True


def _receipt_already_acknowledged(complaint: Complaint, *, now: datetime.datetime) -> bool:
    return bool(
        complaint.status_token_hash
        and complaint.status_token_expires_at
        and complaint.status_token_expires_at > now
        and complaint.events.filter(kind=ComplaintEvent.Kind.ACKNOWLEDGEMENT_SENT).exists()
    )


def complaint_receipt_acknowledge(*, complaint: Complaint, email: str = "", language: str = "") -> str:
    """Acknowledge a complaint on receipt (the public form): issue the status link and, when there
    is an address, e-mail it through the outbox in the caller's transaction. `email`/`language`: what
    the sender gave, used when the complaint has no contact with an address. Returns the token (the
    thank-you page shows the link too, the only one a sender without e-mail gets)."""
    token = complaint_status_link_issue(complaint=complaint)
    recipient, recipient_language = complaint_recipient(complaint)
    if complaint.contact is None or not complaint.contact.email:
        recipient, recipient_language = email or recipient, language or recipient_language
    if recipient:
        mail_send(
            to=recipient,
            template="complaints/acknowledgement",
            context={"complaint": complaint, "status_url": status_url(token)},
            language=recipient_language,
            reference=reference_of(complaint),
        )
    event_add(
        complaint=complaint,
        actor=None,
        kind=ComplaintEvent.Kind.ACKNOWLEDGEMENT_SENT,
        comment=recipient,  # blank: no e-mail given, the link was on the thank-you page only
    )
    return token
