"""The timeline's system lines are stored as message codes and read in the reader's language: an
escalation written by the night's sweep, the channel a complaint came by, the system's own steps."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from accounts.models import Team
from complaints import services
from complaints.event_text import Message, event_text
from complaints.models import ComplaintEvent, EscalationRule

pytestmark = pytest.mark.django_db


def _page(client, user, complaint, language: str) -> str:
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()


@pytest.fixture
def escalated(open_complaint, staff_user, manager_user):
    complaint = open_complaint(severity="high")
    team = Team.objects.get_or_create(name="After-sales", defaults={"manager": manager_user})[0]
    services.complaint_assign(actor=manager_user, complaint=complaint, assignee=staff_user, team=team)
    with translation.override("en"):  # the sweep runs in the server's language
        services.complaint_escalations_run(now=complaint.resolve_due_at + datetime.timedelta(hours=1))
    return complaint


def test_an_escalation_line_stores_the_rule_not_a_sentence(escalated):
    event = escalated.events.filter(kind=ComplaintEvent.Kind.ESCALATION).first()
    rule = EscalationRule.objects.get(code=event.parameters["rule"])
    assert event.message == Message.ESCALATION and event.comment == ""
    assert (event.parameters["rule_en"], event.parameters["rule_zh"]) == (rule.name, rule.name_zh)


def test_an_escalation_line_reads_in_chinese_on_a_chinese_page(client, manager_user, escalated):
    rule = EscalationRule.objects.get(code=escalated.events.filter(kind="escalation").first().parameters["rule"])
    assert rule.name_zh and rule.name != rule.name_zh

    chinese = _page(client, manager_user, escalated, "zh-hans")
    english = _page(client, manager_user, escalated, "en")

    assert rule.name_zh in chinese and rule.name not in chinese
    assert rule.name in english and rule.name_zh not in english


def test_the_channel_of_receipt_reads_in_the_readers_language(client, manager_user, open_complaint):
    with translation.override("zh-hans"):  # logged by someone working in Chinese
        complaint = open_complaint(channel="visit")
    received = complaint.events.get(kind=ComplaintEvent.Kind.RECEIVED)
    assert (received.message, received.parameters, received.comment) == ("received", {"channel": "visit"}, "")

    with translation.override("en"):
        assert event_text(received) == "Visit"
    with translation.override("zh-hans"):
        assert event_text(received) == "来访"
    assert "来访" not in _page(client, manager_user, complaint, "en")


def test_system_steps_read_in_the_readers_language(complaint, staff_user):
    with translation.override("zh-hans"):
        services.complaint_assign(actor=staff_user, complaint=complaint, assignee=staff_user)
        services.complaint_assign(actor=staff_user, complaint=complaint, assignee=None)
    unassigned = complaint.events.filter(kind=ComplaintEvent.Kind.ASSIGNMENT).last()
    with translation.override("en"):
        assert event_text(unassigned) == "Unassigned"
    with translation.override("zh-hans"):
        assert event_text(unassigned) == "未分派"


def test_the_api_gives_the_line_in_the_requests_language(client, manager_user, escalated):
    client.force_login(manager_user)
    rows = client.get(f"/api/v1/complaints/{escalated.pk}/events/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    escalation = next(row for row in rows if row["kind"] == "escalation")
    assert escalation["message"] == "escalation"
    assert escalation["text"].startswith(escalation["parameters"]["rule_zh"])


def test_the_migration_turns_stored_sentences_into_messages(complaint, staff_user):
    rule = EscalationRule.objects.exclude(name_zh="").first()
    old = [
        ComplaintEvent.objects.create(complaint=complaint, kind="received", comment="顾客热线"),
        ComplaintEvent.objects.create(complaint=complaint, kind="escalation", comment=f"{rule.name} → Li Na, Wang"),
        ComplaintEvent.objects.create(complaint=complaint, kind="escalation", comment=f"{rule.name_zh} → —"),
        ComplaintEvent.objects.create(complaint=complaint, kind="action", comment="已验证有效性：有效"),
        ComplaintEvent.objects.create(
            complaint=complaint, kind="note", comment="Customer rated the handling 2 of 5. Slow"
        ),
        ComplaintEvent.objects.create(complaint=complaint, kind="note", comment="Called the customer back"),
    ]
    migration = importlib.import_module("complaints.migrations.0015_event_sentences_to_messages")

    migration.sentences_to_messages(apps, None)

    rows = [ComplaintEvent.objects.get(pk=e.pk) for e in old]
    assert [(r.message, r.parameters, r.comment) for r in rows] == [
        ("received", {"channel": "hotline"}, ""),
        (
            "escalation",
            {"rule": rule.code, "rule_en": rule.name, "rule_zh": rule.name_zh, "notified": "Li Na, Wang"},
            "",
        ),
        ("escalation", {"rule": rule.code, "rule_en": rule.name, "rule_zh": rule.name_zh, "notified": ""}, ""),
        ("action_verified", {"result": "effective"}, ""),
        ("rated", {"rating": 2, "comment": "Slow"}, ""),
        ("", {}, "Called the customer back"),
    ]
    with translation.override("en"):
        assert event_text(rows[3]) == "Effectiveness checked: Effective"
