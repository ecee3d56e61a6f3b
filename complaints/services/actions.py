"""Cause and corrective action (ISO 9001 10.2): root cause with 5 whys, containment, corrective and
preventive actions with owner, due date and status, and the check that they worked."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.access import can
from core.audit import audit_record, diff, snapshot
from core.exceptions import ApplicationError
from core.links import site_url
from core.models import AuditEvent
from core.references import reference_of

from ..event_text import Message
from ..models import FINAL_STATES, VERIFICATION_WAIT_CHOICES, Complaint, ComplaintEvent, CorrectiveAction, RootCause
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
    verification_wait_days: int = 30,
) -> CorrectiveAction:
    """`verification_wait_days`: how long after the action is done its effectiveness check is due
    (30, 60 or 90 days: long enough for a recurrence to show)."""
    require_writer(actor, "complaints.add_correctiveaction")
    if verification_wait_days not in dict(VERIFICATION_WAIT_CHOICES):
        raise ApplicationError(_("Choose when to check the effectiveness: after 30, 60 or 90 days."))
    if complaint.state in FINAL_STATES:
        raise ApplicationError(_("A closed, withdrawn or rejected complaint takes no new actions."))
    if kind not in CorrectiveAction.Kind.values:
        raise ApplicationError(_("Unknown kind of action."))
    if not description.strip():
        raise ApplicationError(_("Describe the action."))
    if owner is None or not owner.is_active:
        raise ApplicationError(_("Choose an active owner for the action."))
    # The owner does the action and completes it: a read-only auditor, or anyone who may not work on
    # complaints, could do neither (the same rule as a complaint's assignee).
    if not can(owner, "complaints.change_correctiveaction"):
        raise ApplicationError(_("%(user)s cannot work on complaints.") % {"user": owner})
    action = CorrectiveAction.objects.create(
        complaint=complaint,
        kind=kind,
        description=description.strip(),
        owner=owner,
        due_date=due_date,
        required_for_closing=required_for_closing,
        verification_wait_days=verification_wait_days,
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
    """Complaints for the same customer or product, in the same category or with the same root
    cause, received after the action was done: evidence that the defect came back."""
    complaint = action.complaint
    since = action.done_at or action.created_at
    same_source = Q(customer_id=complaint.customer_id)
    if complaint.product_reference:
        same_source |= Q(product_reference=complaint.product_reference)
    same_defect = Q(category_id=complaint.category_id)
    if complaint.root_cause_category:
        same_defect |= Q(root_cause_category=complaint.root_cause_category)
    return list(
        Complaint.objects.filter(same_source, same_defect, received_at__gt=since)
        .exclude(pk=complaint.pk)
        .only("id", "reference", "subject", "received_at")[:20]
    )


@transaction.atomic
def corrective_action_verify(
    *, actor, action: CorrectiveAction, result: str, evidence: str, now: datetime.datetime | None = None
) -> CorrectiveAction:
    """The effectiveness check: who, when, evidence, result, and whether the defect recurred since.
    Needs the verify permission (managers); only a done action can be verified. "Effective" only once
    the waiting period is over (before, a recurrence may still come) and only if the same defect did
    not recur since the action was done; "not effective" may be recorded at any time."""
    require_writer(actor, "complaints.verify_correctiveaction")
    if action.status != CorrectiveAction.Status.DONE:
        raise ApplicationError(_("Only a completed action can be checked for effectiveness."))
    if result not in CorrectiveAction.Result.values:
        raise ApplicationError(_("Choose effective or not effective."))
    if not evidence.strip():
        raise ApplicationError(_("Record the evidence of the check."))
    now = now or timezone.now()
    recurrences = recurrence_since(action=action)
    recurred = bool(recurrences)
    if result == CorrectiveAction.Result.EFFECTIVE:
        if recurred:
            raise ApplicationError(
                _("The same defect came back after this action was done (%(references)s): it is not effective.")
                % {"references": ", ".join(c.reference for c in recurrences)}
            )
        due_on = action.verification_due_on
        if due_on is not None and timezone.localdate(now) < due_on:
            raise ApplicationError(
                _("Effectiveness can be confirmed from %(date)s, after the waiting period of %(days)s days.")
                % {"date": formats.date_format(due_on, "SHORT_DATE_FORMAT"), "days": action.verification_wait_days}
            )
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


def corrective_action_checks_remind(*, now: datetime.datetime | None = None) -> int:
    """E-mail each owner whose action's effectiveness check is due and not done yet, once per action
    (a conditional UPDATE claims the reminder, so overlapping runs send it once). Returns how many."""
    from core.mail import mail_send

    now = now or timezone.now()
    due = Q()
    for days, _label in VERIFICATION_WAIT_CHOICES:
        due |= Q(verification_wait_days=days, done_at__lte=now - datetime.timedelta(days=days))
    candidates = CorrectiveAction.objects.filter(
        due, status=CorrectiveAction.Status.DONE, result="", verification_reminded_at__isnull=True
    ).select_related("owner", "complaint")
    sent = 0
    for action in candidates.iterator():
        with transaction.atomic():
            claimed = CorrectiveAction.objects.filter(pk=action.pk, verification_reminded_at__isnull=True).update(
                verification_reminded_at=now
            )
            if claimed != 1 or not action.owner.email:
                continue
            mail_send(
                to=action.owner.email,
                template="complaints/action_check_due",
                context={
                    "action": action,
                    "complaint": action.complaint,
                    "url": site_url(action.complaint.get_absolute_url()),
                },
                language=action.owner.preferred_language,
                reference=reference_of(action.complaint),
            )
            sent += 1
    return sent
