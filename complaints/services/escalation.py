"""Escalation of complaints nearing or past their deadlines (quick response, 快速响应).

The periodic sweep asks, for each active rule, which open complaints have passed the rule's moment
(deadline + offset) and have no Escalation row for the rule in their current cycle. The row is
inserted first; its unique constraint makes a second sweep, an overlapping worker, or a catch-up
after downtime escalate each complaint once per rule and cycle. Mails are recorded in the outbox
in the same transaction and go out after commit.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Role
from core.audit import audit_record
from core.links import site_url
from core.mail import mail_send
from core.models import AuditEvent
from core.references import reference_of

from ..event_text import Message
from ..models import OPEN_STATES, Complaint, ComplaintEvent, Escalation, EscalationRule, State
from .common import event_add


def _recipients(complaint: Complaint, rule: EscalationRule) -> list:
    User = get_user_model()
    managers = User.objects.filter(is_active=True, groups__name=Role.MANAGER)
    if rule.audience == EscalationRule.Audience.ASSIGNEE:
        if complaint.assignee is not None:
            return [complaint.assignee]
        rule_audience: str = EscalationRule.Audience.MANAGER  # nobody assigned: the manager must act
    else:
        rule_audience = rule.audience
    if rule_audience == EscalationRule.Audience.MANAGER:
        if complaint.team is not None and complaint.team.manager is not None:
            return [complaint.team.manager]
        return list(managers)
    # Senior management: every manager and administrator.
    return list(User.objects.filter(is_active=True, groups__name__in=[Role.MANAGER, Role.ADMIN]).distinct())


def _notify(users: list, complaint: Complaint, rule: EscalationRule) -> None:
    from django.urls import reverse

    url = site_url(reverse("complaints:detail", args=[complaint.pk]))
    for user in users:
        if not user.email:
            continue
        mail_send(
            to=user.email,
            template="complaints/escalation",
            context={"complaint": complaint, "rule": rule, "url": url},
            language=user.preferred_language,
            reference=reference_of(complaint),
        )


def complaint_escalations_due(*, rule: EscalationRule, now: datetime.datetime):
    """Open, unpaused complaints past the rule's moment without an escalation for it this cycle."""
    deadline_field = "acknowledge_due_at" if rule.deadline == EscalationRule.Deadline.ACKNOWLEDGE else "resolve_due_at"
    moment = now - datetime.timedelta(minutes=rule.offset_minutes)
    queryset = Complaint.objects.filter(
        state__in=[State.RECEIVED] if rule.deadline == EscalationRule.Deadline.ACKNOWLEDGE else OPEN_STATES,
        sla_paused_at__isnull=True,
        **{f"{deadline_field}__lte": moment},
    )
    if rule.only_severity:
        queryset = queryset.filter(severity=rule.only_severity)
    already = Escalation.objects.filter(complaint=OuterRef("pk"), rule=rule, cycle=OuterRef("reopen_count"))
    return queryset.exclude(Exists(already)).select_related("assignee", "team__manager", "customer")


def complaint_escalate(*, complaint: Complaint, rule: EscalationRule, now: datetime.datetime) -> bool:
    """Escalate one complaint by one rule, once per reopening cycle: the Escalation row, the audit
    record, the timeline line and the e-mails, in one transaction. The sweep and a low rating both
    come here. False when it was escalated already (the row's unique constraint)."""
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(complaint=complaint, rule=rule, cycle=complaint.reopen_count, at=now)
            users = _recipients(complaint, rule)
            escalation.notified = ", ".join(str(u) for u in users)
            Escalation.objects.filter(pk=escalation.pk).update(notified=escalation.notified)
            audit_record(
                actor=None,
                action=AuditEvent.Action.UPDATE,
                instance=complaint,
                changes={"escalation": [None, rule.code]},
                comment=escalation.notified,
            )
            event_add(
                complaint=complaint,
                actor=None,
                kind=ComplaintEvent.Kind.ESCALATION,
                message=Message.ESCALATION,
                parameters={
                    "rule": rule.code,
                    "rule_en": rule.name,
                    "rule_zh": rule.name_zh,
                    "notified": escalation.notified,
                },
                at=now,
            )
            _notify(users, complaint, rule)
    except IntegrityError:
        return False  # another sweep made it first
    return True


def complaint_escalations_run(*, now: datetime.datetime | None = None) -> int:
    """Escalate every complaint that is due for it, once. Returns how many escalations were made."""
    now = now or timezone.now()
    made = 0
    rules = EscalationRule.objects.filter(
        is_active=True, deadline__in=[EscalationRule.Deadline.ACKNOWLEDGE, EscalationRule.Deadline.RESOLVE]
    )
    for rule in rules.order_by("level", "code"):
        for complaint in complaint_escalations_due(rule=rule, now=now):
            made += complaint_escalate(complaint=complaint, rule=rule, now=now)
    return made
