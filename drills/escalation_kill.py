"""Drill: the worker killed with SIGKILL in the middle of the complaint escalation sweep.

Open complaints long past both their acknowledgement and resolution deadlines are seeded, so every
active deadline rule is due for each (critical ones also go to senior management). The sweep
(complaints.tasks.complaint_escalations_run_task, beat's five-minute job) is enqueued; while it is
escalating, the worker and its pool processes are killed at once and started again, and the sweep is
enqueued again as beat's next run would (on Redis the killed task itself comes back only after the
visibility timeout, an hour). Afterwards each complaint must have each due escalation exactly once
(the Escalation row, its timeline line and its audit record) and each of its e-mails exactly once
(outbox rows and the SMTP sink; the same Message-ID again is "re-sent", as in mail_check).
"""

from __future__ import annotations

import datetime
import time
from collections import Counter

from . import mail_check
from .figures import Figures
from .stack import Stack, wait_until


def _seed(count: int):
    """`count` received complaints, a month past both deadlines, shared by five assignees of one
    department with a manager; every fourth critical. Returns their ids."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.models import Team, User
    from complaints.models import Complaint, State
    from customers.models import Customer

    from . import seed

    domain = f"esc.{seed.DOMAIN}"
    tag = seed.customers(drill="esc", count=count)
    customers = list(Customer.objects.filter(tags=tag).order_by("pk"))
    manager = User.objects.create(username="esc-manager", email=f"manager@{domain}", preferred_language="en")
    manager.groups.add(Group.objects.get(name="manager"))
    staff = [
        User.objects.create(username=f"esc-staff{n}", email=f"staff{n}@{domain}", preferred_language="en")
        for n in range(5)
    ]
    Group.objects.get(name="staff").user_set.add(*staff)
    team = Team.objects.create(name="Drill escalation", manager=manager)
    team.members.add(*staff)
    received = timezone.now() - datetime.timedelta(days=40)
    complaints = Complaint.objects.bulk_create(
        Complaint(
            reference=f"DRL-ESC-{number:06d}",
            customer=customer,
            channel="hotline",
            severity="critical" if number % 4 == 0 else "medium",
            state=State.RECEIVED,
            subject=f"Drill escalation {number}",
            description="Seeded by the escalation drill.",
            received_at=received,
            assignee=staff[number % len(staff)],
            team=team,
            acknowledge_due_at=received + datetime.timedelta(days=1),
            resolve_due_at=received + datetime.timedelta(days=10),
        )
        for number, customer in enumerate(customers)
    )
    return [c.pk for c in complaints]


def _due(ids: list[int]) -> list[tuple[int, int]]:
    """(complaint id, rule id) of every escalation due now among the drill's complaints."""
    from django.utils import timezone

    from complaints.models import EscalationRule
    from complaints.services.escalation import complaint_escalations_due

    now = timezone.now()
    rules = EscalationRule.objects.filter(
        is_active=True, deadline__in=[EscalationRule.Deadline.ACKNOWLEDGE, EscalationRule.Deadline.RESOLVE]
    )
    return [
        (complaint.pk, rule.pk)
        for rule in rules
        for complaint in complaint_escalations_due(rule=rule, now=now).filter(pk__in=ids)
    ]


