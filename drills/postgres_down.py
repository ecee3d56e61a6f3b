"""Drill 5, PostgreSQL down and back (20 s; short mode 5 s).

While the database is stopped: the health check answers 503 naming the database, and a page that
needs the database answers at once with the clean error page (no traceback, no hanging request);
pages that need none (the complaint form, the login page) are still served. Once it is back: the
health check is 200 again, the web processes serve answers and complaints (their stale connections
are replaced), and the worker sends the complaints' acknowledgements (its connections too).
"""

from __future__ import annotations

import time
from collections import Counter

import httpx

from . import web_form
from .figures import Figures
from .stack import Stack, wait_until

CLEAN_ERROR_PAGE = 'data-testid="error-page"'


def _unclean(reply: httpx.Response) -> str:
    """Why this error reply is not the clean error page ('' when it is)."""
    if "Traceback" in reply.text or "File &quot;" in reply.text or "site-packages" in reply.text:
        return "a traceback"
    if reply.status_code >= 500 and reply.headers.get("content-type", "").startswith("text/html"):
        return "" if CLEAN_ERROR_PAGE in reply.text else "not the error page"
    return ""


def run(stack: Stack, *, short: bool) -> Figures:
    from django.db import connections

    from complaints.models import Complaint
    from surveys.models import Response

    from . import seed

    outage = 5 if short else 20
    figures = Figures("postgres-down")
    tag = seed.customers(drill="pg", count=40)
    campaign = seed.campaign(drill="pg", tag=tag)
    links = seed.tokens_of(campaign)
    data, _answers_each = seed.answers_form(campaign)
    restarts_before = len(stack.restarts)
    connections.close_all()

    stack.postgres_stop("fast")
    down: Counter = Counter()
    unclean: Counter = Counter()
    slowest = 0.0
    health = []
    until = time.monotonic() + outage
    number = 0
    with httpx.Client(base_url=stack.url, timeout=30) as client:
        while time.monotonic() < until:
            number += 1
            requests = [
                ("GET /healthz", "GET", "/healthz", {}),
                ("GET survey page", "GET", f"/surveys/r/{links[0]}/", {}),
                ("POST survey answer", "POST", f"/surveys/r/{links[0]}/", {"data": data}),
                ("GET complaint form", "GET", "/complaints/web/", {"headers": {"X-Forwarded-For": f"10.5.0.{number}"}}),
                ("GET login page", "GET", "/accounts/login/", {}),
            ]
            for name, method, url, options in requests:
                started = time.monotonic()
                try:
                    reply = client.request(method, url, **options)
                except httpx.HTTPError as error:
                    down[f"{name}: {type(error).__name__}"] += 1
                    continue
                slowest = max(slowest, time.monotonic() - started)
                down[f"{name}: {reply.status_code}"] += 1
                if name == "GET /healthz":
                    health.append((reply.status_code, reply.json().get("checks", {}).get("database")))
                if why := _unclean(reply):
                    unclean[f"{name}: {why}"] += 1
            time.sleep(0.5)

    stack.postgres_start()
    back_at = time.monotonic()
    wait_until(lambda: stack.health()[0] == 200, timeout=60, what="the health check after PostgreSQL is back")
    healthy_after = time.monotonic() - back_at

    # After: answers and complaints through the same web processes, acknowledgements through the worker.
    after: Counter = Counter()
    answered = links[1:11]
    senders = [f"sender{n}@pg.{seed.DOMAIN}" for n in range(3)]
    with httpx.Client(base_url=stack.url, timeout=30) as client:
        for token in answered:
            after[f"POST survey answer: {client.post(f'/surveys/r/{token}/', data=data).status_code}"] += 1
        forms = [(s, web_form.form_open(client, address=f"10.5.1.{n}")) for n, s in enumerate(senders)]
        for n, (email, opened) in enumerate(forms):
            status = web_form.form_send(client, opened, address=f"10.5.1.{n}", email=email, subject="Wrong parts")
            after[f"POST complaint: {status}"] += 1
    domain = f"@pg.{seed.DOMAIN}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(stack.smtp.to(domain)) < len(senders):
        time.sleep(1)
    time.sleep(2)
    received = Counter(r for message in stack.smtp.to(domain) for r in message.recipients)
    stored_answers = Response.objects.filter(
        invitation__token_hash__in=[seed.tokens.token_hash(t) for t in answered]
    ).count()
    stored_complaints = Complaint.objects.filter(customer__email__in=senders).count()

    figures.tried = len(answered) + len(senders)
    figures.lost = (len(answered) - stored_answers) + (len(senders) - stored_complaints)
    figures.lost += sum(1 for s in senders if not received[s])
    figures.duplicated = sum(n - 1 for n in received.values() if n > 1) + max(stored_complaints - len(senders), 0)
    figures.server_errors = sum(
        n for key, n in after.items() if key.rsplit(": ", 1)[1].isdigit() and int(key.rsplit(": ", 1)[1]) >= 500
    )
    figures.details.update(
        {
            "outage": f"{outage} s, {sum(down.values())} requests, slowest {slowest:.2f} s",
            "during the outage (statuses)": dict(sorted(down.items())),
            "health check during the outage (status, database)": dict(Counter(health)),
            "health check 200 again after": f"{healthy_after:.1f} s",
            "after (statuses)": dict(sorted(after.items())),
            "answers / complaints stored after": f"{stored_answers} / {stored_complaints}",
            "acknowledgements received": sum(received.values()),
            "worker and beat restarts by the supervisor": stack.restarts_since(restarts_before) or 0,
        }
    )
    if any(status != 503 or database != "failing" for status, database in health) or not health:
        figures.problems.append(f"the health check did not say 503 / database failing: {dict(Counter(health))}")
    if unclean:
        figures.problems.append(f"unclean answers during the outage: {dict(unclean)}")
    if slowest > 10:
        figures.problems.append(f"a request took {slowest:.1f} s with the database down (it should fail at once)")
    if any(not key.endswith(": 200") for key in after):
        figures.problems.append(f"not served after the database came back: {dict(after)}")
    return figures
