"""Cause and corrective action (ISO 9001 10.2): root cause with 5 whys, containment, corrective and
preventive actions with owner, due date and status, and the check that they worked."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record, diff, snapshot
from core.exceptions import ApplicationError
from core.models import AuditEvent

from ..event_text import Message
from ..models import FINAL_STATES, Complaint, ComplaintEvent, CorrectiveAction, RootCause
from .common import event_add, require_writer

ROOT_CAUSE_CATEGORIES = dict(RootCause.choices)


@transaction.atomic
def root_cause_record(*, actor, complaint: Complaint, category: str, whys: list[str]) -> Complaint:
    """The root cause: a category (the 6M of the fishbone) and up to five whys, the last one the root."""
    require_writer(actor)
    whys = [w.strip() for w in whys if w and w.strip()]
    if category not in ROOT_CAUSE_CATEGORIES:
        raise ApplicationError(_("Choose a root cause category."))
    if not whys or len(whys) > 5:
        raise ApplicationError(_("Give between one and five whys."))
    before = snapshot(complaint, ("root_cause_category", "five_whys"))
    Complaint.objects.filter(pk=complaint.pk).update(
        root_cause_category=category, five_whys=whys, updated_at=timezone.now()
    )
    complaint.root_cause_category, complaint.five_whys = category, whys
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        instance=complaint,
        changes=diff(before, snapshot(complaint, ("root_cause_category", "five_whys"))),
    )
    return complaint


@transaction.atomic
def corrective_action_add(
    *,
    actor,
    complaint: Complaint,
    kind: str,
    description: str,
    owner,
    due_date: datetime.date,
    required_for_closing: bool = True,
) -> CorrectiveAction:
    require_writer(actor, "complaints.add_correctiveaction")
    if complaint.state in FINAL_STATES:
        raise ApplicationError(_("A closed, withdrawn or rejected complaint takes no new actions."))
    if kind not in CorrectiveAction.Kind.values:
        raise ApplicationError(_("Unknown kind of action."))
    if not description.strip():
        raise ApplicationError(_("Describe the action."))
    if owner is None or not owner.is_active:
        raise ApplicationError(_("Choose an active owner for the action."))
    action = CorrectiveAction.objects.create(
        complaint=complaint,
        kind=kind,
        description=description.strip(),
        owner=owner,
        due_date=due_date,
        required_for_closing=required_for_closing,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        instance=action,
        changes={k: [None, v] for k, v in snapshot(action).items() if v not in (None, "")},
    )
    event_add(
        complaint=complaint,
        actor=actor,
        kind=ComplaintEvent.Kind.ACTION,
        message=Message.ACTION_ADDED,
        parameters={"action": str(action)},
    )
    return action


@transaction.atomic
def corrective_action_complete(*, actor, action: CorrectiveAction, note: str = "") -> CorrectiveAction:
    require_writer(actor, "complaints.change_correctiveaction")
    now = timezone.now()
    if (
        CorrectiveAction.objects.filter(pk=action.pk, status=CorrectiveAction.Status.OPEN).update(
            status=CorrectiveAction.Status.DONE, done_at=now, updated_at=now
        )
        != 1
    ):
        raise ApplicationError(_("Only an open action can be completed."))
    action.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        instance=action,
        changes={"status": [CorrectiveAction.Status.OPEN, CorrectiveAction.Status.DONE]},
        comment=note,
    )
    event_add(
        complaint=action.complaint,
        actor=actor,
        kind=ComplaintEvent.Kind.ACTION,
        message=Message.ACTION_DONE,
        parameters={"action": str(action)},
    )
    return action


def recurrence_since(*, action: CorrectiveAction) -> list[Complaint]:
    """Complaints in the same category for the same product or customer, received after the action
    was done: evidence that the defect came back."""
    complaint = action.complaint
    since = action.done_at or action.created_at
    same_source = Q(customer_id=complaint.customer_id)
    if complaint.product_reference:
        same_source |= Q(product_reference=complaint.product_reference)
    return list(
        Complaint.objects.filter(same_source, category_id=complaint.category_id, received_at__gt=since)
        .exclude(pk=complaint.pk)
        .only("id", "reference", "subject", "received_at")[:20]
    )


@transaction.atomic
def corrective_action_verify(
    *, actor, action: CorrectiveAction, result: str, evidence: str, now: datetime.datetime | None = None
) -> CorrectiveAction:
    """The effectiveness check: who, when, evidence, result, and whether the defect recurred since.
    Needs the verify permission (managers); only a done action can be verified."""
    require_writer(actor, "complaints.verify_correctiveaction")
    if action.status != CorrectiveAction.Status.DONE:
        raise ApplicationError(_("Only a completed action can be checked for effectiveness."))
    if result not in CorrectiveAction.Result.values:
        raise ApplicationError(_("Choose effective or not effective."))
    if not evidence.strip():
        raise ApplicationError(_("Record the evidence of the check."))
    now = now or timezone.now()
    recurred = bool(recurrence_since(action=action))
    before = snapshot(action, ("verified_by", "verified_at", "evidence", "result", "recurred"))
    action.verified_by, action.verified_at, action.evidence = actor, now, evidence.strip()
    action.result, action.recurred = result, recurred
    action.save(update_fields=["verified_by", "verified_at", "evidence", "result", "recurred", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        instance=action,
        changes=diff(before, snapshot(action, ("verified_by", "verified_at", "evidence", "result", "recurred"))),
    )
    event_add(
        complaint=action.complaint,
        actor=actor,
        kind=ComplaintEvent.Kind.ACTION,
        message=Message.ACTION_VERIFIED,
        parameters={"result": action.result},
    )
    return action
