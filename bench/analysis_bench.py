"""Benchmark: analysis at scale on PostgreSQL: the facts fill, the dashboard, the monthly analysis
report, the evidence pack, the raw-response export, and the survey answer path while the fill and
the audit sealer run beside it (issues #10 and #11).

    DATABASE_URL=postgres://csm:csm@127.0.0.1:54331/csm_bench_analysis \\
        .venv/bin/python bench/analysis_bench.py --scale 1      # --scale 0.01 for a quick check

1. Migrates an EMPTY PostgreSQL database (--reset drops its public schema first; --reuse measures a
   database an earlier run built) and builds, at --scale 1: 100k customers across segments and
   classifications (`seed_demo --scale`), 200k complaints over three years with categories, root
   causes, SLA due dates, timeline, audit trail, escalations and corrective actions (the complaints
   bench's builders), twelve monthly survey campaigns over the last year with about 1M answers
   (invitations, responses and answers by COPY; scores per dimension with their own level, a
   customer effect, key customers a little happier and a drift over the year; importance, NPS and
   the CSI computed as the answer path computes them; one audit row per response), 50k follow-up
   visits with their dimension scores; then VACUUM ANALYZE, the audit chain sealed (as beat
   does every minute in production) and verified once in full (the nightly verification beat runs
   at 03:20, which gives each evidence pack its checkpoint).
2. Runs reports' `facts_fill` over the whole year (timed), then measures:
   - the dashboard in-process (Django's test client, logged in as the demo manager) for the default
     quarter, a month, a year, key customers and a saved segment: the page cold (nothing cached) with
     its parts (headline figures, each chart's data), then each chart's own SVG request cold right
     after it (the chart data the page cached; the SVG drawn) and cold alone (nothing cached), then
     page and charts warm (median, p95);
   - facts_fill after a busy day of new answers;
   - the monthly analysis report of last month, PDF + XLSX (reports.analysis);
   - the raw-response export of every campaign (surveys.exporting, CSV) in a child process: time,
     peak RSS, and the peak after the first campaign of 1,000 responses or more (flat memory: both about the same);
   - the evidence pack of the last 365 days (`manage.py evidence_pack`) in a child process: time,
     peak RSS (os.wait4: the child's own);
   - the survey answer path against its bare view (bench/surveys_bench.py's clients and
     bench/surveys/urls.py's bare view, gunicorn), with a child process running `facts_fill` (up to
     now, so each run recomputes today) and `audit_chain_seal` back to back the whole time.
3. Prints a table of figure / value / target / PASS-FAIL and the load average before and after.
   Exit code 0 only when every target is met.

Servers bind to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import io
import json
import math
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LOG_DIR = BASE_DIR / "var" / "bench"
SETTINGS = "bench.analysis.settings"
CAMPAIGN_PREFIX = "满意度调查 Bench "
LOAD_PREFIX = "Bench answer path "

# Targets (issues #10 and #11).
DASHBOARD_WARM_MEDIAN_MS = 150.0
DASHBOARD_COLD_MS = 1000.0
REPORT_SECONDS = 30.0
ANSWER_RATIO = 0.65
PACK_SECONDS = 120.0
PACK_RSS_MB = 500.0
EXPORT_SECONDS = 10.0

# Survey scores on the 1-5 scale: each dimension's level and its change over the year (the first
# campaign to the last), and the mean importance customers give it.
DIMENSIONS = {
    "quality": (4.15, 0.0, 4.7),
    "delivery": (3.55, 0.4, 4.4),
    "price": (3.35, -0.2, 4.0),
    "service_attitude": (4.25, 0.0, 3.6),
    "response_speed": (3.50, 0.3, 4.1),
    "after_sales": (3.85, 0.1, 3.9),
}
# How strongly each dimension moves overall satisfaction in the built answers.
PULL = {
    "quality": 3.0,
    "delivery": 2.0,
    "price": 1.0,
    "service_attitude": 0.5,
    "response_speed": 1.5,
    "after_sales": 1.0,
}
RESPONSE_RATE = 0.45
COMMENTS = [
    "交货准时，服务很好",
    "价格偏高，希望有批量折扣",
    "售后响应慢，等了三天",
    "产品质量稳定",
    "Good support, slow delivery",
]


# -- helpers --------------------------------------------------------------------------------------


def _copy(table: str, columns: list[str], rows: list[tuple]) -> None:
    """COPY tuples into a table (PostgreSQL text format)."""
    from django.db import connection

    from bench.complaints_bench import _copy_text

    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _next_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def _sequence_reset(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


def load() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def _rss_mb(field: str = "VmHWM") -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


# -- building -------------------------------------------------------------------------------------


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def build_surveys(*, answers_target: int, rng: random.Random) -> dict:
    """Twelve monthly campaigns over the last year, invitations, responses and answers (COPY), one
    audit row per response (SQL)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from core.models import AuditEvent
    from customers.models import Contact, Customer, Lifecycle, Tier
    from reports.figures.base import add_months
    from surveys import tokens
    from surveys.models import Answer, Campaign, Invitation, Questionnaire, Response

    now = timezone.now()
    manager = User.objects.get(username="manager")
    version = Questionnaire.objects.get(code="general-satisfaction").versions.get(number=1)
    questions = {q.code: q for q in version.questions.all()}
    rated = [code for code in DIMENSIONS if code in questions]
    weights = {code: float(questions[code].effective_weight()) for code in rated}
    channel_choices = [c["value"] for c in questions["channel"].choices] if "channel" in questions else []
    customers = list(
        Customer.objects.exclude(lifecycle=Lifecycle.POTENTIAL).values_list("pk", "tier", "lifecycle", "region")
    )
    contacts = dict(Contact.objects.filter(is_primary=True).values_list("customer_id", "pk"))
    # Each customer's own leaning (some are happier than others, year after year).
    effect = {pk: rng.gauss(0, 0.45) + (0.15 if tier == Tier.KEY else 0) for pk, tier, _l, _r in customers}
    # ratings, NPS, overall, repurchase, retention, channel, comment, why
    answers_per_response = len(rated) + 1 + 1 + 0.9 + 0.9 + 0.6 + 0.3 + 0.05
    responses_per_campaign = max(1, round(answers_target / answers_per_response / 12))
    invited_per_campaign = min(len(customers), math.ceil(responses_per_campaign / RESPONSE_RATE))

    i_table, r_table, a_table = (m._meta.db_table for m in (Invitation, Response, Answer))
    i_columns = [
        "id",
        "campaign_id",
        "customer_id",
        "contact_id",
        "source",
        "token_salt",
        "token_hash",
        "language",
        "email",
        "expires_at",
        "status",
        "created_at",
        "sent_at",
        "opened_at",
        "started_at",
        "completed_at",
        "bounce_reason",
        "reminder_count",
        "draft",
    ]
    r_columns = [
        "id",
        "invitation_id",
        "campaign_id",
        "questionnaire_version_id",
        "customer_id",
        "contact_id",
        "is_open",
        "client_hash",
        "suspected_duplicate",
        "language",
        "submitted_at",
        "csi",
        "nps_score",
    ]
    a_columns = ["response_id", "question_id", "score", "importance", "choices", "text"]
    invitation_id, response_id = _next_id(i_table), _next_id(r_table)
    this_month = timezone.localdate().replace(day=1)
    totals = {"campaigns": 0, "invitations": 0, "responses": 0, "answers": 0}
    for number in range(12):
        month = add_months(this_month, number - 11)
        sent_at = timezone.make_aware(datetime.datetime.combine(month, datetime.time(9, 0))) + datetime.timedelta(
            days=2
        )
        if sent_at >= now - datetime.timedelta(hours=2):
            sent_at = now - datetime.timedelta(days=1)
        closes_at = sent_at + datetime.timedelta(days=28)
        running = closes_at > now
        campaign = Campaign.objects.create(
            name=f"{CAMPAIGN_PREFIX}{month:%Y-%m}",
            questionnaire_version=version,
            status=Campaign.Status.RUNNING if running else Campaign.Status.CLOSED,
            created_by=manager,
            closes_at=closes_at,
            population_size=len(customers),
            sample_size=invited_per_campaign,
            sent_at=sent_at,
            closed_at=None if running else closes_at,
        )
        drift = number / 11
        invitations, responses, answers = [], [], []
        for customer_id, _tier, _lifecycle, _region in rng.sample(customers, invited_per_campaign):
            salt = secrets.token_hex(16)
            submitted = None
            if rng.random() < RESPONSE_RATE:
                delay = datetime.timedelta(days=min(25.0, rng.expovariate(1 / 3)), hours=rng.uniform(0, 10))
                submitted = sent_at + delay
                if submitted > now - datetime.timedelta(hours=1):
                    submitted = None
            language = "en" if rng.random() < 0.08 else "zh-hans"
            invitations.append(
                (
                    invitation_id,
                    campaign.pk,
                    customer_id,
                    contacts.get(customer_id),
                    "",
                    salt,
                    tokens.token_hash(tokens.token_for(salt)),
                    language,
                    f"c{customer_id}@example.com",
                    closes_at,
                    Invitation.Status.COMPLETED
                    if submitted
                    else rng.choice([Invitation.Status.SENT] * 9 + ["bounced"]),
                    sent_at - datetime.timedelta(minutes=30),
                    sent_at,
                    submitted - datetime.timedelta(minutes=4) if submitted else None,
                    submitted - datetime.timedelta(minutes=3) if submitted else None,
                    submitted,
                    "",
                    0,
                    {},
                )
            )
            if submitted is not None:
                lean = effect[customer_id]
                means, total_weight, total = {}, 0.0, 0.0
                for code in rated:
                    level, change, importance = DIMENSIONS[code]
                    score = _clamp(level + change * drift + lean + rng.gauss(0, 0.7), 1, 5)
                    weight_of = _clamp(importance + rng.gauss(0, 0.6), 1, 5)
                    answers.append((response_id, questions[code].pk, score, weight_of, [], ""))
                    means[code] = (score - 1) * 25.0
                    total += weights[code] * means[code]
                    total_weight += weights[code]
                csi = round(total / total_weight, 1)
                nps = _clamp(csi / 10 + 0.6 + rng.gauss(0, 1.4), 0, 10)
                answers.append((response_id, questions["recommend"].pk, nps, None, [], ""))
                # Overall satisfaction moves with each dimension by its own pull (the key drivers find
                # them); loyalty follows satisfaction loosely.
                if "overall" in questions:
                    pull = sum(PULL[code] * (means[code] / 25 + 1) for code in rated) / sum(PULL[c] for c in rated)
                    overall = _clamp(pull + rng.gauss(0, 0.5), 1, 5)
                    answers.append((response_id, questions["overall"].pk, overall, None, [], ""))
                for code, spread in (("repurchase", 0.8), ("retention", 1.1)):
                    if code in questions and rng.random() < 0.9:
                        answers.append(
                            (
                                response_id,
                                questions[code].pk,
                                _clamp(csi / 25 + 1 + rng.gauss(-0.2, spread), 1, 5),
                                None,
                                [],
                                "",
                            )
                        )
                if means.get("quality", 100) <= 25 and "quality_why" in questions:
                    answers.append((response_id, questions["quality_why"].pk, None, None, [], "包装不牢固，产品有划痕"))
                if channel_choices and rng.random() < 0.6:
                    answers.append(
                        (response_id, questions["channel"].pk, None, None, [rng.choice(channel_choices)], "")
                    )
                if "comment" in questions and rng.random() < 0.3:
                    answers.append((response_id, questions["comment"].pk, None, None, [], rng.choice(COMMENTS)))
                responses.append(
                    (
                        response_id,
                        invitation_id,
                        campaign.pk,
                        version.pk,
                        customer_id,
                        contacts.get(customer_id),
                        False,
                        "",
                        False,
                        language,
                        submitted,
                        csi,
                        nps,
                    )
                )
                response_id += 1
            invitation_id += 1
        _copy(i_table, i_columns, invitations)
        _copy(r_table, r_columns, responses)
        for first in range(0, len(answers), 50_000):
            _copy(a_table, a_columns, answers[first : first + 50_000])
        totals["campaigns"] += 1
        totals["invitations"] += len(invitations)
        totals["responses"] += len(responses)
        totals["answers"] += len(answers)
    _sequence_reset(i_table, r_table)
    response_type = ContentType.objects.get_for_model(Response).pk
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {AuditEvent._meta.db_table} (at, actor_id, actor_name, action, content_type_id, object_id,"
            " object_repr, changes, comment, ip_address, user_agent, source) "
            f"SELECT r.submitted_at, NULL, '', 'create', {response_type}, r.id::text, 'Response ' || r.id,"
            " jsonb_build_object('csi', jsonb_build_array(NULL, r.csi), 'nps_score', jsonb_build_array(NULL, r.nps_score)),"
            f" 'survey link', '10.0.0.9', 'Mozilla/5.0', 'public' FROM {r_table} r "
            f"WHERE r.campaign_id IN (SELECT id FROM {Campaign._meta.db_table} WHERE name LIKE %s) ORDER BY r.submitted_at",
            [CAMPAIGN_PREFIX + "%"],
        )
    return totals


