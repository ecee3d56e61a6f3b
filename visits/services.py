"""Every write about visits: scheduling (by plan and by event), recording, rescheduling, reminders."""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import can, require
from core.audit import audit_event_build, audit_record, audit_record_many, diff, snapshot
from core.exceptions import ApplicationError
from core.links import site_url
from core.mail import mail_send
from core.models import AuditEvent
from core.references import reference_of
from customers.models import Customer, Lifecycle, SatisfactionDimension
from customers.selectors import InvalidCriteria, segment_customers

from . import cadence
from .models import (
    VISIT_PLAN_EDITABLE_FIELDS,
    Assignment,
    CalendarFeed,
    Severity,
    Trigger,
    Visit,
    VisitIssue,
    VisitPlan,
    VisitScore,
)

# Inserting scheduled visits costs ~0.1 ms a row on SQLite here; 2,000 keeps a batch well under a
# second and its memory small.
SCHEDULE_BATCH_SIZE = 2000
User = get_user_model()
logger = logging.getLogger(__name__)


# -- policy -----------------------------------------------------------------------------------------


def _is_own(*, user, visit: Visit) -> bool:
    return visit.assignee_id == user.pk or (visit.customer.owner_id is not None and visit.customer.owner_id == user.pk)


def visit_can_view(*, user, visit: Visit) -> bool:
    """Managers, admins and auditors see every visit; staff see the visits assigned to them and the
    visits of the customers they own."""
    if not user.is_authenticated or not user.has_perm("visits.view_visit"):
        return False
    return user.has_perm("visits.view_all_visits") or _is_own(user=user, visit=visit)


def visit_can_change(*, user, visit: Visit) -> bool:
    """Managers change every visit; staff their own (assigned to them, or of customers they own);
    auditors none."""
    if not can(user, "visits.change_visit"):
        return False
    return user.has_perm("visits.change_all_visits") or _is_own(user=user, visit=visit)


def _require(allowed: bool) -> None:
    if not allowed:
        raise ApplicationError(_("You are not allowed to change this visit."))


# -- plans ------------------------------------------------------------------------------------------

# Changing one of these changes which visits a cycle holds: it waits for the next cycle.
CYCLE_FIELDS = {"cadence", "anchor_day", "segment", "time_zone"}


def _require_plan_manager(actor) -> None:
    require(actor, "visits.change_visitplan", _("Only managers can change visit plans."))


@transaction.atomic
def visit_plan_create(*, actor, data: dict[str, Any]) -> VisitPlan:
    _require_plan_manager(actor)
    plan = VisitPlan(created_by=actor, **{k: v for k, v in data.items() if k in VISIT_PLAN_EDITABLE_FIELDS})
    plan.full_clean()
    plan.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        instance=plan,
        changes={k: [None, v] for k, v in snapshot(plan).items() if v not in (None, "")},
    )
    _schedule_soon(plan)
    return plan


@transaction.atomic
def visit_plan_update(*, actor, plan: VisitPlan, data: dict[str, Any]) -> VisitPlan:
    """Applies from the next cycle: visits already created keep their date and assignee."""
    _require_plan_manager(actor)
    before = snapshot(plan)
    old_cadence, old_time_zone = plan.cadence, plan.time_zone
    for field, value in data.items():
        if field in VISIT_PLAN_EDITABLE_FIELDS:
            setattr(plan, field, value)
    plan.full_clean()
    if plan.trigger == Trigger.SCHEDULE and old_cadence and diff(before, snapshot(plan)).keys() & CYCLE_FIELDS:
        # The visits of the running cycle were made under the old rules; the new ones start with
        # the next cycle (of the old cadence), so nobody is visited twice in one period.
        today = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(old_time_zone)).date()
        plan.applies_from = cadence.cycle_containing(old_cadence, today).end + datetime.timedelta(days=1)
    plan.save()
    changes = diff(before, snapshot(plan))
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=plan, changes=changes)
        _schedule_soon(plan)
    return plan


