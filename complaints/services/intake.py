"""Opening a complaint: from the phone-call screen, a visit issue, the API or the public web form."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import can, require
from core.audit import audit_record, snapshot
from core.exceptions import ApplicationError
from core.models import AuditEvent
from customers.models import Contact, Customer
from visits.models import VisitIssue

from ..event_text import Message
from ..models import Channel, Complaint, ComplaintCategory, ComplaintEvent, ComplaintSequence, Kind, Severity
from .common import event_add, sla_due_dates


def complaint_reference_next(*, year: int) -> str:
    """CMP-<year>-<six digits>, unique under concurrent creation. Call inside the creating
    transaction: the row stays locked (PostgreSQL) or the database write-locked (SQLite) until
    commit, and a rolled-back complaint gives its number back."""
    ComplaintSequence.objects.bulk_create([ComplaintSequence(year=year)], ignore_conflicts=True)
    ComplaintSequence.objects.filter(year=year).update(last_number=F("last_number") + 1)
    number = ComplaintSequence.objects.get(year=year).last_number
    return f"CMP-{year}-{number:06d}"


@transaction.atomic
def complaint_open(
    *,
    actor,
    customer: Customer,
    channel: str,
    subject: str,
    description: str,
    kind: str = Kind.COMPLAINT,
    severity: str = Severity.MEDIUM,
    contact: Contact | None = None,
    desired_remedy: str = "",
    product_reference: str = "",
    received_at: datetime.datetime | None = None,
    source_visit_issue: VisitIssue | None = None,
    category: ComplaintCategory | None = None,
    order_reference: str = "",
    batch_reference: str = "",
    public_submission: bool = False,
) -> Complaint:
    """Record a complaint, compliment or suggestion and set its SLA due dates. The contact must
    belong to the customer. `public_submission`: from the public web form, with no user (actor None)."""
    if not public_submission:
        require(actor, "complaints.add_complaint", _("You are not allowed to record complaints."))
    if contact is not None and contact.customer_id != customer.pk:
        raise ApplicationError(_("The contact must belong to the customer."))
    if channel not in Channel.values:
        raise ApplicationError(_("Unknown channel."))
    if kind not in Kind.values:
        raise ApplicationError(_("Unknown type."))
    if severity not in Severity.values:
        raise ApplicationError(_("Unknown severity."))
    if category is not None and not category.is_active:
        raise ApplicationError(_("This category is no longer in use."))
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + datetime.timedelta(minutes=5):
        raise ApplicationError(_("A complaint cannot be received in the future."))
    complaint = Complaint(
        kind=kind,
        customer=customer,
        contact=contact,
        channel=channel,
        severity=severity,
        subject=subject.strip(),
        description=description.strip(),
        desired_remedy=desired_remedy.strip(),
        product_reference=product_reference.strip(),
        order_reference=order_reference.strip(),
        batch_reference=batch_reference.strip(),
        category=category,
        received_at=received_at,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        source_visit=source_visit_issue.visit if source_visit_issue else None,
        source_visit_issue=source_visit_issue,
        assignee=None if public_submission else _first_handler(actor=actor, category=category),
    )
    if kind == Kind.COMPLAINT:
        # Compliments and suggestions are recorded and acknowledged, but carry no resolution deadline.
        complaint.acknowledge_due_at, complaint.resolve_due_at = sla_due_dates(complaint=complaint, start=received_at)
    # The related records are already instances checked above; re-fetching each one (what
    # full_clean does for a foreign key) would cost a query apiece on every creation.
    complaint.full_clean(
        # The reference is taken below, just before the insert; the sequence makes it well formed.
        exclude=[
            "reference",
            "customer",
            "contact",
            "created_by",
            "assignee",
            "category",
            "source_visit",
            "source_visit_issue",
        ],
        validate_unique=False,  # the reference comes from the sequence; the database enforces it too
        validate_constraints=False,
    )
    # What the audit row and the timeline line say is worked out before the reference is taken too,
    # so that the sequence row stays locked for the inserts alone; only the reference is filled in.
    audited = snapshot(complaint)
    # Taken as late as possible: the year's sequence row stays locked from here until commit, so
    # the SLA computation and validation above no longer hold up concurrent creations.
    complaint.reference = complaint_reference_next(year=timezone.localtime(received_at).year)
    audited["reference"] = complaint.reference
    # No savepoint around the insert (two more round trips while the sequence row is locked): an
    # IntegrityError leaves this function at once, and this function's own atomic block rolls back
    # (or back to its savepoint when a caller's transaction is open), so nothing runs on a broken
    # transaction.
    try:
        complaint.save()
    except IntegrityError as error:
        raise ApplicationError(_("This issue has already become a complaint.")) from error
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        instance=complaint,
        changes={k: [None, v] for k, v in audited.items() if v not in (None, "", [])},
    )
    event_add(
        complaint=complaint,
        actor=actor,
        kind=ComplaintEvent.Kind.RECEIVED,
        to_state=complaint.state,
        message=Message.RECEIVED,
        parameters={"channel": channel},
        is_public=True,
        at=received_at,
    )
    return complaint


def _first_handler(*, actor, category: ComplaintCategory | None):
    """Who works on a complaint logged by staff: the category's default handler, else the person who
    logged it, so it shows in someone's "My queue" from the start (None if neither may work on it)."""
    candidates = [category.default_handler if category is not None and category.default_handler_id else None, actor]
    for user in candidates:
        if user is not None and user.is_active and can(user, "complaints.change_complaint"):
            return user
    return None


def complaint_open_from_visit_issue(*, actor, issue: VisitIssue) -> Complaint:
    """Turn an issue raised during a visit into a complaint, pre-filled with the customer, the
    visit and the issue; a second call returns the complaint already made."""
    existing = issue.complaints.first()
    if existing is not None:
        return existing
    visit = issue.visit
    first_line = issue.description.strip().splitlines()[0] if issue.description.strip() else _("Issue from a visit")
    contact = visit.contacts_met.first()
    return complaint_open(
        actor=actor,
        customer=visit.customer,
        channel=Channel.VISIT,
        severity=issue.severity,  # one Severity (visits.models) for both
        subject=first_line[:200],
        description=issue.description,
        contact=contact,
        received_at=timezone.make_aware(datetime.datetime.combine(visit.visited_on, datetime.time(12)))
        if visit.visited_on and visit.visited_on < timezone.localdate()
        else None,
        source_visit_issue=issue,
    )
