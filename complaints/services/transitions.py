"""Workflow steps, assignment, notes and the paused SLA clock.

Every step is a conditional UPDATE (`filter(pk=..., state=<the state the user saw>)`) whose row count
is checked: SQLite has no row locks, and on PostgreSQL the same guard stops two people who loaded the
same page from both moving the complaint on. The database constraints on Complaint are the last line.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import can
from core.audit import audit_record, diff, snapshot
from core.exceptions import ApplicationError
from core.models import AuditEvent

from ..event_text import Message
from ..models import OPEN_STATES, Action, CloseReason, Complaint, ComplaintEvent, CorrectiveAction, State
from ..sla import due_after_pause
from ..workflow import target_of
from .closing import complaint_follow_up_after_close
from .common import event_add, require_writer, sla_due_dates, sla_schedule_load

WORKFLOW_FIELDS = (
    "state",
    "acknowledged_at",
    "resolved_at",
    "closed_at",
    "close_reason",
    "resolution",
    "end_reason",
    "reopen_count",
    "resolve_due_at",
    "sla_paused_at",
    "early_close_by",
    "early_close_at",
    "early_close_reason",
)
CONCURRENT_CHANGE = gettext_lazy("Someone else changed this complaint in the meantime. Reload the page and try again.")


def close_unanswered_after() -> datetime.timedelta:
    """How long a resolved complaint waits for the customer's answer before it may be closed unanswered."""
    return datetime.timedelta(days=settings.COMPLAINTS_CLOSE_UNANSWERED_AFTER_DAYS)


def complaint_transition(
    *,
    actor,
    complaint: Complaint,
    action: str,
    comment: str = "",
    resolution: str = "",
    reason: str = "",
    close_reason: str = "",
    early_close_reason: str = "",
    now: datetime.datetime | None = None,
) -> Complaint:
    """Take one workflow step (complaints.workflow.TRANSITIONS). Preconditions: resolve needs a
    resolution, withdraw/reject a reason, reopen a comment, close a close reason, no open corrective
    action that must be done first, and each such action verified effective, unless
    `early_close_reason` records why it is closed before verification (who and when with it);
    closing unanswered only after the set wait."""
    require_writer(actor)
    return transition_apply(
        actor=actor,
        complaint=complaint,
        action=action,
        comment=comment,
        resolution=resolution,
        reason=reason,
        close_reason=close_reason,
        early_close_reason=early_close_reason,
        now=now,
    )


