"""Benchmark: the complaint queue, the complaint page and complaint creation at scale on PostgreSQL,
served by gunicorn.

    DATABASE_URL=postgres://csm:csm@127.0.0.1:54329/csm_bench_complaints \\
        .venv/bin/python bench/complaints_bench.py --complaints 200000

1. Migrates an EMPTY PostgreSQL database (--reset empties it first: it drops the public schema)
   and builds realistic data fast: users in every role and departments (bulk inserts), customers
   across segments (`manage.py seed_demo --scale`), then N complaints spread over three years with
   states, severities, categories, assignees, departments, SLA due dates computed with the real
   business-hours calendar and policies (complaints.sla), acknowledgement / resolution / closing
   dates, ratings, status-link hashes (COPY in batches), and from them in SQL: the timeline (received,
   assignment, each workflow step, notes), the audit trail, escalations of late complaints and
   corrective actions. Then VACUUM ANALYZE, as autovacuum would after a load.
2. Starts gunicorn on 127.0.0.1 (a free port; 2 x cores + 1 sync workers; bench/complaints/settings.py:
   the real routes plus a bare view; its log goes to var/bench/complaints-gunicorn.log), logs a
   staff user in through the login form (session cookie) and gives it an API token.
3. Measures with concurrent clients (threads + http.client; --page-clients, --create-clients), each
   phase bounded in count and time, after a warm-up: the queue list with each common filter
   separately and the complaint page (median and p95 latency; every answer must be 200), with the
   queries and SQL time of one request of the same page made inside this process, to show whether
   the database or Python is slow; then creation throughput, alternating rounds of the bare
   view (same JSON body, same reference sequence, complaint row + "received" line; no auth,
   validation, SLA or audit) and POST /api/v1/complaints/ (the real service), keeping each one's
   best round because the machine is shared.
4. Prints a table with PASS/FAIL against the targets of issue #3 (list median <= 50 ms and
   p95 <= 100 ms; API creation >= half the bare view's requests/s) and of issue #12 (the complaint page
   <= 25 ms in-process, median over 25 complaints), checks that every 201 of the API
   is one stored complaint with its audit row and timeline line, and stops gunicorn (also on Ctrl-C
   or an error). Exit code 0 only when every target is met and nothing failed.

--reuse measures a database an earlier run built (applies new migrations, ANALYZE, no rebuild): to
check a fix in complaints/ without waiting for the build again.

Servers bind to 127.0.0.1 only; every load loop is bounded in count and time. No package beyond
requirements.txt is needed.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import http.client
import io
import json
import math
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LOG_DIR = BASE_DIR / "var" / "bench"
PASSWORD = "bench-Pass-2026"
BENCH_USERNAME = "bench.staff11"  # staff in the first department: has a "my queue" and a "team queue"
LIST_MEDIAN_MS = 50.0
LIST_P95_MS = 100.0
CREATE_RATIO = 0.5
DETAIL_IN_PROCESS_MS = 25.0  # issue #12: the complaint page, in-process, median
COPY_BATCH = 20_000

TEAMS = ["质量部", "售后服务部", "销售一部", "销售二部", "物流部", "技术支持部"]
SUBJECTS = {
    "product-defect": [
        "产品使用两周后出现异响",
        "批次产品表面划伤",
        "设备运行中频繁报警停机",
        "Pump seal leaking after 3 weeks",
    ],
    "product-spec": ["尺寸超出图纸公差", "材质证明与合同不符", "Output below rated capacity"],
    "delivery-late": ["交货延迟一周，影响产线", "承诺到货日期多次变更", "Shipment arrived 10 days late"],
    "delivery-damage": ["运输中包装破损，产品受损", "托盘倒塌，部分货物变形"],
    "delivery-wrong": ["发货型号错误", "数量少于装箱单", "Wrong item shipped"],
    "service-attitude": ["客服电话态度生硬", "现场工程师未按约定时间到达"],
    "service-response": ["报修三天无人回复", "邮件询价一周未答复", "No answer to our support ticket"],
    "service-after-sales": ["保修期内维修收费", "备件供应周期过长"],
    "billing-invoice": ["发票抬头错误，需重开", "发票金额与订单不符"],
    "billing-price": ["结算价格高于合同价", "未按约定给予批量折扣"],
}
DESCRIPTION = (
    "客户来电反映：{subject}。涉及订单 {order}，批次 {batch}。客户要求尽快给出处理方案并书面答复。"
    "现场照片已通过邮件发送。The customer asks for a written answer within the agreed time."
)
REMEDIES = ["更换产品", "退款", "免费维修", "书面道歉并说明改进措施", "价格补偿", ""]
RESOLUTIONS = [
    "已更换不良品并补发",
    "已安排工程师上门维修",
    "已重开发票",
    "已给予价格补偿，客户接受",
    "已书面答复并说明纠正措施",
]
END_REASONS = {"withdrawn": "客户撤回投诉：问题已自行解决", "rejected": "经调查不属于本公司责任范围，已书面说明"}


# -- data -----------------------------------------------------------------------------------------


def _copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(model, rows: list[dict]) -> None:
    """COPY rows (dicts by attribute name; missing fields take the field's default) into the model's table."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(row.get(f.attname, defaults[f.attname])) for f in fields))
        buffer.write("\n")
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {model._meta.db_table} ({columns}) FROM STDIN", buffer)


def build_people() -> dict:
    """Six departments, each with a manager and staff members; returns ids the complaints use."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts.models import Team, User

    password = make_password(PASSWORD)
    groups = {name: Group.objects.get(name=name) for name in ("staff", "manager")}
    users, memberships = [], []
    for number, name in enumerate(TEAMS, start=1):
        users.append((f"bench.manager{number}", "manager", name))
        for member in range(1, 8):
            users.append((f"bench.staff{number}{member}", "staff", name))
    created = User.objects.bulk_create(
        [
            User(username=username, password=password, email=f"{username}@example.com", first_name=username)
            for username, _role, _team in users
        ]
    )
    teams = {name: Team.objects.create(name=name) for name in TEAMS}
    members = []
    staff = []
    for user, (_username, role, team_name) in zip(created, users, strict=True):
        memberships.append(User.groups.through(user_id=user.pk, group_id=groups[role].pk))
        members.append(Team.members.through(user_id=user.pk, team_id=teams[team_name].pk))
        if role == "manager":
            Team.objects.filter(pk=teams[team_name].pk).update(manager=user)
        staff.append((user.pk, teams[team_name].pk))
    User.groups.through.objects.bulk_create(memberships)
    Team.members.through.objects.bulk_create(members)
    bench_user = next(u for u in created if u.username == BENCH_USERNAME)
    return {"staff": staff, "bench_user": bench_user}


def _state_for(age_days: float, rng: random.Random) -> str:
    """Recent complaints are being worked on; old ones are mostly closed, with a few stragglers."""
    if age_days < 1:
        table = {"received": 50, "acknowledged": 45, "withdrawn": 5}
    elif age_days < 5:
        table = {"acknowledged": 20, "assessed": 25, "investigating": 35, "resolved": 12, "withdrawn": 5, "rejected": 3}
    elif age_days < 30:
        table = {"investigating": 15, "resolved": 20, "closed": 58, "withdrawn": 4, "rejected": 3}
    else:
        table = {"closed": 93, "resolved": 1, "investigating": 1, "assessed": 0.5, "withdrawn": 2.5, "rejected": 2}
    return rng.choices(list(table), list(table.values()))[0]


def build_complaints(count: int, people: dict, rng: random.Random) -> None:
    from django.utils import timezone

    from complaints.models import Complaint, ComplaintCategory, Kind, SlaPolicy
    from complaints.services.common import sla_schedule_load
    from complaints.sla import due_dates
    from customers.models import Contact, Customer

    now = timezone.now()
    schedule = sla_schedule_load()
    policies = {(p.severity, p.tier): p for p in SlaPolicy.objects.all()}
    customers = list(Customer.objects.values_list("pk", "tier"))
    rng.shuffle(customers)  # a few customers complain far more often than most (index = n * r^2 below)
    contacts = dict(Contact.objects.filter(is_primary=True).values_list("customer_id", "pk"))
    categories = dict(ComplaintCategory.objects.filter(parent__isnull=False).values_list("code", "pk"))
    staff = people["staff"]
    span = datetime.timedelta(days=3 * 365).total_seconds()
    ages = sorted((rng.random() * span for _ in range(count)), reverse=True)  # oldest first: ids chronological
    from complaints.models import ComplaintSequence

    # seed_demo opens a few demo complaints through the service: number after them, not over them.
    numbers: dict[int, int] = dict(ComplaintSequence.objects.values_list("year", "last_number"))
    rows: list[dict] = []
    for age in ages:
        received_at = now - datetime.timedelta(seconds=age)
        age_days = age / 86400
        kind = rng.choices([Kind.COMPLAINT, Kind.SUGGESTION, Kind.COMPLIMENT], [90, 6, 4])[0]
        state = _state_for(age_days, rng)
        severity = rng.choices(["low", "medium", "high", "critical"], [30, 45, 20, 5])[0]
        customer_id, tier = customers[int(len(customers) * rng.random() ** 2)]
        code = rng.choice(list(categories))
        subject = rng.choice(SUBJECTS[code])
        year = timezone.localtime(received_at).year
        numbers[year] = numbers.get(year, 0) + 1
        order, batch = f"PO-{rng.randint(100000, 999999)}", f"B{year}{rng.randint(1000, 9999)}"
        row = {
            "reference": f"CMP-{year}-{numbers[year]:06d}",
            "kind": kind,
            "customer_id": customer_id,
            "contact_id": contacts.get(customer_id),
            "channel": rng.choices(
                ["hotline", "email", "visit", "web_form", "api", "letter", "exhibition", "other"],
                [40, 25, 12, 10, 5, 4, 2, 2],
            )[0],
            "severity": severity,
            "state": state,
            "subject": subject,
            "description": DESCRIPTION.format(subject=subject, order=order, batch=batch),
            "desired_remedy": rng.choice(REMEDIES),
            "product_reference": f"P-{rng.randint(100, 999)}" if code.startswith("product") else "",
            "order_reference": order,
            "batch_reference": batch if code.startswith(("product", "delivery")) else "",
            "category_id": categories[code] if rng.random() > 0.03 else None,
            "received_at": received_at,
            "created_by_id": rng.choice(staff)[0],
            "created_at": received_at,
        }
        if state != "received" or rng.random() < 0.4:
            row["assignee_id"], row["team_id"] = rng.choice(staff)
        if kind == Kind.COMPLAINT:
            policy = policies.get((severity, tier)) or policies.get((severity, ""))
            row["acknowledge_due_at"], row["resolve_due_at"] = due_dates(
                received_at,
                acknowledge_hours=policy.acknowledge_hours,
                resolve_days=policy.resolve_days,
                schedule=schedule,
            )
        updated = received_at
        if state in ("acknowledged", "assessed", "investigating", "resolved", "closed"):
            row["acknowledged_at"] = updated = min(now, received_at + datetime.timedelta(minutes=rng.randint(5, 600)))
            row["status_token_hash"] = hashlib.sha256(f"{row['reference']}-{rng.random()}".encode()).hexdigest()
            row["status_token_expires_at"] = row["acknowledged_at"] + datetime.timedelta(days=365)
        if state in ("resolved", "closed"):
            row["resolved_at"] = updated = min(now, updated + datetime.timedelta(hours=rng.uniform(2, 24 * 12)))
            row["resolution"] = rng.choice(RESOLUTIONS)
            row["root_cause_category"] = rng.choice(["man", "machine", "material", "method", "measurement"])
            row["five_whys"] = ["包装强度不足", "供应商更换了纸箱规格", "来料检验未覆盖纸箱强度"]
        if state == "closed":
            row["closed_at"] = updated = min(now, updated + datetime.timedelta(hours=rng.uniform(1, 24 * 7)))
            row["close_reason"] = "accepted" if rng.random() < 0.85 else "no_answer"
            row["reopen_count"] = 1 if rng.random() < 0.03 else 0
            if rng.random() < 0.4:
                row["satisfaction_rating"] = rng.choices([1, 2, 3, 4, 5], [3, 5, 15, 40, 37])[0]
                row["satisfaction_at"] = row["closed_at"]
        if state in ("withdrawn", "rejected"):
            row["end_reason"] = END_REASONS[state]
            updated = min(now, received_at + datetime.timedelta(hours=rng.uniform(1, 72)))
        if state in ("acknowledged", "assessed", "investigating") and rng.random() < 0.05:
            row["sla_paused_at"] = min(now, updated + datetime.timedelta(hours=1))
        row["updated_at"] = updated
        rows.append(row)
        if len(rows) == COPY_BATCH:
            copy_rows(Complaint, rows)
            rows = []
    if rows:
        copy_rows(Complaint, rows)
    for year, last in numbers.items():
        ComplaintSequence.objects.update_or_create(year=year, defaults={"last_number": last})


def build_history() -> None:
    """Timeline, audit trail, escalations and corrective actions derived from the complaints in SQL."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from accounts.models import User
    from complaints.models import Complaint, ComplaintEvent, CorrectiveAction, Escalation, EscalationRule
    from core.models import AuditEvent

    c, e = Complaint._meta.db_table, ComplaintEvent._meta.db_table
    a, u = AuditEvent._meta.db_table, User._meta.db_table
    complaint_type = ContentType.objects.get_for_model(Complaint).pk
    action_type = ContentType.objects.get_for_model(CorrectiveAction).pk
    rules = dict(EscalationRule.objects.values_list("code", "pk"))
    insert_event = (
        f"INSERT INTO {e} (complaint_id, at, actor_id, kind, from_state, to_state, comment, is_public, message, "
        "parameters) "
    )
    steps = [
        # (kind, from, to, at, actor, public, condition)
        ("received", "", "received", "c.received_at", "c.created_by_id", True, "TRUE"),
        (
            "assignment",
            "",
            "",
            "c.received_at + interval '10 minutes'",
            "c.created_by_id",
            False,
            "c.assignee_id IS NOT NULL",
        ),
        (
            "transition",
            "received",
            "acknowledged",
            "c.acknowledged_at",
            "coalesce(c.assignee_id, c.created_by_id)",
            True,
            "c.acknowledged_at IS NOT NULL",
        ),
        (
            "transition",
            "acknowledged",
            "assessed",
            "c.acknowledged_at + (coalesce(c.resolved_at, now()) - c.acknowledged_at) * 0.2",
            "coalesce(c.assignee_id, c.created_by_id)",
            True,
            "c.state IN ('assessed', 'investigating', 'resolved', 'closed')",
        ),
        (
            "transition",
            "assessed",
            "investigating",
            "c.acknowledged_at + (coalesce(c.resolved_at, now()) - c.acknowledged_at) * 0.4",
            "coalesce(c.assignee_id, c.created_by_id)",
            True,
            "c.state IN ('investigating', 'resolved', 'closed')",
        ),
        (
            "note",
            "",
            "",
            "c.received_at + (coalesce(c.resolved_at, now()) - c.received_at) * 0.5",
            "coalesce(c.assignee_id, c.created_by_id)",
            False,
            "c.id % 3 = 0",
        ),
        (
            "transition",
            "investigating",
            "resolved",
            "c.resolved_at",
            "coalesce(c.assignee_id, c.created_by_id)",
            True,
            "c.resolved_at IS NOT NULL",
        ),
        (
            "transition",
            "resolved",
            "closed",
            "c.closed_at",
            "coalesce(c.assignee_id, c.created_by_id)",
            True,
            "c.closed_at IS NOT NULL",
        ),
        (
            "transition",
            "received",
            "c.state",
            "c.updated_at",
            "coalesce(c.assignee_id, c.created_by_id)",
            True,
            "c.state IN ('withdrawn', 'rejected')",
        ),
    ]
    with connection.cursor() as cursor:
        for kind, from_state, to_state, at, actor, public, condition in steps:
            to_sql = to_state if to_state.startswith("c.") else f"'{to_state}'"
            comment = {"received": "c.channel", "note": "'已电话联系客户，确认问题细节'"}.get(kind, "''")
            if to_state == "c.state":
                comment = "c.end_reason"
            cursor.execute(
                insert_event + f"SELECT c.id, least({at}, now()), {actor}, '{kind}', '{from_state}', {to_sql}, "
                f"{comment}, {'TRUE' if public else 'FALSE'}, '', '{{}}' FROM {c} c WHERE {condition} ORDER BY c.id"
            )
        cursor.execute(
            f"INSERT INTO {a} (at, actor_id, actor_name, action, content_type_id, object_id, object_repr, changes,"
            " comment, ip_address, user_agent, source) "
            f"SELECT c.received_at, c.created_by_id, u.username, 'create', {complaint_type}, c.id::text,"
            " left(c.reference || ' ' || c.subject, 255),"
            " jsonb_build_object('reference', jsonb_build_array(NULL, c.reference), 'state',"
            " jsonb_build_array(NULL, 'received'), 'severity', jsonb_build_array(NULL, c.severity), 'subject',"
            " jsonb_build_array(NULL, c.subject), 'channel', jsonb_build_array(NULL, c.channel)),"
            f" '', '10.0.0.8', 'Mozilla/5.0', 'web' FROM {c} c JOIN {u} u ON u.id = c.created_by_id ORDER BY c.id"
        )
        cursor.execute(
            f"INSERT INTO {a} (at, actor_id, actor_name, action, content_type_id, object_id, object_repr, changes,"
            " comment, ip_address, user_agent, source) "
            f"SELECT e.at, e.actor_id, u.username, 'transition', {complaint_type}, c.id::text,"
            " left(c.reference || ' ' || c.subject, 255),"
            " jsonb_build_object('state', jsonb_build_array(e.from_state, e.to_state)), e.comment, '10.0.0.8',"
            f" 'Mozilla/5.0', 'web' FROM {e} e JOIN {c} c ON c.id = e.complaint_id JOIN {u} u ON u.id = e.actor_id"
            " WHERE e.kind = 'transition' ORDER BY e.id"
        )
        escalations = [
            (
                "ack-overdue-assignee",
                "c.acknowledge_due_at",
                "c.acknowledge_due_at < coalesce(c.acknowledged_at, now())",
            ),
            ("resolve-overdue-manager", "c.resolve_due_at", "c.resolve_due_at < coalesce(c.resolved_at, now())"),
            (
                "resolve-overdue-senior",
                "c.resolve_due_at + interval '1 hour'",
                "c.severity = 'critical' AND c.resolve_due_at + interval '1 hour' < coalesce(c.resolved_at, now())",
            ),
        ]
        for code, at, condition in escalations:
            cursor.execute(
                f"INSERT INTO {Escalation._meta.db_table} (complaint_id, rule_id, cycle, at, notified) "
                f"SELECT c.id, {rules[code]}, 0, {at}, 'bench' FROM {c} c "
                f"WHERE c.kind = 'complaint' AND c.state NOT IN ('withdrawn', 'rejected') AND {condition}"
            )
        cursor.execute(
            f"INSERT INTO {CorrectiveAction._meta.db_table} (created_at, updated_at, complaint_id, kind, description,"
            " owner_id, due_date, status, required_for_closing, done_at, verified_by_id, verified_at, evidence,"
            " result, recurred, verification_wait_days) "
            "SELECT c.acknowledged_at, coalesce(c.closed_at, c.resolved_at, c.acknowledged_at), c.id, 'corrective',"
            " '来料检验增加纸箱强度测试；更新检验规程', coalesce(c.assignee_id, c.created_by_id),"
            " (c.received_at + interval '14 days')::date,"
            " CASE WHEN c.resolved_at IS NULL THEN 'open' ELSE 'done' END, TRUE, c.resolved_at,"
            " CASE WHEN c.closed_at IS NOT NULL THEN c.created_by_id END, c.closed_at,"
            " CASE WHEN c.closed_at IS NOT NULL THEN '连续三批抽检合格' ELSE '' END,"
            " CASE WHEN c.closed_at IS NOT NULL THEN 'effective' ELSE '' END,"
            " CASE WHEN c.closed_at IS NOT NULL THEN FALSE END, 30 "
            f"FROM {c} c WHERE c.severity IN ('high', 'critical') AND c.state IN ('investigating', 'resolved', 'closed')"
        )
        cursor.execute(
            f"INSERT INTO {a} (at, actor_id, actor_name, action, content_type_id, object_id, object_repr, changes,"
            " comment, ip_address, user_agent, source) "
            f"SELECT x.created_at, x.owner_id, u.username, 'create', {action_type}, x.id::text, left(x.description, 255),"
            " jsonb_build_object('kind', jsonb_build_array(NULL, x.kind)), '', '10.0.0.8', 'Mozilla/5.0', 'web' "
            f"FROM {CorrectiveAction._meta.db_table} x JOIN {u} u ON u.id = x.owner_id"
        )


def build(args, rng: random.Random) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from complaints.models import Complaint, ComplaintEvent, CorrectiveAction, Escalation
    from core.models import AuditEvent
    from customers.models import Customer

    started = time.perf_counter()
    call_command("seed_demo", scale=args.customers, seed=args.seed, verbosity=0)
    people = build_people()
    print(f"  customers and users: {Customer.objects.count():,} customers in {time.perf_counter() - started:.1f} s")
    step = time.perf_counter()
    build_complaints(args.complaints, people, rng)
    print(f"  complaints: {args.complaints:,} in {time.perf_counter() - step:.1f} s")
    step = time.perf_counter()
    build_history()
    print(
        f"  history: {ComplaintEvent.objects.count():,} timeline lines, {AuditEvent.objects.count():,} audit events, "
        f"{Escalation.objects.count():,} escalations, {CorrectiveAction.objects.count():,} corrective actions "
        f"in {time.perf_counter() - step:.1f} s"
    )
    step = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"  VACUUM ANALYZE in {time.perf_counter() - step:.1f} s; total build {time.perf_counter() - started:.1f} s")
    counts = dict(Complaint.objects.order_by().values_list("state").annotate(n=Count("pk")))
    print("  by state: " + ", ".join(f"{state} {n:,}" for state, n in sorted(counts.items(), key=lambda x: -x[1])))
    return people