def build_visits(count: int, rng: random.Random) -> int:
    """Follow-up visits over the last year and the next month: most done with a score per dimension,
    some planned, a few cancelled (COPY, scores in SQL)."""
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from customers.models import Customer, SatisfactionDimension
    from visits.models import Visit, VisitScore

    today = timezone.localdate()
    customers = list(Customer.objects.values_list("pk", flat=True))
    staff = list(User.objects.filter(groups__name__in=["staff", "manager"]).values_list("pk", flat=True))
    table = Visit._meta.db_table
    first_id = _next_id(table)  # the demo's own visits have their scores already
    columns = [
        "created_at",
        "updated_at",
        "customer_id",
        "trigger",
        "cycle",
        "trigger_reference",
        "due_date",
        "assignee_id",
        "channel",
        "purpose",
        "status",
        "visited_on",
        "summary",
        "next_steps",
        "completed_at",
        "cancel_reason",
        "reschedule_count",
    ]
    rows = []
    for _ in range(count):
        due = today + datetime.timedelta(days=rng.randint(-365, 30))
        status = "planned" if due > today else rng.choices(["done", "cancelled", "planned"], [85, 8, 7])[0]
        visited = due - datetime.timedelta(days=rng.randint(0, 5)) if status == "done" else None
        created = timezone.make_aware(datetime.datetime.combine(due - datetime.timedelta(days=30), datetime.time(9)))
        completed = (
            timezone.make_aware(datetime.datetime.combine(visited, datetime.time(17))) if visited is not None else None
        )
        rows.append(
            (
                created,
                completed or created,
                rng.choice(customers),
                rng.choices(["schedule", "complaint_closed", "low_survey_score"], [80, 12, 8])[0],
                f"{due:%Y-%m}",
                "",
                due,
                rng.choice(staff),
                rng.choices(["on_site", "phone", "video"], [60, 30, 10])[0],
                "relationship",
                status,
                visited,
                "与采购经理沟通了交付与质量情况，客户总体满意。" if visited else "",
                "跟进下季度订单" if visited else "",
                completed,
                "客户临时出差" if status == "cancelled" else "",
                0,
            )
        )
        if len(rows) == 20_000:
            _copy(table, columns, rows)
            rows = []
    if rows:
        _copy(table, columns, rows)
    dimensions = list(SatisfactionDimension.objects.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {VisitScore._meta.db_table} (visit_id, dimension_id, score) "
            "SELECT v.id, d.id, greatest(1, least(5, round(3.9 + random() * 1.4 - 0.7 + (random() - 0.5)))) "
            f"FROM {table} v CROSS JOIN unnest(%s::bigint[]) AS d(id) WHERE v.status = 'done' AND v.id >= %s",
            [dimensions, first_id],
        )
    return count