def run(stack: Stack, *, short: bool) -> Figures:
    from django.contrib.contenttypes.models import ContentType

    from complaints.models import Complaint, ComplaintEvent, Escalation, EscalationRule
    from complaints.services.escalation import _recipients
    from complaints.tasks import complaint_escalations_run_task
    from core.models import AuditEvent, OutboxMessage
    from core.references import reference_text

    count = 200 if short else 600
    figures = Figures("escalation-kill")
    ids = _seed(count)
    due = _due(ids)
    rules = {rule.pk: rule for rule in EscalationRule.objects.all()}
    escalations = Escalation.objects.filter(complaint_id__in=ids)

    started = time.monotonic()
    complaint_escalations_run_task.delay()
    # Kill while the sweep is part-way: after a third and two thirds of the escalations (the long
    # mode: a quarter, a half, three quarters), each time enqueueing the sweep again after the restart.
    fractions = (1 / 3, 2 / 3) if short else (1 / 4, 1 / 2, 3 / 4)
    killed_at = []
    for fraction in fractions:
        threshold = int(len(due) * fraction)
        wait_until(
            lambda t=threshold: escalations.count() >= t, timeout=180, interval=0.05, what=f"{threshold} escalations"
        )
        stack.worker_kill()
        killed_at.append(f"{escalations.count()} of {len(due)} escalated")
        time.sleep(3)
        stack.worker_start()
        complaint_escalations_run_task.delay()  # beat's next run
    wait_until(lambda: escalations.count() >= len(due), timeout=180, what="every due escalation")
    swept = time.monotonic() - started

    # The e-mails each (complaint, recipient) must get: one per due escalation naming them.
    complaints = {c.pk: c for c in Complaint.objects.filter(pk__in=ids).select_related("assignee", "team__manager")}
    expected: Counter = Counter()
    for complaint_id, rule_id in due:
        for user in _recipients(complaints[complaint_id], rules[rule_id]):
            if user.email:
                expected[(reference_text(Complaint, complaint_id), user.email)] += 1
    rows = OutboxMessage.objects.filter(
        template="complaints/escalation", reference__in=[reference_text(Complaint, pk) for pk in ids]
    )
    waited = mail_check.wait_causes_delivered(
        stack, rows=rows, expected=sum(expected.values()), timeout=200 if short else 300
    )
    mail = mail_check.account_causes(stack, rows=rows, expected=expected)

    # The effects in the database: the row, the timeline line and the audit record, once each.
    made = Counter(escalations.values_list("complaint_id", "rule_id"))
    codes = {rule.code: pk for pk, rule in rules.items()}
    lines = Counter(
        (complaint_id, codes.get(parameters.get("rule")))
        for complaint_id, parameters in ComplaintEvent.objects.filter(
            complaint_id__in=ids, kind=ComplaintEvent.Kind.ESCALATION
        ).values_list("complaint_id", "parameters")
    )
    audited = Counter(
        (int(object_id), codes.get((changes.get("escalation") or [None, None])[1]))
        for object_id, changes in AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Complaint),
            object_id__in=[str(pk) for pk in ids],
            changes__has_key="escalation",
        ).values_list("object_id", "changes")
    )
    expected_pairs = set(due)
    lost_escalations = sum(1 for pair in due if not made[pair])
    doubled = {
        "rows": sum(n - 1 for n in made.values() if n > 1) + sum(1 for pair in made if pair not in expected_pairs),
        "timeline lines": sum(max(0, lines[pair] - 1) for pair in lines),
        "audit records": sum(max(0, audited[pair] - 1) for pair in audited),
    }
    missing = {
        "timeline lines": sum(1 for pair in due if not lines[pair]),
        "audit records": sum(1 for pair in due if not audited[pair]),
    }

    figures.tried = len(due) + mail["expected"]
    figures.lost = lost_escalations + mail["lost"]
    figures.duplicated = doubled["rows"] + mail["duplicated"]
    figures.details.update(
        {
            "complaints": count,
            "escalations due (complaint x rule)": len(due),
            "escalations made, missing, doubled": f"{sum(made.values())}, {lost_escalations}, {doubled['rows']}",
            "timeline lines, audit records": f"{sum(lines.values())}, {sum(audited.values())}",
            "SIGKILLs (at)": killed_at,
            "sweep done after": f"{swept:.0f} s",
            "escalation e-mails expected, lost, duplicated": f"{mail['expected']}, {mail['lost']}, {mail['duplicated']}",
            "messages received by the SMTP sink": mail["received"],
            "re-sent after a kill (the same Message-ID again)": mail["resent"],
            "outbox rows (beyond those expected, not sent)": (
                f"{mail['rows']} ({mail['rows beyond those expected']}, {mail['rows not sent']})"
            ),
            "waited for delivery after the sweep": f"{waited:.0f} s",
        }
    )
    for what in ("timeline lines", "audit records"):
        if doubled[what] or missing[what]:
            figures.problems.append(f"escalation {what}: {missing[what]} missing, {doubled[what]} doubled")
    if mail["rows beyond those expected"]:
        figures.problems.append("more outbox rows than escalation e-mails due")
    if mail["rows not sent"]:
        figures.problems.append(f"{mail['rows not sent']} escalation e-mails not sent")
    return figures
