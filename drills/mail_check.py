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


def message_pk(message_id: str) -> int | None:
    """The outbox row's id in a Message-ID (core.mail.message_id_header: <time.ID.csm@domain>)."""
    try:
        return int(message_id.strip("<>").split(".")[1])
    except (IndexError, ValueError):
        return None


def account_causes(stack: Stack, *, rows, expected: Counter) -> dict[str, int]:
    """Mail accounting when one cause (a complaint, a report) e-mails several people, or one person
    several times for different reasons: `expected` counts the distinct messages each
    (reference, address) must get. The sink's messages are tied to their outbox row by Message-ID.

    lost: messages expected and never received; duplicated: distinct messages beyond those expected
    (a second row for the same mail, or mail to someone who should get none); resent: the same
    Message-ID arriving again (at least once, as in `account`)."""
    from core.models import OutboxMessage

    by_pk = {row["pk"]: row for row in rows.values("pk", "reference", "to", "status")}
    arrivals = [
        (message.message_id, address)
        for message in stack.smtp.to("")
        if message_pk(message.message_id) in by_pk
        for address in message.recipients
    ]
    distinct = Counter((by_pk[message_pk(mid)]["reference"], address) for mid, address in set(arrivals))
    per_cause = Counter((row["reference"], address) for row in by_pk.values() for address in row["to"])
    return {
        "expected": sum(expected.values()),
        "lost": sum(max(0, n - distinct[key]) for key, n in expected.items()),
        "duplicated": sum(max(0, n - expected.get(key, 0)) for key, n in distinct.items()),
        "received": len(arrivals),
        "resent": len(arrivals) - len(set(arrivals)),
        "rows": len(by_pk),
        "rows beyond those expected": sum(max(0, n - expected.get(key, 0)) for key, n in per_cause.items()),
        "rows not sent": sum(1 for row in by_pk.values() if row["status"] != OutboxMessage.Status.SENT),
    }


def wait_causes_delivered(stack: Stack, *, rows, expected: int, timeout: float) -> float:
    """Wait until `expected` outbox rows (a queryset, re-read each second) are sent and the sink got
    a message for each, or the timeout; the seconds waited."""
    from core.models import OutboxMessage

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        sent = set(rows.filter(status=OutboxMessage.Status.SENT).values_list("pk", flat=True))
        arrived = {message_pk(m.message_id) for m in stack.smtp.to("")} & sent
        if len(sent) >= expected and len(arrived) >= len(sent):
            break
        time.sleep(1)
    time.sleep(2)  # late duplicates, if any, arrive now
    return time.monotonic() - started