@transaction.atomic
def transition_apply(
    *,
    actor,
    complaint: Complaint,
    action: str,
    comment: str = "",
    resolution: str = "",
    reason: str = "",
    close_reason: str = "",
    early_close_reason: str = "",
    message: str = "",
    parameters: dict | None = None,
    now: datetime.datetime | None = None,
) -> Complaint:
    """The step itself; `message` and `parameters`: the system's words on the timeline line (a
    complaints.event_text.Message code) when the system takes the step."""
    now = now or timezone.now()
    from_state = complaint.state
    to_state = target_of(action, from_state)
    if to_state is None:
        raise ApplicationError(
            _("This step is not possible for a complaint that is %(state)s.")
            % {"state": State(from_state).label if from_state in State.values else from_state}
        )
    comment, resolution, reason = comment.strip(), resolution.strip(), reason.strip()
    updates: dict = {"state": to_state, "updated_at": now}
    if action == Action.ACKNOWLEDGE:
        updates["acknowledged_at"] = now
    elif action == Action.RESOLVE:
        if not resolution:
            raise ApplicationError(_("Describe the resolution before resolving the complaint."))
        updates.update(resolved_at=now, resolution=resolution, sla_paused_at=None)
    elif action == Action.CLOSE:
        if close_reason not in CloseReason.values:
            raise ApplicationError(_("Say why the complaint is closed: accepted, or no answer in time."))
        if close_reason == CloseReason.NO_ANSWER and (complaint.resolved_at or now) + close_unanswered_after() > now:
            raise ApplicationError(
                _("A complaint may be closed unanswered only %(days)s days after it was resolved.")
                % {"days": close_unanswered_after().days}
            )
        if complaint.actions.filter(required_for_closing=True, status=CorrectiveAction.Status.OPEN).exists():
            raise ApplicationError(_("A required corrective action is still open: complete it before closing."))
        updates.update(closed_at=now, close_reason=close_reason)
        if _unverified_required_actions(complaint).exists():
            early_close_reason = early_close_reason.strip()
            if not early_close_reason:
                raise ApplicationError(
                    _(
                        "A required action's effectiveness is not verified yet: verify it, or record why "
                        "the complaint is closed before verification."
                    )
                )
            updates.update(
                early_close_by=actor if actor is not None and actor.is_authenticated else None,
                early_close_at=now,
                early_close_reason=early_close_reason,
            )
    elif action == Action.REOPEN:
        if not comment and not message:
            raise ApplicationError(_("Say why the complaint is reopened."))
        updates.update(
            resolved_at=None,
            closed_at=None,
            close_reason="",
            resolution="",
            early_close_by=None,
            early_close_at=None,
            early_close_reason="",
            reopen_count=F("reopen_count") + 1,
            resolve_due_at=sla_due_dates(complaint=complaint, start=now)[1] or complaint.resolve_due_at,
        )
    elif action in (Action.WITHDRAW, Action.REJECT):
        if not reason:
            raise ApplicationError(_("Give the reason for the withdrawal or rejection."))
        updates.update(end_reason=reason, sla_paused_at=None)

    before = snapshot(complaint, WORKFLOW_FIELDS)
    if Complaint.objects.filter(pk=complaint.pk, state=from_state).update(**updates) != 1:
        raise ApplicationError(str(CONCURRENT_CHANGE))
    complaint.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        instance=complaint,
        changes=diff(before, snapshot(complaint, WORKFLOW_FIELDS)),
        comment=comment or reason or resolution,
    )
    event_add(
        complaint=complaint,
        actor=actor,
        kind=ComplaintEvent.Kind.TRANSITION,
        from_state=from_state,
        to_state=to_state,
        comment=comment or reason or resolution,
        message=message,
        parameters=parameters,
        is_public=True,
        at=now,
    )
    if action == Action.ACKNOWLEDGE:
        from .status_link import complaint_acknowledgement_send

        complaint_acknowledgement_send(complaint=complaint, actor=actor, now=now)
    elif action == Action.CLOSE:
        complaint_follow_up_after_close(complaint=complaint, actor=actor)
    return complaint


def _unverified_required_actions(complaint: Complaint):
    """Required actions done but not (yet) verified effective: not checked, or found not effective."""
    return complaint.actions.filter(required_for_closing=True, status=CorrectiveAction.Status.DONE).exclude(
        result=CorrectiveAction.Result.EFFECTIVE
    )


def complaint_close_unanswered(*, now: datetime.datetime | None = None) -> int:
    """Close resolved complaints whose customer did not answer within the set time (a system step,
    run by the periodic sweep). Complaints with an open required corrective action stay resolved."""
    now = now or timezone.now()
    candidates = Complaint.objects.filter(state=State.RESOLVED, resolved_at__lte=now - close_unanswered_after())
    closed = 0
    # Open or unverified required actions keep it resolved: nobody decided to close it early.
    blocking = CorrectiveAction.objects.filter(
        complaint=OuterRef("pk"), required_for_closing=True, status=CorrectiveAction.Status.OPEN
    )
    unverified = CorrectiveAction.objects.filter(
        complaint=OuterRef("pk"), required_for_closing=True, status=CorrectiveAction.Status.DONE
    ).exclude(result=CorrectiveAction.Result.EFFECTIVE)
    for complaint in candidates.exclude(Exists(blocking)).exclude(Exists(unverified)).iterator():
        try:
            transition_apply(
                actor=None,
                complaint=complaint,
                action=Action.CLOSE,
                close_reason=CloseReason.NO_ANSWER,
                message=Message.CLOSED_UNANSWERED,
                now=now,
            )
        except ApplicationError:
            continue  # changed meanwhile by someone else: the next sweep looks again
        closed += 1
    return closed


