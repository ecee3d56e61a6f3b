"""No write without an audit row, walked over the URLconf.

Every page a manager can open is read for its POST forms (the buttons on a detail page included);
each write route is then posted with the values its own form carries, as a browser would send them,
while every SQL statement is watched. A request that inserted, updated or deleted a row of a
business table and wrote no audit event fails the walk. A form that is not valid as it stands writes
nothing and proves nothing, so the walk also asserts how many routes did write (and were audited):
a change that made the walk vacuous fails too.

Not walked here: the admin (tests/accounts/test_audit_writes.py posts its change forms) and the API
(tests/accounts/test_access_matrix.py posts a valid body to each write and tests/core/test_api_fuzz.py
generated ones: every write they see accepted must leave an audit row).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from core.models import AuditEvent
from tests.accounts.test_access import OUR_ROUTES, url_of, world  # noqa: F401 - the walk's records

pytestmark = pytest.mark.django_db

# Tables whose rows are not business records: sessions and login bookkeeping, the outbox, derived
# figures recomputed from audited records, and the audit trail itself.
NOT_BUSINESS_TABLES = {
    "django_session",
    "core_auditevent",
    "core_auditchainlink",
    "core_outboxmessage",
    "reports_responsedailyfact",
    "reports_satisfactiondailyfact",
    "reports_factwatermark",
}
BUSINESS_APPS = {"accounts", "auth", "customers", "visits", "complaints", "surveys", "feedback", "reports", "evidence"}


def business_tables() -> set[str]:
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in BUSINESS_APPS and model._meta.db_table not in NOT_BUSINESS_TABLES:
            tables.add(model._meta.db_table)
    return tables


def rows_of(tables: set[str]) -> dict[str, list]:
    """Every row of the tables, without the timestamps a save refreshes."""
    by_table = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}
    rows = {}
    for table in tables:
        model = by_table[table]
        values = list(model._default_manager.order_by("pk").values())
        for row in values:
            row.pop("updated_at", None)
            row.pop("last_login", None)
        rows[table] = values
    return rows


WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class SqlWatch:
    def __init__(self, tables: set[str]):
        self.tables, self.written, self.audited = tables, set(), False

    def __call__(self, execute, sql, params, many, context):
        match = WRITE.match(sql)
        if match:
            table = match.group(2)
            if table == AuditEvent._meta.db_table and match.group(1).upper().startswith("INSERT"):
                self.audited = True
            elif table in self.tables and not _is_login_bookkeeping(table, sql):
                self.written.add(table)
        return execute(sql, params, many, context)


def _is_login_bookkeeping(table: str, sql: str) -> bool:
    return table == "accounts_user" and "last_login" in sql and "SET" in sql.upper() and sql.count("=") <= 3


class _PostForms(HTMLParser):
    """Every <form method="post"> of a page: its action and the values a browser would submit."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url, self.forms, self.current, self.select, self.textarea = page_url, [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self.current = (a.get("action") or self.page_url, {})
            return
        if self.current is None or "disabled" in a:
            return
        data = self.current[1]
        if tag in ("input", "button") and a.get("name"):
            kind = a.get("type", "text" if tag == "input" else "submit")
            if kind in ("file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    data.setdefault(a["name"], []).append(a.get("value", "on"))
            elif kind == "submit":
                data.setdefault(a["name"], [a.get("value", "")])
            else:
                data.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            self.first_option = None
            data.setdefault(self.select, [])
        elif tag == "option" and self.select:
            if self.first_option is None and a.get("value"):
                self.first_option = a.get("value")
            if "selected" in a:
                data[self.select].append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            data.setdefault(self.textarea, [""])

    def handle_endtag(self, tag):
        if tag == "form" and self.current is not None:
            self.forms.append(self.current)
            self.current = None
        elif tag == "select" and self.select:
            data = self.current[1] if self.current else {}
            if not [v for v in data.get(self.select, []) if v] and self.first_option:
                data[self.select] = [self.first_option]  # a required choice: the first real option
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea and self.current is not None:
            self.current[1][self.textarea][-1] += data.strip("\n")


# Routes whose POST is not a business write: the session, the language, a download or a preview.
NOT_WRITES = {"accounts:login", "accounts:logout", "set_language", "evidence:pack_create"}
# Deleting a customer that complaints still reference is a server error today (issue 13's "server
# errors on bad input", fixed elsewhere); the walk's customer and segment are referenced.
SKIPPED = {"customers:delete", "customers:segment_delete"}


TEXT_WORDS = ("reason", "summary", "note", "comment", "description", "evidence", "name", "subject", "text")


def _fill_blanks(data: dict[str, list[str]]) -> dict[str, list[str]]:
    """Give empty free-text fields (a reason, a summary, a note) a plausible value: a form's own
    values are empty where a person would type."""
    return {
        name: ["Walked by the audit test"] if values == [""] and any(w in name for w in TEXT_WORDS) else values
        for name, values in data.items()
    }


def test_every_write_made_through_a_page_leaves_an_audit_row(manager_user, world):  # noqa: F811
    # A body that is wrong as it stands may answer 500 (issue 13's "server errors on bad input", fixed
    # elsewhere): such a request wrote nothing that committed, and proves nothing here.
    client = Client(raise_request_exception=False)
    client.force_login(manager_user)
    forms: dict[str, dict[str, list[str]]] = {}
    for route in OUR_ROUTES:
        if route.is_api or route.name in NOT_WRITES:
            continue
        url = url_of(route, world)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _PostForms(url)
        parser.feed(response.content.decode())
        for action, data in parser.forms:
            forms.setdefault(action, data)

    tables = business_tables()
    failures, audited_writes = [], []
    for route in OUR_ROUTES:
        if route.is_api or route.name in NOT_WRITES | SKIPPED:
            continue
        url = url_of(route, world)
        if url not in forms:
            continue
        watch = SqlWatch(tables)
        before = rows_of(tables)
        with connection.execute_wrapper(watch):
            client.post(url, _fill_blanks(forms[url]))
        client.force_login(manager_user)
        # A form saved unchanged rewrites its row with the same values: no change, nothing to audit.
        watch.written = {t for t in watch.written if rows_of({t}) != {t: before.get(t)}}
        if watch.written and not watch.audited:
            failures.append(f"POST {url} ({route.name}) wrote {sorted(watch.written)} and no audit row")
        elif watch.written:
            audited_writes.append(route.name)

    print(f"audited writes through their own form: {len(audited_writes)}: {sorted(audited_writes)}")
    assert failures == [], "\n".join(failures)
    # What the walk proved: this many routes wrote through their own form, each with its audit row.
    assert len(audited_writes) >= MIN_AUDITED_WRITES, sorted(audited_writes)


# 23 when written (complaint steps, customers, segments, feedback, reports, surveys, visits, the import
# confirmation and the calendar-feed renewal); fewer means forms stopped being walkable.
MIN_AUDITED_WRITES = 20
