#!/usr/bin/env python
"""Benchmark: the complaint queue and detail page at 200k complaints, and complaint creation through
the API beside a bare Django view doing the same inserts, all served by gunicorn.

    DATABASE_URL=postgres://user@127.0.0.1:5432/empty_db .venv/bin/python bench/complaints_bench.py
    .venv/bin/python bench/complaints_bench.py --complaints 20000 --runs 20     # SQLite, smaller

1. Builds --complaints complaints (bulk inserts, every state, severity, category, assignee and due
   date, consistent with the model's constraints) for 2,000 customers, then ANALYZE.
2. Starts gunicorn (bench/complaints/settings.py) and, logged in as a manager over one keep-alive
   connection, requests the queue with the common filters and the detail page --runs times each:
   median and p95 latency per page (targets: list median <= 50 ms, p95 <= 100 ms).
3. Posts --requests complaints with --clients concurrent clients to the bare view and to
   POST /api/v1/complaints/ (token auth, validation, SLA due dates, event, audit), alternating
   rounds and keeping each one's best: requests/s of both and their ratio (target >= 0.5).

The database must be empty (the script migrates it). Without DATABASE_URL it uses a throwaway
SQLite file under var/bench/ (figures then measure SQLite's single writer, not the design). Every
loop is bounded in count and time; servers bind to 127.0.0.1 only. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"
BATCH = 5000


def build(complaints: int) -> dict:
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Team, User
    from complaints.models import Complaint, ComplaintCategory, ComplaintSequence
    from customers.models import Customer

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}")
    manager = User.objects.create_user("bench.manager", password="bench-Pass-123", email="m@example.com")
    manager.groups.add(Group.objects.get(name="manager"))
    staff = []
    for n in range(20):
        user = User.objects.create_user(f"bench.staff{n}", password="bench-Pass-123")
        user.groups.add(Group.objects.get(name="staff"))
        staff.append(user)
    team = Team.objects.create(name="Bench after-sales", manager=manager)
    team.members.add(*staff[:10])
    customers = Customer.objects.bulk_create(
        [
            Customer(code=f"BC{n:05d}", name=f"基准客户 {n}", tier="key" if n % 10 == 0 else "general")
            for n in range(2000)
        ]
    )
    categories = list(ComplaintCategory.objects.exclude(parent=None).values_list("pk", flat=True))
    states = ["received", "acknowledged", "assessed", "investigating", "resolved", "closed", "closed", "closed"]
    states += ["closed", "withdrawn", "rejected"]
    severities = ["low", "medium", "medium", "high", "critical"]
    now = timezone.now()
    rng = random.Random(7)
    started = time.perf_counter()
    for first in range(0, complaints, BATCH):
        rows = []
        for n in range(first, min(first + BATCH, complaints)):
            state = states[n % len(states)]
            received = now - datetime.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
            acknowledged = (
                received + datetime.timedelta(hours=1) if state not in ("received", "withdrawn", "rejected") else None
            )
            resolved = received + datetime.timedelta(days=3) if state in ("resolved", "closed") else None
            rows.append(
                Complaint(
                    reference=f"CMP-2025-{n + 1:06d}",
                    customer=customers[n % len(customers)],
                    channel="hotline",
                    severity=severities[n % len(severities)],
                    state=state,
                    subject=f"基准投诉 {n}",
                    description="Bench complaint.",
                    received_at=received,
                    acknowledge_due_at=received + datetime.timedelta(hours=4),
                    resolve_due_at=received + datetime.timedelta(days=rng.randint(2, 20)),
                    acknowledged_at=acknowledged,
                    resolved_at=resolved,
                    resolution="Resolved." if resolved else "",
                    closed_at=resolved + datetime.timedelta(days=2) if state == "closed" else None,
                    close_reason="accepted" if state == "closed" else "",
                    end_reason="Bench." if state in ("withdrawn", "rejected") else "",
                    assignee=staff[n % len(staff)] if n % 7 else None,
                    team=team if n % 3 == 0 else None,
                    category_id=categories[n % len(categories)],
                )
            )
        Complaint.objects.bulk_create(rows, batch_size=1000)
    ComplaintSequence.objects.update_or_create(year=2025, defaults={"last_number": complaints})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built {complaints:,} complaints in {time.perf_counter() - started:.1f} s")
    middle = Complaint.objects.order_by("pk").values_list("pk", flat=True)[complaints // 2]
    return {
        "manager": manager,
        "staff": staff[0],
        "detail_pk": middle,
        "category": ComplaintCategory.objects.get(code="product-quality").pk,
        "customers": [c.pk for c in customers],
    }


def session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-p * len(ordered) // 100) - 1)]


def measure_pages(
    port: int, cookie: str, scenarios: list[tuple[str, str]], runs: int
) -> list[tuple[str, float, float]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie, "Connection": "keep-alive"}
    figures = []
    for label, path in scenarios:
        timings = []
        for run in range(runs + 2):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"{path}: HTTP {response.status}")
            if run >= 2:  # two warm-up requests (worker start, caches)
                timings.append((time.perf_counter() - started) * 1000)
        figures.append((label, statistics.median(timings), percentile(timings, 95)))
        print(f"{label:<40} median {figures[-1][1]:7.1f} ms   p95 {figures[-1][2]:7.1f} ms", flush=True)
    connection.close()
    return figures


def post_many(port: int, path: str, headers: dict, bodies: list[bytes], clients: int, deadline: float):
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    queue = list(bodies)

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            started = time.perf_counter()
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            with lock:
                results.append((status, time.perf_counter() - started))
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return results, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=50, help="requests per page scenario (default 50)")
    parser.add_argument("--requests", type=int, default=1500, help="creations per endpoint (default 1500)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for creation (default 8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating creation rounds (default 3)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--max-seconds", type=int, default=300, help="time bound per creation round")
    args = parser.parse_args()

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        database = BENCH_DIR / "complaints.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.complaints.settings"
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from complaints.models import Complaint

    world = build(args.complaints)
    cookie = session_cookie(world["manager"])
    token = Token.objects.create(user=world["staff"]).key
    category = world["category"]
    scenarios = [
        ("queue: all open, soonest due first", "/complaints/?open=true"),
        ("queue: first page, no filter", "/complaints/"),
        ("queue: my queue (staff0)", f"/complaints/?queue=mine&open=true&assignee={world['staff'].pk}"),
        ("queue: critical, open", "/complaints/?severity=critical&open=true"),
        ("queue: overdue", "/complaints/?overdue=true"),
        ("queue: due this week", "/complaints/?due_this_week=true"),
        ("queue: category tree + state", f"/complaints/?category={category}&state=investigating"),
        ("queue: htmx filter, newest first", "/complaints/?open=true&ordering=-received_at"),
        ("detail page", f"/complaints/{world['detail_pk']}/"),
    ]

    env = {**os.environ, "PYTHONPATH": str(BASE_DIR)}
    server = subprocess.Popen(
        [
            str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
            "csm.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
            "--chdir",
            str(BASE_DIR),
        ],
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", args.port, timeout=1)
                probe.request("GET", "/healthz")
                probe.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        print(f"\npages at {Complaint.objects.count():,} complaints, gunicorn {args.workers} workers, one client:")
        pages = measure_pages(args.port, cookie, scenarios, args.runs)

        rng = random.Random(11)
        bodies = [
            json.dumps(
                {"customer": rng.choice(world["customers"]), "subject": f"API bench {n}", "description": "Bench."}
            ).encode()
            for n in range(2 * args.requests)
        ]
        json_headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        api_headers = {**json_headers, "Authorization": f"Token {token}"}
        print(f"\ncreation: {args.clients} concurrent clients, {args.rounds} alternating rounds (best kept)")
        bare_best = api_best = 0.0
        statuses: dict[str, dict[int, int]] = {"bare": {}, "api": {}}
        for number in range(args.rounds):
            for label, path, headers, part in (
                ("bare", "/bench/bare/complaints/", json_headers, bodies[: args.requests][number :: args.rounds]),
                ("api", "/api/v1/complaints/", api_headers, bodies[args.requests :][number :: args.rounds]),
            ):
                results, wall = post_many(
                    args.port, path, headers, part, args.clients, time.monotonic() + args.max_seconds
                )
                for status, _seconds in results:
                    statuses[label][status] = statuses[label].get(status, 0) + 1
                latencies = [seconds * 1000 for _status, seconds in results]
                rps = len(results) / wall if wall else 0.0
                print(
                    f"{label:<5} round {number + 1}: {len(results):>5} in {wall:6.1f} s  {rps:7.1f} req/s  "
                    f"p50 {statistics.median(latencies):6.1f} ms  p95 {percentile(latencies, 95):6.1f} ms",
                    flush=True,
                )
                if label == "bare":
                    bare_best = max(bare_best, rps)
                else:
                    api_best = max(api_best, rps)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    references = Complaint.objects.filter(subject__startswith="API bench").values_list("reference", flat=True)
    duplicated = len(references) - len(set(references))
    list_pages = [p for p in pages if p[0].startswith("queue")]
    worst_median = max(p[1] for p in list_pages)
    worst_p95 = max(p[2] for p in list_pages)
    ratio = api_best / bare_best if bare_best else 0.0
    print(f"\nstatuses: bare {statuses['bare']}, api {statuses['api']}; duplicate references: {duplicated}")
    print(
        f"queue pages: worst median {worst_median:.1f} ms (target <= 50), worst p95 {worst_p95:.1f} ms (target <= 100)"
    )
    print(f"creation: bare {bare_best:.1f} req/s, API {api_best:.1f} req/s, ratio {ratio:.2f} (target >= 0.5)")
    return 0 if duplicated == 0 and set(statuses["api"]) <= {201} else 1


if __name__ == "__main__":
    sys.exit(main())