@transaction.atomic
def complaint_assign(*, actor, complaint: Complaint, assignee=None, team=None, comment: str = "") -> Complaint:
    """Give the complaint to a person and/or a department. The assignee must be able to work on complaints."""
    require_writer(actor)
    if assignee is not None and not (assignee.is_active and can(assignee, "complaints.change_complaint")):
        raise ApplicationError(_("%(user)s cannot work on complaints.") % {"user": assignee})
    fields = ("assignee", "team")
    before = snapshot(complaint, fields)
    Complaint.objects.filter(pk=complaint.pk).update(assignee=assignee, team=team, updated_at=timezone.now())
    complaint.assignee, complaint.team = assignee, team
    changes = diff(before, snapshot(complaint, fields))
    if not changes:
        return complaint
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=complaint, changes=changes, comment=comment)
    event_add(
        complaint=complaint,
        actor=actor,
        kind=ComplaintEvent.Kind.ASSIGNMENT,
        message=Message.ASSIGNED,
        parameters={"assignee": str(assignee or ""), "team": str(team or "")},
    )
    return complaint


@transaction.atomic
def complaint_bulk_assign(*, actor, complaint_ids: list[int], assignee=None, team=None) -> int:
    """Assign several complaints at once; all or none."""
    require_writer(actor)
    complaints = list(Complaint.objects.filter(pk__in=complaint_ids).select_related("assignee", "team"))
    if len(complaints) != len(set(complaint_ids)):
        raise ApplicationError(_("Some of the selected complaints no longer exist."))
    for complaint in complaints:
        complaint_assign(actor=actor, complaint=complaint, assignee=assignee, team=team)
    return len(complaints)


@transaction.atomic
def complaint_note_add(*, actor, complaint: Complaint, text: str) -> ComplaintEvent:
    """An internal note on the timeline (never shown to the customer)."""
    require_writer(actor)
    text = text.strip()
    if not text:
        raise ApplicationError(_("Write the note first."))
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=complaint, changes={}, comment=text)
    return event_add(complaint=complaint, actor=actor, kind=ComplaintEvent.Kind.NOTE, comment=text)


@transaction.atomic
def complaint_pause(*, actor, complaint: Complaint, comment: str = "", now: datetime.datetime | None = None):
    """Stop the SLA clock while waiting for the customer (information, a sample, access to site)."""
    require_writer(actor)
    now = now or timezone.now()
    updated = Complaint.objects.filter(pk=complaint.pk, state__in=OPEN_STATES, sla_paused_at__isnull=True).update(
        sla_paused_at=now, updated_at=now
    )
    if updated != 1:
        raise ApplicationError(_("Only an open complaint whose clock is running can wait for the customer."))
    complaint.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        instance=complaint,
        changes={"sla_paused_at": [None, str(now)]},
        comment=comment,
    )
    event_add(complaint=complaint, actor=actor, kind=ComplaintEvent.Kind.PAUSE, comment=comment, is_public=True, at=now)
    return complaint


@transaction.atomic
def complaint_resume(*, actor, complaint: Complaint, comment: str = "", now: datetime.datetime | None = None):
    """Restart the clock: the due dates move on by the working time spent waiting."""
    require_writer(actor)
    now = now or timezone.now()
    paused_at = complaint.sla_paused_at
    if paused_at is None:
        raise ApplicationError(_("The clock of this complaint is not paused."))
    schedule = sla_schedule_load()
    updates = {"sla_paused_at": None, "updated_at": now}
    if complaint.acknowledge_due_at and complaint.acknowledged_at is None:
        updates["acknowledge_due_at"] = due_after_pause(complaint.acknowledge_due_at, paused_at, now, schedule)
    if complaint.resolve_due_at:
        updates["resolve_due_at"] = due_after_pause(complaint.resolve_due_at, paused_at, now, schedule)
    before = snapshot(complaint, ("sla_paused_at", "acknowledge_due_at", "resolve_due_at"))
    if Complaint.objects.filter(pk=complaint.pk, sla_paused_at=paused_at).update(**updates) != 1:
        raise ApplicationError(str(CONCURRENT_CHANGE))
    complaint.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        instance=complaint,
        changes=diff(before, snapshot(complaint, ("sla_paused_at", "acknowledge_due_at", "resolve_due_at"))),
        comment=comment,
    )
    event_add(
        complaint=complaint, actor=actor, kind=ComplaintEvent.Kind.RESUME, comment=comment, is_public=True, at=now
    )
    return complaint
