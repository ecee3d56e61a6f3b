"""Helpers the complaint services share: permission checks, the calendar, events."""

from __future__ import annotations

import datetime
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from accounts.access import require

from ..models import CalendarDay, Complaint, ComplaintEvent, SlaPolicy
from ..sla import Schedule, due_dates


def require_writer(actor, permission: str = "complaints.change_complaint") -> None:
    """Auditors and users without the permission change nothing, whichever door they come through
    (accounts.access.require with the complaints' wording)."""
    require(actor, permission, _("You are not allowed to change complaints."))


# The SLA configuration (policies and holiday calendar) is read on every creation and changes a few
# times a year, so each process keeps it for SLA_CONFIG_SECONDS. A policy or calendar day saved or
# deleted in this process empties it at once and again at commit, and nothing is kept while such a
# change may still be uncommitted (until its commit, at most SLA_CONFIG_SECONDS if it is rolled
# back), so a rolled-back change is never remembered. Other processes see a change within
# SLA_CONFIG_SECONDS. Changes that send no signal (queryset.update(), raw SQL) wait out the same delay.
SLA_CONFIG_SECONDS = 60.0
_sla_config: dict[str, tuple[float, object]] = {}
_sla_config_unsettled_until = 0.0


def _sla_config_cached(key: str, load):
    now = time.monotonic()
    entry = _sla_config.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    value = load()
    if now >= _sla_config_unsettled_until:
        _sla_config[key] = (now + SLA_CONFIG_SECONDS, value)
    return value


def sla_config_forget() -> None:
    """Drop the cached SLA configuration of this process (the next read goes to the database)."""
    global _sla_config_unsettled_until
    _sla_config.clear()
    _sla_config_unsettled_until = 0.0


@receiver(post_save, sender=SlaPolicy)
@receiver(post_delete, sender=SlaPolicy)
@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
def _sla_config_changed(sender, using=None, **kwargs) -> None:
    global _sla_config_unsettled_until
    _sla_config.clear()
    _sla_config_unsettled_until = time.monotonic() + SLA_CONFIG_SECONDS
    transaction.on_commit(sla_config_forget, using=using)


def _sla_schedule_read() -> Schedule:
    holidays: set[datetime.date] = set()
    workdays: set[datetime.date] = set()
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (workdays if kind == CalendarDay.Kind.WORKDAY else holidays).add(day)
    return Schedule(timezone=ZoneInfo(settings.TIME_ZONE), holidays=frozenset(holidays), workdays=frozenset(workdays))


def sla_schedule_load(*, around: datetime.date | None = None) -> Schedule:
    """The business calendar: Monday to Friday, with the holidays and make-up working days stored
    as CalendarDay rows (all of them: a few dozen rows a year). Cached per process (see above)."""
    return _sla_config_cached("schedule", _sla_schedule_read)


def sla_policy_for(*, severity: str, tier: str) -> SlaPolicy | None:
    """The policy for the severity and the customer's tier, else the severity's general one.
    Cached per process (see above): the instance is shared, read it only."""
    policies = _sla_config_cached("policies", lambda: {(p.severity, p.tier): p for p in SlaPolicy.objects.all()})
    return policies.get((severity, tier)) or policies.get((severity, ""))


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
    message: str = "",
    parameters: dict | None = None,
    from_state: str = "",
    to_state: str = "",
    is_public: bool = False,
    at: datetime.datetime | None = None,
) -> ComplaintEvent:
    """One timeline line. System text goes in `message` (a complaints.event_text.Message code) and
    its `parameters`, rendered when read; `comment` holds only what a person wrote."""
    kwargs = {"at": at} if at else {}
    return ComplaintEvent.objects.create(
        complaint=complaint,
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=kind,
        comment=comment,
        message=message,
        parameters=parameters or {},
        from_state=from_state,
        to_state=to_state,
        is_public=is_public,
        **kwargs,
    )
