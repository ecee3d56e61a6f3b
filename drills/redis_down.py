"""Drill 4, Redis down (the broker and the cache): 30 s (short mode 5 s).

While Redis is stopped, customers keep answering surveys and sending complaints through the public
form. Each must be accepted (the thank-you page) and stored; the health check says the broker is
failing. After Redis is back, every complaint's acknowledgement e-mail must arrive once: its outbox
row was written with the complaint and the sweeper enqueues what the broker refused.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx

from . import web_form
from .figures import Figures
from .stack import Stack, wait_until


def _answers(stack: Stack, links: list[str], data: dict, until: float, statuses: Counter, sent: list) -> None:
    with httpx.Client(base_url=stack.url, timeout=60) as client:
        while links and time.monotonic() < until:
            token = links.pop()
            try:
                statuses[client.post(f"/surveys/r/{token}/", data=data).status_code] += 1
            except httpx.HTTPError as error:
                statuses[type(error).__name__] += 1
            sent.append(token)


def _complaints(stack: Stack, worker: int, until: float, statuses: Counter, senders: list) -> None:
    number = 0
    with httpx.Client(base_url=stack.url, timeout=60) as client:
        while time.monotonic() + web_form.MIN_FILL_SECONDS < until:
            number += 1
            address = f"10.4.{worker}.{number}"
            email = f"sender{worker}x{number}@redis.drill.example.com"
            try:
                opened = web_form.form_open(client, address=address)
                if opened["status"] != 200:
                    statuses[f"form page {opened['status']}"] += 1
                    continue
                senders.append(email)
                statuses[web_form.form_send(client, opened, address=address, email=email, subject="Late delivery")] += 1
            except httpx.HTTPError as error:
                statuses[type(error).__name__] += 1


def run(stack: Stack, *, short: bool) -> Figures:
    from complaints.models import Complaint
    from core.models import OutboxMessage
    from surveys.models import Response

    from . import seed

    outage = 5 if short else 30
    figures = Figures("redis-down")
    tag = seed.customers(drill="redis", count=400 if short else 3000)
    campaign = seed.campaign(drill="redis", tag=tag)
    links = seed.tokens_of(campaign)
    data, _answers_each = seed.answers_form(campaign)

    restarts_before = len(stack.restarts)
    stack.redis_stop()
    health_down = stack.health()
    until = time.monotonic() + outage
    statuses: Counter = Counter()
    complaint_statuses: Counter = Counter()
    sent: list[str] = []
    senders: list[str] = []
    threads = [threading.Thread(target=_answers, args=(stack, links, data, until, statuses, sent)) for _ in range(3)]
    threads += [
        threading.Thread(target=_complaints, args=(stack, worker, until, complaint_statuses, senders))
        for worker in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stack.redis_start()
    up_at = time.monotonic()
    wait_until(lambda: stack.health()[0] == 200, timeout=60, what="the health check after Redis is back")
    healthy_after = time.monotonic() - up_at

    # Every complaint stored once, every acknowledgement sent once.
    domain = "@redis.drill.example.com"
    stored = Counter(Complaint.objects.filter(customer__email__in=senders).values_list("customer__email", flat=True))
    rows = [
        m for m in OutboxMessage.objects.filter(created_at__gte=_aware_since(outage + 120)) if set(m.to) & set(senders)
    ]
    deadline = time.monotonic() + (150 if short else 240)
    while time.monotonic() < deadline:
        rows = [m for m in OutboxMessage.objects.filter(pk__in=[r.pk for r in rows])]
        if (
            rows
            and all(m.status == OutboxMessage.Status.SENT for m in rows)
            and len(stack.smtp.to(domain)) >= len(rows)
        ):
            break
        time.sleep(1)
    time.sleep(2)
    received = Counter(r for message in stack.smtp.to(domain) for r in message.recipients)
    answers_stored = Response.objects.filter(
        invitation__token_hash__in=[seed.tokens.token_hash(t) for t in sent]
    ).count()

    figures.tried = len(sent) + len(senders)
    figures.lost = (len(sent) - answers_stored) + sum(1 for s in senders if not stored[s])
    figures.lost += sum(1 for s in senders if stored[s] and not received[s])  # acknowledgement never arrived
    figures.duplicated = sum(n - 1 for n in stored.values() if n > 1) + sum(n - 1 for n in received.values() if n > 1)
    figures.server_errors = sum(
        n for s, n in list(statuses.items()) + list(complaint_statuses.items()) if isinstance(s, int) and s >= 500
    )
    figures.details.update(
        {
            "outage": f"{outage} s; health check during it: {health_down[0]} {health_down[1]}",
            "survey answers sent (statuses), stored": f"{len(sent)} {dict(statuses)}, {answers_stored}",
            "complaints sent (statuses), stored": f"{len(senders)} {dict(complaint_statuses)}, {sum(stored.values())}",
            "acknowledgements: outbox rows (by status), received": (
                f"{len(rows)} {dict(Counter(m.status for m in rows))}, {sum(received[s] for s in senders)}"
            ),
            "health check 200 again after": f"{healthy_after:.1f} s",
            "worker and beat restarts by the supervisor": stack.restarts_since(restarts_before) or 0,
        }
    )
    if health_down[0] != 503:
        figures.problems.append(f"the health check said {health_down[0]} with Redis down, not 503")
    refused = {s: n for s, n in list(statuses.items()) + list(complaint_statuses.items()) if s != 200}
    if refused:
        figures.problems.append(f"not accepted while Redis was down: {refused}")
    if not senders or not sent:
        figures.problems.append("the drill sent no complaint or no answer during the outage")
    return figures


def _aware_since(seconds: float):
    import datetime

    from django.utils import timezone

    return timezone.now() - datetime.timedelta(seconds=seconds)