def _schedule_soon(plan: VisitPlan) -> None:
    """Create a saved plan's visits now rather than at the next hourly run. If the broker is down
    the hourly run still does it, so a failure to enqueue is logged, not raised."""
    if plan.trigger != Trigger.SCHEDULE or not plan.is_active:
        return

    def enqueue(plan_id: int = plan.pk) -> None:
        from .tasks import visits_schedule_plan_task

        try:
            visits_schedule_plan_task.delay(plan_id)
        except Exception:  # noqa: BLE001 - see the docstring
            logger.exception("Could not enqueue the scheduling of visit plan %s", plan_id)

    transaction.on_commit(enqueue)


# -- scheduling -------------------------------------------------------------------------------------


def _plan_today(plan: VisitPlan, now: datetime.datetime | None = None) -> datetime.date:
    return timezone.localtime(now or timezone.now(), zoneinfo.ZoneInfo(plan.time_zone)).date()


def _assignees(plan: VisitPlan, customers: list[Customer]) -> list[int | None]:
    if plan.assignment == Assignment.PERSON:
        return [plan.assignee_id] * len(customers)
    if plan.assignment == Assignment.ROUND_ROBIN and plan.team is not None:  # clean() requires the team
        members = list(plan.team.members.filter(is_active=True).order_by("username").values_list("pk", flat=True))
        if not members:
            return [plan.team.manager_id] * len(customers)
        start = plan.round_robin_position
        return [members[(start + i) % len(members)] for i in range(len(customers))]
    return [c.owner_id for c in customers]


def visits_schedule_plan(*, plan: VisitPlan, now: datetime.datetime | None = None) -> int:
    """Create the visits of a scheduled plan for the current cycle and the cycles starting within
    its horizon. Returns how many were created.

    Idempotent: a (customer, plan, cycle) that already has a visit is skipped, and the unique
    constraint visit_once_per_customer_plan_cycle stops a concurrent run (two beats, a retried
    task) from creating a second one.
    """
    if plan.trigger != Trigger.SCHEDULE or not plan.is_active:
        return 0
    if plan.segment is None:  # a scheduled plan always has its population (VisitPlan.clean)
        return 0
    try:
        population = segment_customers(segment=plan.segment).exclude(lifecycle=Lifecycle.LOST)
    except InvalidCriteria:
        return 0
    created = 0
    today = _plan_today(plan, now)
    for cycle in cadence.cycles_to_schedule(plan.cadence, today, plan.horizon_days):
        if plan.applies_from and cycle.start < plan.applies_from:
            continue
        # A visit created after its day in the cycle (a new plan, a customer new to the segment, a
        # scheduler that was down) is due today, not already overdue.
        due_date = max(cycle.due_date(plan.anchor_day), today)
        already = Visit.objects.filter(plan=plan, cycle=cycle.key).values("customer_id")
        last_pk = 0
        while True:
            batch = list(
                population.filter(pk__gt=last_pk)
                .exclude(pk__in=already)
                .order_by("pk")
                .only("pk", "owner_id")[:SCHEDULE_BATCH_SIZE]
            )
            if not batch:
                break
            last_pk = batch[-1].pk
            created += _create_cycle_visits(plan, cycle.key, due_date, batch)
    return created


@transaction.atomic
def _create_cycle_visits(plan: VisitPlan, cycle_key: str, due_date: datetime.date, customers: list[Customer]) -> int:
    assignees = _assignees(plan, customers)
    visits = [
        Visit(
            customer_id=c.pk,
            plan=plan,
            trigger=Trigger.SCHEDULE,
            cycle=cycle_key,
            due_date=due_date,
            assignee_id=assignee,
            channel=plan.channel,
            purpose=plan.purpose,
        )
        for c, assignee in zip(customers, assignees, strict=True)
    ]
    this_batch = Visit.objects.filter(plan=plan, cycle=cycle_key, customer_id__in=[c.pk for c in customers])
    existing = list(this_batch.values_list("pk", flat=True))
    # ignore_conflicts: a visit another run inserted meanwhile is skipped by the unique constraint.
    Visit.objects.bulk_create(visits, batch_size=500, ignore_conflicts=True)
    new_visits = list(this_batch.exclude(pk__in=existing).select_related("customer"))
    audit_record_many(
        [
            audit_event_build(
                actor=None,
                action=AuditEvent.Action.CREATE,
                instance=visit,
                changes={"due_date": [None, str(visit.due_date)], "cycle": [None, cycle_key]},
                comment=f"scheduled by plan: {plan.name}",  # a code: core.audit_text shows it in words
            )
            for visit in new_visits
        ]
    )
    created = len(new_visits)
    if plan.assignment == Assignment.ROUND_ROBIN and created:
        VisitPlan.objects.filter(pk=plan.pk).update(round_robin_position=plan.round_robin_position + created)
        plan.round_robin_position += created
    return created


