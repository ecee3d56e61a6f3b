"""The audit trail's export for people: headers, actions and record types in the reader's language, the
time in the configured time zone, the changes in words rather than JSON; `codes=1` for machines."""

import csv
import datetime
import io
import json
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from core.models import AuditEvent
from customers import services
from reports.audit_exporting import audit_export_rows

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


@pytest.fixture
def changed_customer(settings, staff_user):
    settings.TIME_ZONE = "Asia/Shanghai"
    # 01:48 Beijing time on 5 March is 17:48 UTC on 4 March.
    with time_machine.travel(datetime.datetime(2026, 3, 5, 1, 48, tzinfo=SHANGHAI), tick=False):
        customer = services.customer_create(actor=staff_user, data={"code": "A-1", "name": "Harbour Ltd"})
        services.customer_update(actor=staff_user, customer=customer, data={"name": "Harbour Ltd", "tier": "key"})
    return customer


def test_the_export_reads_in_english_with_local_time_and_changes_in_words(auditor_client, changed_customer):
    rows = _rows(auditor_client.get(reverse("audit:audit_export")))

    assert rows[0][:8] == [
        "Event",
        "When",
        "Who (name at the time)",
        "Action",
        "Record type",
        "Record id",
        "Record",
        "Changes",
    ]
    created, updated = rows[1], rows[2]
    assert created[1] == "2026-03-05 01:48:00"
    assert created[3] == "Created" and updated[3] == "Updated"
    assert created[4] == "Customer"
    assert "{" not in updated[7] and "Key customer" in updated[7] and "→" in updated[7]
    assert "General" in updated[7]


def test_the_export_reads_in_chinese(auditor_client, changed_customer):
    auditor_client.cookies["django_language"] = "zh-hans"

    rows = _rows(auditor_client.get(reverse("audit:audit_export"), HTTP_ACCEPT_LANGUAGE="zh-hans"))

    assert rows[0][:4] == ["事件", "时间", "操作人（当时的名称）", "操作"]
    assert rows[2][3] != "update" and rows[2][4] == "顾客"
    assert "关键顾客" in rows[2][7]


def test_codes_give_the_machine_format(auditor_client, changed_customer):
    rows = _rows(auditor_client.get(reverse("audit:audit_export"), {"codes": "1"}))

    assert rows[0][:4] == ["id", "at", "actor", "action"]
    assert rows[1][1] == "2026-03-05T01:48:00+08:00"
    assert rows[2][3] == "update" and rows[2][4] == "customers.customer"
    assert json.loads(rows[2][7])["tier"] == ["general", "key"]


def test_the_rows_read_the_trail_in_batches(changed_customer, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr("reports.audit_exporting.BATCH_SIZE", 1)
    with django_assert_max_num_queries(3 + 1):  # one query per batch of one, and the empty last one
        rows = list(audit_export_rows(AuditEvent.objects.all(), language="en"))
    assert len(rows) == 3
