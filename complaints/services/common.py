"""Helpers the complaint services share: permission checks, the calendar, events."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError

from ..models import CalendarDay, Complaint, ComplaintEvent, SlaPolicy
from ..sla import Schedule, due_dates


def require_writer(actor, permission: str = "complaints.change_complaint") -> None:
    """Auditors and users without the permission change nothing, whichever door they come through."""
    if actor is None or getattr(actor, "is_read_only", True) or not actor.has_perm(permission):
        raise ApplicationError(_("You are not allowed to change complaints."))


def sla_schedule_load(*, around: datetime.date | None = None) -> Schedule:
    """The business calendar: Monday to Friday, with the holidays and make-up working days stored
    as CalendarDay rows (all of them: a few dozen rows a year)."""
    holidays, workdays = set(), set()
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (workdays if kind == CalendarDay.Kind.WORKDAY else holidays).add(day)
    return Schedule(timezone=ZoneInfo(settings.TIME_ZONE), holidays=frozenset(holidays), workdays=frozenset(workdays))


def sla_policy_for(*, severity: str, tier: str) -> SlaPolicy | None:
    """The policy for the severity and the customer's tier, else the severity's general one."""
    policies = {p.tier: p for p in SlaPolicy.objects.filter(severity=severity, tier__in=[tier, ""])}
    return policies.get(tier) or policies.get("")


def sla_due_dates(
    *, complaint: Complaint, start: datetime.datetime, schedule: Schedule | None = None
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    policy = sla_policy_for(severity=complaint.severity, tier=complaint.customer.tier)
    if policy is None:
        return None, None
    return due_dates(
        start,
        acknowledge_hours=policy.acknowledge_hours,
        resolve_days=policy.resolve_days,
        schedule=schedule or sla_schedule_load(),
    )


def event_add(
    *,
    complaint: Complaint,
    actor,
    kind: str,
    comment: str = "",
    from_state: str = "",
    to_state: str = "",
    is_public: bool = False,
    at: datetime.datetime | None = None,
) -> ComplaintEvent:
    kwargs = {"at": at} if at else {}
    return ComplaintEvent.objects.create(
        complaint=complaint,
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=kind,
        comment=comment,
        from_state=from_state,
        to_state=to_state,
        is_public=is_public,
        **kwargs,
    )