def visits_schedule_due(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: schedule every active plan. Each plan commits on its own, so one broken
    plan does not hold back the others."""
    total = 0
    for plan in VisitPlan.objects.filter(trigger=Trigger.SCHEDULE, is_active=True).select_related("segment", "team"):
        try:
            total += visits_schedule_plan(plan=plan, now=now)
        except Exception:  # noqa: BLE001 - logged; the other plans still get their visits
            logger.exception("Scheduling visits for plan %s failed", plan.pk)
    return total


def visit_schedule_for_event(
    *, customer: Customer, trigger: str, reference: str, actor=None, now: datetime.datetime | None = None
) -> list[Visit]:
    """Create the visits that event plans ask for after an event, once per plan and event.

    `reference` names the event (e.g. "complaint:123", "survey_response:45"); calling again with
    the same reference creates nothing. Called by complaints (closed), surveys (low score) and the
    customer lifecycle (lost).
    """
    if trigger == Trigger.SCHEDULE:
        raise ValueError("scheduled visits come from visits_schedule_plan")
    created = []
    plans = VisitPlan.objects.filter(trigger=trigger, is_active=True).select_related("segment", "team")
    for plan in plans:
        if plan.segment is not None:
            try:
                if not segment_customers(segment=plan.segment).filter(pk=customer.pk).exists():
                    continue
            except InvalidCriteria:
                continue
        due_date = _plan_today(plan, now) + datetime.timedelta(days=plan.due_in_days)
        assignee = _assignees(plan, [customer])[0]
        try:
            with transaction.atomic():
                visit = Visit.objects.create(
                    customer=customer,
                    plan=plan,
                    trigger=trigger,
                    trigger_reference=reference,
                    due_date=due_date,
                    assignee_id=assignee,
                    channel=plan.channel,
                    purpose=plan.purpose,
                )
                if plan.assignment == Assignment.ROUND_ROBIN:
                    VisitPlan.objects.filter(pk=plan.pk).update(round_robin_position=plan.round_robin_position + 1)
                audit_record(
                    actor=actor,
                    action=AuditEvent.Action.CREATE,
                    instance=visit,
                    changes={"due_date": [None, str(due_date)], "trigger": [None, trigger]},
                    comment=reference,
                )
        except IntegrityError:
            continue  # this event already gave this plan's visit
        created.append(visit)
    return created


def visit_schedule_for_lifecycle_change(*, customer: Customer, change, actor) -> None:
    """customers.hooks listener: a customer marked lost gets a win-back visit."""
    if change.to_state == Lifecycle.LOST:
        visit_schedule_for_event(
            customer=customer, trigger=Trigger.CUSTOMER_LOST, reference=reference_of(change), actor=actor
        )


@transaction.atomic
def visit_create(
    *, actor, customer: Customer, due_date: datetime.date, channel: str, purpose: str, assignee=None
) -> Visit:
    """A visit planned by hand (not from a plan)."""
    require(actor, "visits.add_visit", _("You are not allowed to plan visits."))
    if not actor.has_perm("visits.change_all_visits"):
        if assignee is not None and assignee != actor:
            raise ApplicationError(_("Only managers can plan visits for someone else."))
        if customer.owner_id is not None and customer.owner_id != actor.pk:
            raise ApplicationError(_("Only the account manager or a manager can plan visits to this customer."))
    if due_date < timezone.localdate():
        raise ApplicationError(_("The due date cannot be in the past."))
    visit = Visit(
        customer=customer,
        trigger=Trigger.MANUAL,
        cycle="",
        due_date=due_date,
        channel=channel,
        purpose=purpose,
        assignee=assignee or actor,
    )
    visit.full_clean(validate_constraints=False)
    visit.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        instance=visit,
        changes={k: [None, v] for k, v in snapshot(visit).items() if v not in (None, "", 0)},
    )
    return visit


# -- doing the visit --------------------------------------------------------------------------------


@transaction.atomic
def visit_record(
    *,
    actor,
    visit: Visit,
    visited_on: datetime.date,
    summary: str,
    contact_ids: Iterable[int] = (),
    scores: dict[int, int] | None = None,
    issues: Iterable[str | dict] = (),
    next_steps: str = "",
) -> Visit:
    """Record a planned visit as done, with its scores (1-5 per dimension) and new issues.

    Preconditions: the visit is planned (a second submission of the same form is refused, so a
    double tap records once); the date is not in the future; contacts belong to the customer.
    """
    _require(visit_can_change(user=actor, visit=visit))
    if visited_on > timezone.localdate():
        raise ApplicationError(_("A visit cannot be recorded before it happened."))
    if not summary.strip():
        raise ApplicationError(_("Write a short summary of the visit."))
    scores = {int(k): int(v) for k, v in (scores or {}).items() if v not in (None, "")}
    if any(not 1 <= v <= 5 for v in scores.values()):
        raise ApplicationError(_("Scores go from 1 (very dissatisfied) to 5 (very satisfied)."))
    dimension_codes = dict(
        SatisfactionDimension.objects.filter(pk__in=scores, is_active=True).values_list("pk", "code")
    )
    if set(dimension_codes) != set(scores):
        raise ApplicationError(_("Unknown satisfaction dimension."))
    issue_rows = [_issue_row(i) for i in issues]
    issue_rows = [i for i in issue_rows if i.description]
    contact_ids = list(contact_ids)
    if contact_ids and visit.customer.contacts.filter(pk__in=contact_ids).count() != len(set(contact_ids)):
        raise ApplicationError(_("The people met must be contacts of this customer."))
    now = timezone.now()
    updated = Visit.objects.filter(pk=visit.pk, status=Visit.Status.PLANNED).update(
        status=Visit.Status.DONE,
        visited_on=visited_on,
        summary=summary.strip(),
        next_steps=next_steps.strip(),
        completed_at=now,
        updated_at=now,
    )
    if updated != 1:
        raise ApplicationError(_("This visit was already recorded or cancelled."))
    visit.refresh_from_db()
    visit.contacts_met.set(contact_ids)
    VisitScore.objects.bulk_create([VisitScore(visit=visit, dimension_id=d, score=s) for d, s in scores.items()])
    for issue in issue_rows:
        issue.visit = visit
    issue_rows = VisitIssue.objects.bulk_create(issue_rows)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        instance=visit,
        changes={
            "status": [Visit.Status.PLANNED, Visit.Status.DONE],
            "visited_on": [None, str(visited_on)],
            "scores": [None, {dimension_codes[k]: v for k, v in scores.items()}],
            "issues": [None, len(issue_rows)],
        },
        comment=summary.strip()[:500],
    )
    return visit


def _issue_row(issue: str | dict) -> VisitIssue:
    if isinstance(issue, str):
        return VisitIssue(description=issue.strip())
    severity = issue.get("severity") or Severity.MEDIUM
    if severity not in Severity.values:
        raise ApplicationError(_("Unknown severity."))
    return VisitIssue(description=(issue.get("description") or "").strip(), severity=severity)


@transaction.atomic
def visit_reschedule(*, actor, visit: Visit, due_date: datetime.date, reason: str) -> Visit:
    _require(visit_can_change(user=actor, visit=visit))
    if not reason.strip():
        raise ApplicationError(_("Give a reason for rescheduling."))
    if due_date < timezone.localdate():
        raise ApplicationError(_("The new date cannot be in the past."))
    old = visit.due_date
    updated = Visit.objects.filter(pk=visit.pk, status=Visit.Status.PLANNED).update(
        due_date=due_date,
        reschedule_count=visit.reschedule_count + 1,
        reminder_sent_at=None,
        escalated_at=None,
        updated_at=timezone.now(),
    )
    if updated != 1:
        raise ApplicationError(_("Only a planned visit can be rescheduled."))
    visit.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        instance=visit,
        changes={"due_date": [str(old), str(due_date)]},
        comment=reason.strip(),
    )
    return visit


@transaction.atomic
def visit_cancel(*, actor, visit: Visit, reason: str) -> Visit:
    _require(visit_can_change(user=actor, visit=visit))
    if not reason.strip():
        raise ApplicationError(_("Give a reason for cancelling."))
    updated = Visit.objects.filter(pk=visit.pk, status=Visit.Status.PLANNED).update(
        status=Visit.Status.CANCELLED, cancel_reason=reason.strip(), updated_at=timezone.now()
    )
    if updated != 1:
        raise ApplicationError(_("Only a planned visit can be cancelled."))
    visit.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        instance=visit,
        changes={"status": [Visit.Status.PLANNED, Visit.Status.CANCELLED]},
        comment=reason.strip(),
    )
    return visit


# -- reminders and escalation ----------------------------------------------------------------------


def _send(user, template: str, visit: Visit) -> None:
    """E-mail one user about a visit, in their preferred language (through the outbox: call it in
    the transaction that marks the visit reminded or escalated)."""
    if not user or not user.email:
        return
    mail_send(
        to=user.email,
        template=template,
        context={"visit": visit, "url": site_url(visit.get_absolute_url())},
        language=user.preferred_language,
        reference=reference_of(visit),
    )


def visits_send_reminders(*, now: datetime.datetime | None = None) -> int:
    """E-mail each assignee about the visits due tomorrow, once per visit: reminder_sent_at is set by
    a conditional update (a second run or a second worker sends nothing) in the same transaction as
    the e-mail is recorded in the outbox, which delivers it, retrying while the relay is down."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + datetime.timedelta(days=1)
    sent = 0
    due = Visit.objects.filter(
        status=Visit.Status.PLANNED, due_date=tomorrow, reminder_sent_at__isnull=True, assignee__isnull=False
    ).select_related("assignee", "customer")
    for visit in due:
        with transaction.atomic():
            if Visit.objects.filter(pk=visit.pk, reminder_sent_at__isnull=True).update(reminder_sent_at=now) != 1:
                continue
            _send(visit.assignee, "visits/reminder", visit)
        sent += 1
    return sent


def _managers_for(visit: Visit) -> list:
    teams = visit.assignee.teams.exclude(manager=None).select_related("manager") if visit.assignee else []
    managers = [t.manager for t in teams if t.manager is not None and t.manager.is_active]
    if managers:
        return managers
    return list(User.objects.filter(groups__name="manager", is_active=True).exclude(email=""))


def visits_escalate_overdue(*, now: datetime.datetime | None = None, grace_days: int = 2) -> int:
    """Tell the manager about planned visits more than `grace_days` overdue, once per visit."""
    now = now or timezone.now()
    limit = timezone.localtime(now).date() - datetime.timedelta(days=grace_days)
    escalated = 0
    overdue = Visit.objects.filter(
        status=Visit.Status.PLANNED, due_date__lt=limit, escalated_at__isnull=True
    ).select_related("assignee", "customer")
    events = []
    for visit in overdue:
        with transaction.atomic():
            if Visit.objects.filter(pk=visit.pk, escalated_at__isnull=True).update(escalated_at=now) != 1:
                continue
            for manager in _managers_for(visit):
                _send(manager, "visits/overdue", visit)
        events.append(
            audit_event_build(
                actor=None,
                action=AuditEvent.Action.TRANSITION,
                instance=visit,
                changes={"escalated": [False, True]},
                comment=_("Overdue: manager told"),
            )
        )
        escalated += 1
    audit_record_many(events)
    return escalated


# -- calendar feed ----------------------------------------------------------------------------------


def calendar_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_renew(*, user) -> str:
    """A new secret feed address for the user; the old one stops working. Returns the token."""
    token = secrets.token_urlsafe(32)
    feed, created = CalendarFeed.objects.update_or_create(
        user=user, defaults={"token_hash": calendar_token_hash(token)}
    )
    # The address is a credential: the trail says that it changed, never what it is.
    audit_record(
        actor=user,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        instance=feed,
        comment=_("Calendar feed address issued.") if created else _("Calendar feed address renewed."),
    )
    return token


def calendar_feed_user(*, token: str):
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=calendar_token_hash(token)).first()
    return feed.user if feed and feed.user.is_active else None
