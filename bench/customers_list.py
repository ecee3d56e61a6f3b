#!/usr/bin/env python
"""Benchmark: the customer list (filters, search, sorting) and detail page at 100k customers.

    python bench/customers_list.py                      # throwaway SQLite DB under var/bench/
    DATABASE_URL=postgres://... python bench/customers_list.py
    python bench/customers_list.py --customers 20000 --runs 10

Builds the data once with `manage.py seed_demo` (demo users) and `seed_demo --scale N` (synthetic
customers, each with a contact), then requests each page in-process with Django's test Client,
logged in as the demo manager, and prints median and p95 latency and the query count per page.
Not a test: it asserts nothing and is not collected by pytest. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"


def configure_environment() -> str:
    """Settings for a benchmark: the local settings, but no debug overhead (query log, debug templates)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csm.settings.local")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DIR / 'customers.sqlite3'}")
    os.environ["DEBUG"] = "false"
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    # Nothing here should reach the real broker folders of `make run`.
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(BASE_DIR))
    return os.environ["DATABASE_URL"]


def build_data(customers: int) -> None:
    from django.core.management import call_command

    from customers.models import Customer

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", verbosity=0)  # demo users (incl. `manager`) and the demo set, once
    existing = Customer.objects.filter(code__startswith="SCALE-").count()
    if existing < customers:
        print(f"Building {customers - existing} more customers (have {existing}) ...", flush=True)
        started = time.monotonic()
        call_command("seed_demo", scale=customers - existing, verbosity=0)
        print(f"  built in {time.monotonic() - started:.1f} s", flush=True)
        if os.environ["DATABASE_URL"].startswith("sqlite"):
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")


def scenarios() -> list[tuple[str, str, dict]]:
    from customers.models import Contact, Customer

    middle = (
        Customer.objects.filter(code__startswith="SCALE-")
        .order_by("code")
        .values("pk", "code")[Customer.objects.filter(code__startswith="SCALE-").count() // 2]
    )
    phone = Contact.objects.filter(customer_id=middle["pk"]).values_list("phone", flat=True).first() or "138"
    htmx = {"HTTP_HX_REQUEST": "true"}
    return [
        ("list, first page", "/customers/", {}),
        ("list, page 1000 (offset 50k)", "/customers/?page=1000", {}),
        ("filter: key current", "/customers/?lifecycle=current&tier=key", {}),
        (
            "filter: external end, East+South",
            "/customers/?scope=external&chain_position=end&region=east&region=south",
            {},
        ),
        ("filter: potential from competitors", "/customers/?lifecycle=potential&potential_source=competitor", {}),
        ("filter: industry + volume range", "/customers/?industry=energy&volume_min=1000000&volume_max=3000000", {}),
        ("sort: annual volume desc", "/customers/?ordering=-annual_volume", {}),
        ("search: Chinese name fragment", "/customers/?q=%E7%B2%BE%E5%B7%A5", {}),
        ("search: exact code", f"/customers/?q={middle['code']}", {}),
        ("search: contact phone", f"/customers/?q={phone}", {}),
        ("search: no match", "/customers/?q=zzzz-nothing", {}),
        ("htmx partial: filter + search", "/customers/?lifecycle=current&q=%E5%8D%8E%E4%BF%A1", htmx),
        ("detail page", f"/customers/{middle['pk']}/", {}),
    ]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil
    return ordered[int(rank) - 1]


def measure(runs: int, warmup: int) -> list[tuple[str, int, int, int, float, float, float]]:
    from django.db import connection
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="manager"))
    rows = []
    for name, url, headers in scenarios():
        for _ in range(warmup):
            client.get(url, **headers)
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            # Counts every statement, whatever the request does to the connection's query log.
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url, **headers)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url, **headers)
            timings.append((time.perf_counter() - started) * 1000)
        size = len(response.content)
        rows.append((name, response.status_code, len(queries), size, statistics.median(timings),
                     percentile(timings, 0.95), max(timings)))  # fmt: skip
        print(f"  {name}: median {statistics.median(timings):.1f} ms", file=sys.stderr, flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000, help="synthetic customers to have (default 100000)")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per page first (default 2)")
    args = parser.parse_args()

    database_url = configure_environment()
    import django

    django.setup()
    from django.db import connection

    from customers.models import Contact, Customer

    build_data(args.customers)
    print(f"\nCustomer list benchmark: {Customer.objects.count()} customers, {Contact.objects.count()} contacts")
    print(f"database: {connection.vendor} ({database_url.split('@')[-1]}), Django {django.get_version()}, "
          f"Python {platform.python_version()}, {os.cpu_count()} cores; {args.runs} runs per page after "
          f"{args.warmup} warm-up, in-process test Client, logged in as `manager`\n")  # fmt: skip
    rows = measure(args.runs, args.warmup)
    header = f"{'page':<38} {'status':>6} {'queries':>7} {'KiB':>6} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}"
    print(header)
    print("-" * len(header))
    for name, status, queries, size, median, p95, worst in rows:
        print(f"{name:<38} {status:>6} {queries:>7} {size / 1024:>6.0f} {median:>10.1f} {p95:>8.1f} {worst:>8.1f}")
    return 0 if all(row[1] == 200 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
