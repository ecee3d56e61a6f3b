"""Mail accounting shared by the drills that break something while mail is on its way: each
recipient of the drill must get exactly one message, and the outbox must hold exactly one row for
each, sent."""

from __future__ import annotations

import time
from collections import Counter

from .figures import Figures
from .stack import Stack


def outbox_of(references: list[str]):
    from core.models import OutboxMessage

    return OutboxMessage.objects.filter(reference__in=references)


def wait_delivered(stack: Stack, *, references: list[str], domain: str, timeout: float) -> float:
    """Wait until every referenced outbox row is sent (and the sink got as many messages), or the
    timeout; the seconds waited."""
    from core.models import OutboxMessage

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        rows = outbox_of(references)
        sent = rows.filter(status=OutboxMessage.Status.SENT).count()
        if sent >= len(references) and len(stack.smtp.to(domain)) >= sent:
            break
        time.sleep(1)
    time.sleep(2)  # late duplicates, if any, arrive now
    return time.monotonic() - started


def account(figures: Figures, stack: Stack, *, references: list[str], recipients: set[str], domain: str) -> None:
    """Fill tried/lost/duplicated from the sink and the outbox.

    Duplicated: a recipient who got two different messages (two Message-IDs). The same message
    arriving again (one Message-ID: a delivery whose worker was killed after the relay took it,
    sent again by the sweeper; SMTP cannot do better than at least once) is counted apart as
    "re-sent": mail systems that drop duplicates by Message-ID show it once."""
    from core.models import OutboxMessage

    arrivals = [(r, message.message_id) for message in stack.smtp.to(domain) for r in message.recipients]
    received = Counter(r for r, _id in arrivals)
    distinct = Counter(r for r, _id in set(arrivals))
    rows = outbox_of(references)
    statuses = Counter(rows.values_list("status", flat=True))
    per_reference = Counter(rows.values_list("reference", flat=True))
    figures.tried = len(recipients)
    figures.lost = sum(1 for address in recipients if not received[address])
    figures.duplicated = sum(n - 1 for n in distinct.values() if n > 1)
    figures.details.update(
        {
            "messages received by the SMTP sink": len(arrivals),
            "re-sent after a kill (the same Message-ID again)": len(arrivals) - len(set(arrivals)),
            "outbox rows (by status)": f"{sum(statuses.values())} {dict(statuses)}",
            "outbox rows beyond one per cause": sum(n - 1 for n in per_reference.values() if n > 1),
        }
    )
    if sum(n - 1 for n in per_reference.values() if n > 1):
        figures.problems.append("more than one outbox row for one cause")
    if statuses.get(OutboxMessage.Status.SENT, 0) != len(references):
        figures.problems.append(f"{len(references) - statuses.get(OutboxMessage.Status.SENT, 0)} outbox rows not sent")