def build(args, rng: random.Random) -> None:
    from django.core.management import call_command
    from django.db import connection

    from bench.complaints_bench import build_complaints, build_history, build_people
    from core.audit_chain import audit_chain_seal
    from core.models import AuditEvent
    from customers.models import Customer
    from evidence.services import chain_verification_scheduled

    started = time.perf_counter()
    customers = max(1000, round(100_000 * args.scale))
    call_command("seed_demo", scale=customers, seed=args.seed, verbosity=0)
    people = build_people()
    print(f"  customers and users: {Customer.objects.count():,} customers in {time.perf_counter() - started:.1f} s")
    step = time.perf_counter()
    complaints = max(500, round(200_000 * args.scale))
    build_complaints(complaints, people, rng)
    build_history()
    print(f"  complaints with their history: {complaints:,} in {time.perf_counter() - step:.1f} s")
    step = time.perf_counter()
    totals = build_surveys(answers_target=max(5000, round(1_000_000 * args.scale)), rng=rng)
    print(
        f"  surveys: {totals['campaigns']} campaigns, {totals['invitations']:,} invitations, "
        f"{totals['responses']:,} responses, {totals['answers']:,} answers in {time.perf_counter() - step:.1f} s"
    )
    step = time.perf_counter()
    visits = build_visits(max(500, round(50_000 * args.scale)), rng)
    print(f"  visits: {visits:,} in {time.perf_counter() - step:.1f} s")
    step = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"  VACUUM ANALYZE in {time.perf_counter() - step:.1f} s")
    step = time.perf_counter()
    sealed = audit_chain_seal(settle_seconds=0)
    print(
        f"  audit chain: {sealed:,} of {AuditEvent.objects.count():,} events sealed in "
        f"{time.perf_counter() - step:.1f} s"
    )
    step = time.perf_counter()
    nightly = chain_verification_scheduled()
    print(
        f"  nightly chain verification (as beat runs it at 03:20): ok={nightly.ok}, "
        f"{nightly.sealed:,} links in {time.perf_counter() - step:.1f} s; "
        f"total build {time.perf_counter() - started:.1f} s"
    )