# -- load -----------------------------------------------------------------------------------------


class Server:
    """gunicorn in its own session, stopped (whole process group) by stop()."""

    def __init__(self, workers: int):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def start(self, env: dict) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log = open(LOG_DIR / "complaints-gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
                "csm.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "60",
                "--log-level",
                "warning",
                "--chdir",
                str(BASE_DIR),
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {LOG_DIR / 'complaints-gunicorn.log'}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.process is not None:
            self.log.close()
            self.process = None


def login(port: int, username: str) -> str:
    """Log in through the login form; returns the Cookie header for later requests."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/accounts/login/")
    response = connection.getresponse()
    html = response.read().decode()
    cookies = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";")[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    connection.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )
    response = connection.getresponse()
    response.read()
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";")[0]
    if response.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login failed: {response.status}")
    connection.close()
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def run_load(port: int, requests: list[tuple[str, str, bytes | None, dict]], clients: int, seconds: float):
    """Send each (method, path, body, headers) once over `clients` keep-alive connections, until done or
    `seconds` have passed. Returns [(status, seconds, body)] and the wall time."""
    results: list[tuple[int, float, bytes]] = []
    lock = threading.Lock()
    pending = list(reversed(requests))
    deadline = time.monotonic() + seconds

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                if not pending:
                    break
                method, path, body, headers = pending.pop()
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                content = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status, content = 0, b""
            elapsed = time.perf_counter() - started
            with lock:
                results.append((status, elapsed, content))
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def anatomy(user, path: str) -> tuple[int, float, float]:
    """One request in this process with the database queries captured: (queries, SQL ms, total ms).
    Tells whether a slow page waits on the database or on Python (template, forms)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get(path, HTTP_HOST="127.0.0.1")
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        client.get(path, HTTP_HOST="127.0.0.1")
        total = time.perf_counter() - started
    return len(captured), sum(float(q["time"]) for q in captured.captured_queries) * 1000, total * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=200_000)
    parser.add_argument("--customers", type=int, help="synthetic customers (default: complaints / 4, at least 1000)")
    parser.add_argument("--page-requests", type=int, default=200, help="requests per list filter and for the page")
    parser.add_argument("--page-clients", type=int, default=2, help="concurrent clients for pages (default 2)")
    parser.add_argument("--creates", type=int, default=1800, help="creations per endpoint over all rounds")
    parser.add_argument("--create-clients", type=int, default=8, help="concurrent clients for creation")
    parser.add_argument("--rounds", type=int, default=3, help="alternating creation rounds per endpoint")
    parser.add_argument("--workers", type=int, default=2 * len(os.sched_getaffinity(0)) + 1)
    parser.add_argument("--page-seconds", type=float, default=30, help="time bound per list filter and the page")
    parser.add_argument("--max-seconds", type=float, default=60, help="time bound per warm-up and creation round")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reset", action="store_true", help="empty the database first (DROP SCHEMA public)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure a database an earlier run built: apply new migrations, ANALYZE, skip the build",
    )
    args = parser.parse_args()
    args.customers = args.customers or max(1000, args.complaints // 4)

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL=postgres://... to an empty PostgreSQL database (the targets are for PostgreSQL).")
        return 2
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.complaints.settings"
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from knox.models import AuthToken

    from accounts.models import User
    from complaints.models import Complaint, ComplaintCategory, ComplaintEvent
    from core.models import AuditEvent
    from customers.models import Contact, Customer, Segment

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
    if args.reuse:
        bench_user = User.objects.filter(username=BENCH_USERNAME).first()
        if bench_user is None:
            print("--reuse needs a database an earlier run of this benchmark built.")
            return 2
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        args.complaints = Complaint.objects.count()
        args.customers = Customer.objects.filter(code__startswith="SCALE-").count()
        print(f"reusing the database: {args.complaints:,} complaints, {args.customers:,} synthetic customers")
    else:
        print("building")
        bench_user = build(args, rng)["bench_user"]
    token = AuthToken.objects.create(user=bench_user)[1]

    segment = Segment.objects.get(name="Scale: key current customers")
    parent = ComplaintCategory.objects.get(code="product-quality")
    leaf = ComplaintCategory.objects.get(code="delivery-late")
    list_cases = [
        ("all open (default tab)", "open=true"),
        ("all complaints, no filter", ""),
        ("my queue, open", "queue=mine&open=true"),
        ("team queue, open", "queue=team&open=true"),
        ("escalated, open", "queue=escalated&open=true"),
        ("state = investigating", "state=investigating"),
        ("state = closed", "state=closed"),
        ("severity = critical", "severity=critical"),
        ("category = product quality (parent)", f"category={parent.pk}"),
        ("category = late delivery (leaf)", f"category={leaf.pk}"),
        ("segment = key current customers", f"segment={segment.pk}"),
        ("overdue", "overdue=true"),
        ("due this week", "due_this_week=true"),
        ("sort by due date, soonest first", "ordering=resolve_due_at"),
        ("sort by due date, latest first", "ordering=-resolve_due_at"),
    ]
    complaint_ids = list(Complaint.objects.values_list("pk", flat=True))
    customer_contacts = list(Contact.objects.filter(is_primary=True).values_list("customer_id", "pk"))
    codes = list(ComplaintCategory.objects.filter(parent__isnull=False).values_list("code", flat=True))

    def creation_body(number: int) -> bytes:
        customer, contact = rng.choice(customer_contacts)
        subject = f"基准投诉 {number}：交货延迟，影响产线"
        return json.dumps(
            {
                "customer": customer,
                "contact": contact,
                "channel": "api",
                "category": rng.choice(codes),
                "severity": rng.choice(["low", "medium", "medium", "high", "critical"]),
                "subject": subject,
                "description": DESCRIPTION.format(subject=subject, order="PO-123456", batch="B20261234"),
                "desired_remedy": "补发并说明原因",
                "product_reference": "P-100",
                "order_reference": "PO-123456",
            },
            ensure_ascii=False,
        ).encode()

    server = Server(args.workers)
    env = {**os.environ, "PYTHONPATH": str(BASE_DIR), "BENCH_COMPLAINTS_USER_ID": str(bench_user.pk)}

    def stop_on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_on_signal)
    rows: list[tuple] = []
    failures: list[str] = []
    try:
        server.start(env)
        cookie = login(server.port, bench_user.username)
        page_headers = {"Cookie": cookie}
        print(
            f"gunicorn on 127.0.0.1:{server.port}: {args.workers} sync workers; pages with {args.page_clients} "
            f"concurrent clients, creation with {args.create_clients}; logged in as {bench_user.username}"
        )
        # Warm-up: every worker loads its templates, URLconf and connection before anything is timed.
        warm = [("GET", f"/complaints/?{q}", None, page_headers) for _label, q in list_cases] * 2
        warm += [("GET", f"/complaints/{pk}/", None, page_headers) for pk in rng.sample(complaint_ids, 20)]
        run_load(server.port, warm, args.page_clients, args.max_seconds)
        print("warmed up; measuring pages")
        load_before = f"{os.getloadavg()[0]:.1f}"

        for label, query in list_cases:
            path = f"/complaints/?{query}" if query else "/complaints/"
            results, _wall = run_load(
                server.port,
                [("GET", path, None, page_headers)] * args.page_requests,
                args.page_clients,
                args.page_seconds,
            )
            rows.append(_page_row(f"list: {label}", results, target=True) + anatomy(bench_user, path))
        sample = [rng.choice(complaint_ids) for _ in range(args.page_requests)]
        results, _wall = run_load(
            server.port,
            [("GET", f"/complaints/{pk}/", None, page_headers) for pk in sample],
            args.page_clients,
            args.page_seconds,
        )
        # Issue #12: the detail page's own cost, in this process (no HTTP), median over 25 complaints.
        detail = [anatomy(bench_user, f"/complaints/{pk}/") for pk in sample[:25]]
        detail_ms = statistics.median(total for _q, _sql, total in detail)
        row = _page_row("complaint page (detail)", results, target=False)
        if row[5] == "(no target)":
            row = row[:5] + (
                "PASS"
                if detail_ms <= DETAIL_IN_PROCESS_MS
                else f"FAIL (target in-process median <= {DETAIL_IN_PROCESS_MS:.0f} ms)",
            )
        rows.append(
            row
            + (
                max(q for q, _sql, _total in detail),
                statistics.median(sql for _q, sql, _total in detail),
                detail_ms,
            )
        )

        before = Complaint.objects.count()
        api_headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        bare_headers = {"Content-Type": "application/json"}
        per_round = max(1, args.creates // args.rounds)
        # Warm the write paths of every worker too.
        warm_results, _wall = run_load(
            server.port,
            [("POST", "/bench/bare-complaint/", creation_body(n), bare_headers) for n in range(20)]
            + [("POST", "/api/v1/complaints/", creation_body(n), api_headers) for n in range(20)],
            args.create_clients,
            args.max_seconds,
        )
        warm_created = sum(1 for status, _elapsed, _content in warm_results if status == 201)
        best = {"bare": 0.0, "api": 0.0}
        statuses = {"bare": {}, "api": {}}
        latencies = {"bare": [], "api": []}
        api_ids: list[int] = []
        for number in range(args.rounds):
            for name, path, headers in (
                ("bare", "/bench/bare-complaint/", bare_headers),
                ("api", "/api/v1/complaints/", api_headers),
            ):
                batch = [("POST", path, creation_body(n), headers) for n in range(per_round)]
                results, wall = run_load(server.port, batch, args.create_clients, args.max_seconds)
                rps = len(results) / wall if wall else 0.0
                best[name] = max(best[name], rps)
                for status, elapsed, content in results:
                    statuses[name][status] = statuses[name].get(status, 0) + 1
                    latencies[name].append(elapsed)
                    if name == "api" and status == 201:
                        api_ids.append(json.loads(content)["id"])
                print(
                    f"  creation round {number + 1}, {name:<4}: {len(results):>5} in {wall:5.1f} s = {rps:7.1f} req/s"
                )
    except KeyboardInterrupt:
        print("interrupted: stopping gunicorn")
        return 130
    finally:
        server.stop()

    created = Complaint.objects.count() - before
    stored = Complaint.objects.filter(pk__in=api_ids).count()
    audited = (
        AuditEvent.objects.filter(object_id__in=[str(pk) for pk in api_ids], action="create")
        .values("object_id")
        .distinct()
        .count()
    )
    received_lines = ComplaintEvent.objects.filter(complaint_id__in=api_ids, kind="received").count()
    bare_ok, api_ok = statuses["bare"].get(201, 0), statuses["api"].get(201, 0)

    print()
    print(
        f"Complaints: {args.complaints:,} in the database; {args.customers:,} synthetic customers. Latency in ms, client side;\n"
        "queries, SQL ms and in-proc ms: one request of the same page inside this process (no HTTP), for where the time goes;"
        " for the detail page the median over 25 complaints (most queries), its target."
    )
    print(f"Load average during the run (other work on this machine): {load_before} -> {os.getloadavg()[0]:.1f}")
    print(
        f"{'measure':<42} {'n':>5} {'errors':>6} {'median':>8} {'p95':>8} {'queries':>7} {'SQL ms':>7} {'in-proc':>7}  result"
    )
    for label, count, errors, median, p95, verdict, queries, sql_ms, total_ms in rows:
        print(
            f"{label:<42} {count:>5} {errors:>6} {median:>8.1f} {p95:>8.1f} {queries:>7} {sql_ms:>7.1f} {total_ms:>7.1f}  {verdict}"
        )
        if verdict.startswith("FAIL"):
            failures.append(label)
    ratio = best["api"] / best["bare"] if best["bare"] else 0.0
    print()
    print(f"{'creation':<42} {'201s':>5} {'other':>6} {'median':>8} {'best rps':>9}")
    for name, label in (("bare", "bare view (same inserts)"), ("api", "POST /api/v1/complaints/")):
        other = sum(n for status, n in statuses[name].items() if status != 201)
        median = statistics.median(latencies[name]) * 1000 if latencies[name] else float("nan")
        print(f"{label:<42} {statuses[name].get(201, 0):>5} {other:>6} {median:>8.1f} {best[name]:>9.1f}")
    verdict = "PASS" if ratio >= CREATE_RATIO else "FAIL"
    print(f"API / bare requests per second: {ratio:.2f} (target >= {CREATE_RATIO}): {verdict}")
    if verdict == "FAIL":
        failures.append("creation throughput")
    if any(status != 201 for name in statuses for status in statuses[name]):
        failures.append(f"creation answers other than 201: {statuses}")
    consistent = stored == len(api_ids) == audited == received_lines and created == bare_ok + api_ok + warm_created
    print(
        f"API 201s {len(api_ids):,}: stored {stored:,}, with a create audit row {audited:,}, with a received line "
        f"{received_lines:,}; rows added {created:,} (= bare + API 201s incl. warm-up: {'yes' if consistent else 'NO'})"
    )
    if not consistent:
        failures.append("created complaints do not match the 201 answers")
    print()
    print("RESULT: " + ("PASS" if not failures else "FAIL (" + "; ".join(failures) + ")"))
    return 0 if not failures else 1


def _page_row(label: str, results, *, target: bool) -> tuple[str, int, int, float, float, str]:
    latencies = [elapsed * 1000 for status, elapsed, _content in results]
    errors = sum(1 for status, _elapsed, _content in results if status != 200)
    median = statistics.median(latencies) if latencies else float("nan")
    p95 = percentile(latencies, 0.95)
    if errors:
        verdict = f"FAIL ({errors} answers not 200)"
    elif not target:
        verdict = "(no target)"
    elif median <= LIST_MEDIAN_MS and p95 <= LIST_P95_MS:
        verdict = "PASS"
    else:
        verdict = f"FAIL (target median <= {LIST_MEDIAN_MS:.0f}, p95 <= {LIST_P95_MS:.0f})"
    return label, len(results), errors, median, p95, verdict


if __name__ == "__main__":
    raise SystemExit(main())