# -- measuring in this process ----------------------------------------------------------------------


class DashboardTimer:
    """Times reports.dashboard's parts: the headline figures, the data of all charts (SQL and frames,
    on the page) and each chart's data builder (reports.dashboard.CHARTS). `cold()` gives the
    dashboard a new, empty cache (sessions and other caches stay), so the next page or chart request
    finds nothing of the dashboard's cached."""

    def __init__(self):
        from reports import dashboard

        self.dashboard = dashboard
        self.parts: dict[str, float] = {}
        original_cards, original_build = dashboard.headline_cards, dashboard.build_charts

        def headline_cards(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original_cards(*args, **kwargs)
            finally:
                self.parts["headline figures"] = time.perf_counter() - started

        def build_charts(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original_build(*args, **kwargs)
            finally:
                self.parts["chart data built"] = time.perf_counter() - started

        def timed(key, builder):
            def chart(source):
                started = time.perf_counter()
                try:
                    return builder(source)
                finally:
                    self.parts[f"chart data {key}"] = time.perf_counter() - started

            return chart

        dashboard.headline_cards, dashboard.build_charts = headline_cards, build_charts
        for key, builder in list(dashboard.CHARTS.items()):
            dashboard.CHARTS[key] = timed(key, builder)
        self.renders: list[float] = []
        original_render = dashboard.render_svg

        def render_svg(entry):
            started = time.perf_counter()
            try:
                return original_render(entry)
            finally:
                self.renders.append(time.perf_counter() - started)

        dashboard.render_svg = render_svg

    def cold(self) -> None:
        from django.core.cache.backends.locmem import LocMemCache

        self.dashboard.cache = LocMemCache(f"bench-dashboard-{time.perf_counter_ns()}", {})


def _timed_get(client, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    seconds = time.perf_counter() - started
    assert response.status_code == 200, (path, response.status_code)
    return seconds


def measure_dashboard(args, results: list) -> None:
    """The page and, separately, each chart's own SVG request (the page loads them after it): cold
    page (nothing cached), cold charts right after it (the chart data the page cached, the SVG drawn),
    a cold chart alone (nothing cached: its own figures read and drawn), then warm page and charts."""
    from django.test import Client

    from accounts.models import User
    from customers.models import Segment

    timer = DashboardTimer()
    keys = list(timer.dashboard.CHARTS)
    client = Client()
    client.force_login(User.objects.get(username="manager"))
    segment = Segment.objects.get(name="Scale: key current customers")
    cases = [
        ("default (this quarter)", ""),
        ("month", "period=month"),
        ("year", "period=year"),
        ("key customers", "scope=tier:key&period=quarter"),
        ("saved segment", f"scope=segment:{segment.pk}&period=quarter"),
    ]
    # The process's first request pays for imports, templates, catalogues and fonts: spend it on a
    # period none of the cases asks for, so "cold" means an empty dashboard cache, not a new process.
    warm_up = "?period=custom&since=2001-01-01&until=2001-01-31"
    _timed_get(client, "/dashboard/" + warm_up)
    _timed_get(client, "/dashboard/charts/trend.svg" + warm_up)
    cold_pages, warm_pages, cold_charts, alone_charts, warm_charts, all_charts = [], [], [], [], [], []
    cold_parts: dict[str, list[float]] = {}
    per_chart: dict[str, list[float]] = {}
    for label, query in cases:
        suffix = f"?{query}" if query else ""
        page, chart_path = "/dashboard/" + suffix, "/dashboard/charts/{}.svg" + suffix
        case_cold, case_charts = [], []
        for _ in range(args.dashboard_cold):
            timer.cold()
            timer.parts = {}
            case_cold.append(_timed_get(client, page))
            for part, seconds in timer.parts.items():
                cold_parts.setdefault(part, []).append(seconds)
            timer.parts = {}
            total = 0.0
            for key in keys:
                seconds = _timed_get(client, chart_path.format(key))
                case_charts.append(seconds)
                per_chart.setdefault(key, []).append(seconds)
                total += seconds
            assert not timer.parts, f"a chart request after the page rebuilt chart data: {timer.parts}"
            all_charts.append(total)
        for key in keys:
            timer.cold()
            alone_charts.append(_timed_get(client, chart_path.format(key)))
        _timed_get(client, page)  # everything cached for the warm requests
        for key in keys:
            _timed_get(client, chart_path.format(key))
        case_warm = []
        for number in range(args.dashboard_warm):
            timer.parts = {}
            renders = len(timer.renders)
            case_warm.append(_timed_get(client, page))
            warm_charts.append(_timed_get(client, chart_path.format(keys[number % len(keys)])))
            assert "chart data built" not in timer.parts, "a warm page rebuilt the charts"
            assert len(timer.renders) == renders, "a warm chart request drew its SVG again"
        cold_pages += case_cold
        cold_charts += case_charts
        warm_pages += case_warm
        print(
            f"  dashboard {label:<24} cold page median {statistics.median(case_cold) * 1000:7.1f} ms, charts after it"
            f" median {statistics.median(case_charts) * 1000:6.1f} ms (max {max(case_charts) * 1000:6.1f});"
            f" warm page median {statistics.median(case_warm) * 1000:6.1f} ms (load {load()})"
        )
    ms = 1000

    def spread(values: list[float]) -> str:
        return f"{statistics.median(values) * ms:.1f} / {percentile(values, 0.95) * ms:.1f} ms"

    results.append(
        (
            "dashboard page, warm: median / p95",
            spread(warm_pages),
            f"median <= {DASHBOARD_WARM_MEDIAN_MS:.0f} ms",
            statistics.median(warm_pages) * ms <= DASHBOARD_WARM_MEDIAN_MS,
        )
    )
    results.append(
        (
            "dashboard page, cold (nothing cached): median / p95",
            spread(cold_pages),
            f"p95 <= {DASHBOARD_COLD_MS:.0f} ms",
            percentile(cold_pages, 0.95) * ms <= DASHBOARD_COLD_MS,
        )
    )
    results.append(
        (
            "dashboard chart SVG, cold after the page: median / p95",
            spread(cold_charts),
            f"p95 <= {DASHBOARD_COLD_MS:.0f} ms",
            percentile(cold_charts, 0.95) * ms <= DASHBOARD_COLD_MS,
        )
    )
    results.append(
        (
            "dashboard chart SVG, cold alone (nothing cached)",
            spread(alone_charts),
            f"p95 <= {DASHBOARD_COLD_MS:.0f} ms",
            percentile(alone_charts, 0.95) * ms <= DASHBOARD_COLD_MS,
        )
    )
    results.append(("dashboard chart SVG, warm: median / p95", spread(warm_charts), "", None))
    results.append(("  every chart of a page one after another (cold)", spread(all_charts), "", None))
    for part, values in cold_parts.items():
        results.append((f"  cold page: {part}", spread(values), "", None))
    for key, values in per_chart.items():
        results.append((f"  cold chart after the page: {key}", spread(values), "", None))


def add_day_of_answers(*, count: int, rng: random.Random, after: datetime.datetime) -> int:
    """A busy day's answers arriving after the fill's watermark: `count` responses (with answers and audit
    rows) to the running campaign's invitations not yet answered, submitted between `after` and now."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from core.models import AuditEvent
    from surveys.models import Answer, Campaign, Invitation, Response

    campaign = Campaign.objects.filter(name__startswith=CAMPAIGN_PREFIX).order_by("-sent_at").first()
    questions = {q.code: q for q in campaign.questionnaire_version.questions.all()}
    open_invitations = list(
        campaign.invitations.filter(status=Invitation.Status.SENT).values_list("pk", "customer_id", "contact_id")[
            :count
        ]
    )
    now = timezone.now()
    span = (now - after).total_seconds()
    response_id = _next_id(Response._meta.db_table)
    responses, answers, events = [], [], []
    response_type = ContentType.objects.get_for_model(Response).pk
    for invitation_id, customer_id, contact_id in open_invitations:
        submitted = after + datetime.timedelta(seconds=rng.uniform(1, max(2, span - 1)))
        scores = {code: _clamp(level + rng.gauss(0, 0.8), 1, 5) for code, (level, _c, _i) in DIMENSIONS.items()}
        csi = round(sum((s - 1) * 25.0 for s in scores.values()) / len(scores), 1)
        nps = _clamp(csi / 10 + 0.6 + rng.gauss(0, 1.4), 0, 10)
        responses.append(
            (
                response_id,
                invitation_id,
                campaign.pk,
                campaign.questionnaire_version_id,
                customer_id,
                contact_id,
                False,
                "",
                False,
                "zh-hans",
                submitted,
                csi,
                nps,
            )
        )
        for code, score in scores.items():
            answers.append((response_id, questions[code].pk, score, _clamp(4 + rng.gauss(0, 0.7), 1, 5), [], ""))
        answers.append((response_id, questions["recommend"].pk, nps, None, [], ""))
        events.append(
            (
                submitted,
                "",
                "create",
                response_type,
                str(response_id),
                f"Response {response_id}",
                {"csi": [None, csi], "nps_score": [None, nps]},
                "survey link",
                "",
                "public",
            )
        )
        response_id += 1
    columns = [
        "id",
        "invitation_id",
        "campaign_id",
        "questionnaire_version_id",
        "customer_id",
        "contact_id",
        "is_open",
        "client_hash",
        "suspected_duplicate",
        "language",
        "submitted_at",
        "csi",
        "nps_score",
    ]
    _copy(Response._meta.db_table, columns, responses)
    _copy(Answer._meta.db_table, ["response_id", "question_id", "score", "importance", "choices", "text"], answers)
    _copy(
        AuditEvent._meta.db_table,
        [
            "at",
            "actor_name",
            "action",
            "content_type_id",
            "object_id",
            "object_repr",
            "changes",
            "comment",
            "user_agent",
            "source",
        ],
        events,
    )
    _sequence_reset(Response._meta.db_table)
    Invitation.objects.filter(pk__in=[row[0] for row in open_invitations]).update(
        status=Invitation.Status.COMPLETED, completed_at=now
    )
    return len(responses)


def measure_fill_day(rng: random.Random, results: list) -> None:
    from django.db.models import Count
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    from reports.models import FillState
    from reports.services import facts_fill
    from surveys.models import Response

    busiest = (
        Response.objects.annotate(day=TruncDate("submitted_at"))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("n", flat=True)
        .first()
    ) or 100
    watermark = min(FillState.objects.values_list("watermark", flat=True))
    added = add_day_of_answers(count=busiest, rng=rng, after=watermark)
    started = time.perf_counter()
    report = facts_fill(until=timezone.now())
    seconds = time.perf_counter() - started
    print(
        f"  fill after a day of new answers: {added:,} responses, {report.days} days, {report.rows} rows in {seconds:.2f} s"
    )
    results.append(("facts_fill after a busy day of new answers", f"{seconds:.2f} s ({added:,} responses)", "", None))


def measure_report(results: list) -> None:
    from django.utils import timezone

    from reports.analysis.periods import last_full_period, period_label
    from reports.analysis.services import analysis_report_files
    from reports.models import AnalysisReport

    period = last_full_period("month", timezone.localdate())
    report = AnalysisReport(
        period_start=period.since,
        period_end=period.until,
        period_label=period_label("month", period),
        language="zh-hans",
        version=1,
        conclusions="",
    )
    started = time.perf_counter()
    pdf, xlsx = analysis_report_files(report=report)
    seconds = time.perf_counter() - started
    print(
        f"  monthly analysis report {report.period_label}: PDF {len(pdf):,} bytes, XLSX {len(xlsx):,} bytes in {seconds:.1f} s"
    )
    results.append(
        (
            f"monthly analysis report {report.period_label} (PDF + XLSX)",
            f"{seconds:.1f} s",
            f"<= {REPORT_SECONDS:.0f} s",
            seconds <= REPORT_SECONDS,
        )
    )


# -- child processes ------------------------------------------------------------------------------


def run_child(args_list: list[str], timeout: float) -> tuple[float, dict]:
    """Run this script as a child (`--child ...`); returns (wall seconds, the JSON it printed last). The
    child reports its own peak RSS (VmHWM of /proc/self/status): the wait4/RUSAGE_CHILDREN maximum is
    no use here, Linux folds the forked copy of this (large) process into it before the exec."""
    env = {**os.environ, "PYTHONPATH": str(BASE_DIR)}
    out = LOG_DIR / "analysis-child.out"
    with open(out, "w") as handle:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, __file__, *args_list], env=env, stdout=handle, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while True:
            pid, status, _usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                pid, status, _usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    text = out.read_text()
    lines = [line for line in text.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        print(text[-3000:])
        raise RuntimeError(f"child {args_list[:2]} failed (exit {process.returncode}); see {out}")
    return seconds, json.loads(lines[-1])


def child_export() -> dict:
    from core.exporting import csv_chunks
    from surveys.exporting import export_rows
    from surveys.models import Answer, Campaign

    baseline = _rss_mb("VmRSS")
    started = time.perf_counter()
    rows = size = 0
    first_peak = None
    target = LOG_DIR / "analysis-export.csv"
    with open(target, "wb") as handle:
        for campaign in Campaign.objects.filter(responses__isnull=False).distinct().order_by("pk"):
            for chunk in csv_chunks(row for row in export_rows(campaign)):
                handle.write(chunk)
                size += len(chunk)
            count = campaign.responses.count()
            rows += count
            # The first campaign of the year's size (the demo data's own campaigns hold a few responses,
            # too few to fill one batch): from here on the peak must not grow with the rows.
            if first_peak is None and count >= 1000:
                first_peak = _rss_mb()
    seconds = time.perf_counter() - started
    target.unlink()
    return {
        "seconds": seconds,
        "rows": rows,
        "answers": Answer.objects.count(),
        "bytes": size,
        "baseline_mb": baseline,
        "first_peak_mb": first_peak,
        "peak_mb": _rss_mb(),
    }


def child_pack(since: str, until: str) -> dict:
    from django.core.management import call_command

    target = LOG_DIR / "analysis-pack.zip"
    baseline = _rss_mb("VmRSS")
    call_command("evidence_pack", since=since, until=until, language="zh-hans", output=str(target), seed=1)
    size = target.stat().st_size
    target.unlink()
    return {"bytes": size, "baseline_mb": baseline, "peak_mb": _rss_mb()}


def child_background(seconds: float, pause: float) -> dict:
    """The fill and the sealer back to back until the stop file appears (or `seconds` pass)."""
    from django.utils import timezone

    from core.audit_chain import audit_chain_seal
    from reports.services import facts_fill

    stop = LOG_DIR / "analysis-background.stop"
    deadline = time.monotonic() + seconds
    fills = seals = sealed = rows = 0
    fill_seconds = seal_seconds = 0.0
    while time.monotonic() < deadline and not stop.exists():
        started = time.perf_counter()
        rows += facts_fill(until=timezone.now()).rows
        fill_seconds += time.perf_counter() - started
        fills += 1
        started = time.perf_counter()
        sealed += audit_chain_seal(settle_seconds=0)
        seal_seconds += time.perf_counter() - started
        seals += 1
        time.sleep(pause)
    return {
        "fills": fills,
        "fill_seconds": fill_seconds,
        "rows": rows,
        "seals": seals,
        "sealed": sealed,
        "seal_seconds": seal_seconds,
    }


def measure_children(args, results: list) -> None:
    from django.utils import timezone

    wall, found = run_child(["--child", "export"], timeout=1800)
    seconds, peak, first = found["seconds"], found["peak_mb"], found["first_peak_mb"]
    print(
        f"  raw-response export: {found['rows']:,} responses ({found['answers']:,} answers), {found['bytes']:,} bytes"
        f" in {seconds:.1f} s ({wall:.1f} s with the process start); RSS at start {found['baseline_mb']:.0f} MB,"
        f" peak after the first full-size campaign {first:.0f} MB, at the end {peak:.0f} MB"
    )
    flat = peak <= first * 1.1 + 10
    results.append(
        (
            f"raw-response export, every campaign, CSV ({found['answers']:,} answers)",
            f"{seconds:.1f} s, peak RSS {peak:.0f} MB (after the 1st full-size campaign {first:.0f} MB)",
            f"<= {EXPORT_SECONDS:.0f} s, flat memory",
            seconds <= EXPORT_SECONDS and flat,
        )
    )
    until = timezone.localdate()
    since = until - datetime.timedelta(days=364)
    wall, found = run_child(["--child", "pack", since.isoformat(), until.isoformat()], timeout=3600)
    peak = found["peak_mb"]
    print(
        f"  evidence pack {since}..{until}: {found['bytes']:,} bytes in {wall:.1f} s (the command, process start"
        f" included); RSS at start {found['baseline_mb']:.0f} MB, peak {peak:.0f} MB"
    )
    results.append(
        (
            "evidence pack of a year (ZIP), manage.py evidence_pack",
            f"{wall:.1f} s, peak RSS {peak:.0f} MB",
            f"<= {PACK_SECONDS:.0f} s, <= {PACK_RSS_MB:.0f} MB",
            wall <= PACK_SECONDS and peak <= PACK_RSS_MB,
        )
    )


# -- the answer path beside the fill -----------------------------------------------------------------


def load_invitations(needed: int) -> list[tuple[int, str]]:
    """Fresh sent invitations (pk, salt) in running campaigns, as many campaigns as the customers need."""
    from django.utils import timezone

    from accounts.models import User
    from customers.models import Contact, Customer
    from surveys import tokens
    from surveys.models import Campaign, Invitation, Questionnaire

    now = timezone.now()
    manager = User.objects.get(username="manager")
    version = Questionnaire.objects.get(code="general-satisfaction").versions.get(number=1)
    customers = list(Customer.objects.values_list("pk", flat=True))
    contacts = dict(Contact.objects.filter(is_primary=True).values_list("customer_id", "pk"))
    table = Invitation._meta.db_table
    columns = ["id", "campaign_id", "customer_id", "contact_id", "source", "token_salt", "token_hash", "language"]
    columns += ["email", "expires_at", "status", "created_at", "sent_at", "reminder_count", "draft", "bounce_reason"]
    made: list[tuple[int, str]] = []
    number = Campaign.objects.filter(name__startswith=LOAD_PREFIX).count()
    while len(made) < needed:
        number += 1
        campaign = Campaign.objects.create(
            name=f"{LOAD_PREFIX}{number}",
            questionnaire_version=version,
            status=Campaign.Status.RUNNING,
            created_by=manager,
            closes_at=now + datetime.timedelta(days=30),
            sent_at=now,
        )
        next_id = _next_id(table)
        rows = []
        for customer_id in customers[: needed - len(made)]:
            salt = secrets.token_hex(16)
            rows.append(
                (next_id, campaign.pk, customer_id, contacts.get(customer_id), "", salt)
                + (tokens.token_hash(tokens.token_for(salt)), "zh-hans", f"c{customer_id}@example.com")
                + (now + datetime.timedelta(days=30), Invitation.Status.SENT, now, now, 0, {}, "")
            )
            made.append((next_id, salt))
            next_id += 1
        _copy(table, columns, rows)
    _sequence_reset(table)
    return made


def measure_answer_path(args, results: list) -> bool:
    from django.db.models import Count

    from bench.surveys_bench import _post_many, _summary
    from surveys import tokens
    from surveys.models import Invitation, Questionnaire, Response

    version = Questionnaire.objects.get(code="general-satisfaction").versions.get(number=1)
    question_ids = list(version.questions.filter(kind="rating").values_list("pk", flat=True)[:10])
    body = {f"q-{code}": "4" for code in DIMENSIONS}
    body.update({f"q-{code}-importance": "5" for code in DIMENSIONS})
    body["q-overall"] = "4"  # the overall-satisfaction question the standard questionnaire requires
    body["q-recommend"] = "9"
    body["q-comment"] = "交货准时，服务很好"
    real_body = urllib.parse.urlencode(body).encode()
    bare_body = urllib.parse.urlencode([("question", q) for q in question_ids]).encode()
    warm = 25 * args.workers
    rows = load_invitations(2 * args.requests + 2 * warm)
    warm_rows = rows[2 * args.requests :]
    warm_targets = [(f"/bench/bare/{pk}/", bare_body) for pk, _salt in warm_rows[:warm]]
    warm_targets += [(f"/surveys/r/{tokens.token_for(salt)}/", real_body) for _pk, salt in warm_rows[warm:]]
    bare_targets = [(f"/bench/bare/{pk}/", bare_body) for pk, _salt in rows[: args.requests]]
    real_rows = rows[args.requests : 2 * args.requests]
    real_targets = [(f"/surveys/r/{tokens.token_for(salt)}/", real_body) for _pk, salt in real_rows]

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(BASE_DIR)}
    log = open(LOG_DIR / "analysis-gunicorn.log", "w")  # noqa: SIM115 - closed below
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "csm.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)]
        + ["--keep-alive", "30", "--timeout", "60", "--log-level", "warning", "--chdir", str(BASE_DIR)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stop = LOG_DIR / "analysis-background.stop"
    stop.unlink(missing_ok=True)
    background = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {LOG_DIR / 'analysis-gunicorn.log'}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        _post_many(port, warm_targets, args.clients, time.monotonic() + args.max_seconds)
        background_out = open(LOG_DIR / "analysis-background.out", "w")  # noqa: SIM115 - closed below
        background = subprocess.Popen(
            [sys.executable, __file__, "--child", "background", str(args.rounds * 2 * args.max_seconds), "0.5"],
            env=env,
            stdout=background_out,
            stderr=subprocess.STDOUT,
        )
        print(
            f"  gunicorn: {args.workers} workers, {args.clients} clients, {args.rounds} alternating rounds; the fill "
            f"and the sealer running beside them (load {load()})"
        )
        bare_results, real_results, ratios = [], [], []
        bare_wall = real_wall = 0.0
        for number in range(args.rounds):
            results_part, wall = _post_many(
                port, bare_targets[number :: args.rounds], args.clients, time.monotonic() + args.max_seconds
            )
            bare_results += results_part
            bare_wall += wall
            bare_round = _summary(f"  bare view, round {number + 1}", results_part, wall)
            results_part, wall = _post_many(
                port, real_targets[number :: args.rounds], args.clients, time.monotonic() + args.max_seconds
            )
            real_results += results_part
            real_wall += wall
            real_round = _summary(f"  answer path, round {number + 1}", results_part, wall)
            ratios.append(real_round / bare_round if bare_round else 0)
        stop.touch()
        background.wait(timeout=600)
        background_out.close()
        found = json.loads(
            [line for line in (LOG_DIR / "analysis-background.out").read_text().splitlines() if line.startswith("{")][
                -1
            ]
        )
        print(
            f"  beside the load: {found['fills']} fills ({found['fill_seconds']:.1f} s, {found['rows']:,} fact rows), "
            f"{found['seals']} seals ({found['sealed']:,} events sealed, {found['seal_seconds']:.1f} s) (load {load()})"
        )
    finally:
        stop.touch()
        if background is not None and background.poll() is None:
            background.terminate()
            background.wait(timeout=30)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
        stop.unlink(missing_ok=True)
    bare_rps = len(bare_results) / bare_wall if bare_wall else 0
    real_rps = len(real_results) / real_wall if real_wall else 0
    ratio = real_rps / bare_rps if bare_rps else 0
    ok_paths = {path for path, status, _s in real_results if status == 200}
    real_ids = [pk for pk, _salt in real_rows]
    stored = Response.objects.filter(invitation_id__in=real_ids).count()
    completed = Invitation.objects.filter(pk__in=real_ids, status=Invitation.Status.COMPLETED).count()
    duplicated = Response.objects.values("invitation_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    errors = sum(1 for _p, status, _s in real_results + bare_results if status != 200)
    print(
        f"  ratio per round {', '.join(f'{r:.2f}' for r in ratios)}; median {statistics.median(ratios):.2f}; overall "
        f"{ratio:.2f}; {len(ok_paths):,} answered, {stored:,} stored, {completed:,} completed, {duplicated} doubled, "
        f"{errors} errors"
    )
    results.append(
        (
            "answer path / bare view, fill + sealer running (overall)",
            f"{ratio:.2f} (rounds {', '.join(f'{r:.2f}' for r in ratios)}; {real_rps:.0f} vs {bare_rps:.0f} req/s)",
            f">= {ANSWER_RATIO}",
            ratio >= ANSWER_RATIO,
        )
    )
    intact = errors == 0 and len(ok_paths) == len(real_targets) == stored == completed and duplicated == 0
    results.append(
        (
            "answer path integrity",
            f"{stored:,} stored for {len(ok_paths):,} answered",
            "nothing lost or doubled",
            intact,
        )
    )
    return intact


# -- main -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1M answers, 100k customers, 200k complaints")
    parser.add_argument("--dashboard-cold", type=int, default=5, help="cold requests per dashboard case")
    parser.add_argument("--dashboard-warm", type=int, default=20, help="warm requests per dashboard case")
    parser.add_argument("--requests", type=int, default=3000, help="answer posts per endpoint over all rounds")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=300, help="time bound per load round")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reset", action="store_true", help="empty the database first (DROP SCHEMA public)")
    parser.add_argument("--reuse", action="store_true", help="measure a database an earlier run built")
    parser.add_argument("--skip", default="", help="comma-separated: dashboard,fill,report,export,answer")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL=postgres://... to an empty PostgreSQL database (the targets are for PostgreSQL).")
        return 2
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(BASE_DIR))
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    if args.child:
        kind, *rest = args.child
        if kind == "export":
            found = child_export()
        elif kind == "pack":
            found = child_pack(*rest)
        else:
            found = child_background(float(rest[0]), float(rest[1]))
        print(json.dumps(found))
        return 0

    from django.core.management import call_command
    from django.db import connection

    from reports.services import facts_fill
    from surveys.models import Answer, Campaign

    skip = set(filter(None, args.skip.split(",")))
    print(f"load average before: {load()}")
    if args.reset and args.reuse:
        print("--reset and --reuse exclude each other.")
        return 2
    if connection.introspection.table_names() and not args.reuse:
        if not args.reset:
            print("The database is not empty. Use an empty one, --reset to drop everything in it first, or --reuse.")
            return 2
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    rng = random.Random(args.seed)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"PostgreSQL {connection.pg_version // 10000}: migrated in {time.perf_counter() - started:.1f} s")
    results: list[tuple[str, str, str, bool | None]] = []
    if args.reuse:
        if not Campaign.objects.filter(name__startswith=CAMPAIGN_PREFIX).exists():
            print("--reuse needs a database an earlier run of this benchmark built.")
            return 2
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"reusing the database: {Answer.objects.count():,} answers")
    else:
        print(f"building at scale {args.scale}")
        started = time.perf_counter()
        build(args, rng)
        results.append(("build", f"{time.perf_counter() - started:.0f} s", "minutes", None))
        started = time.perf_counter()
        report = facts_fill()
        seconds = time.perf_counter() - started
        print(f"  first facts_fill: {report.steps} steps, {report.days} days, {report.rows:,} rows in {seconds:.1f} s")
        results.append(("first facts_fill (the whole year)", f"{seconds:.1f} s ({report.rows:,} rows)", "", None))
    print(f"measuring (load {load()})")
    ok = True
    if "dashboard" not in skip:
        measure_dashboard(args, results)
    if "fill" not in skip:
        measure_fill_day(rng, results)
    if "report" not in skip:
        measure_report(results)
    if "export" not in skip:
        measure_children(args, results)
    if "answer" not in skip:
        ok = measure_answer_path(args, results) and ok

    width = max(len(row[0]) for row in results)
    value_width = max(len(row[1]) for row in results)
    print()
    print(f"{'figure':<{width}}  {'value':<{value_width}}  {'target':<26}  result")
    for figure, value, target, passed in results:
        verdict = "" if passed is None else ("PASS" if passed else "FAIL")
        print(f"{figure:<{width}}  {value:<{value_width}}  {target:<26}  {verdict}")
    print(f"\nload average after: {load()}")
    ok = ok and all(passed is not False for *_rest, passed in results)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
