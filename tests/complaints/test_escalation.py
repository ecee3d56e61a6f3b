"""Escalation: warn the assignee, then the manager, then senior management for critical complaints;
each exactly once per rule and cycle, however often (or late) the sweep runs."""

import datetime

import pytest
from django.core import mail

from accounts.models import Team
from complaints import services, tasks
from complaints.models import Escalation, EscalationRule
from csm.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(open_complaint, staff_user, manager_user):
    def make(**kwargs):
        complaint = open_complaint(**kwargs)
        team = Team.objects.get_or_create(name="After-sales", defaults={"manager": manager_user})[0]
        services.complaint_assign(actor=manager_user, complaint=complaint, assignee=staff_user, team=team)
        return complaint

    return make


def codes(complaint) -> list[str]:
    return sorted(complaint.escalations.values_list("rule__code", flat=True))


def test_escalation_mail_is_in_each_recipients_language(assigned, staff_user, django_capture_on_commit_callbacks):
    staff_user.preferred_language = "zh-hans"
    staff_user.save()
    complaint = assigned(severity="high")

    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_escalations_run(now=complaint.resolve_due_at - datetime.timedelta(hours=1))

    subjects = [m.subject for m in mail.outbox if m.to == [staff_user.email]]
    assert subjects and all(s.startswith("[升级]") and complaint.reference in s for s in subjects)


def test_nothing_happens_before_the_warning(assigned):
    complaint = assigned(severity="high")
    assert services.complaint_escalations_run(now=complaint.received_at) == 0


def test_warning_then_manager_each_once_with_mail_to_the_right_people(
    assigned, staff_user, manager_user, django_capture_on_commit_callbacks
):
    complaint = assigned(severity="high")
    complaint.acknowledged_at = None
    services.complaint_transition(actor=staff_user, complaint=complaint, action="acknowledge")
    mail.outbox.clear()

    before_due = complaint.resolve_due_at - datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.complaint_escalations_run(now=before_due) == 1
    assert codes(complaint) == ["resolve-warning-assignee"]
    assert [m.to for m in mail.outbox] == [[staff_user.email]]

    after_due = complaint.resolve_due_at + datetime.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.complaint_escalations_run(now=after_due) == 1
        assert services.complaint_escalations_run(now=after_due) == 0  # the second run does nothing
    assert codes(complaint) == ["resolve-overdue-manager", "resolve-warning-assignee"]
    assert mail.outbox[-1].to == [manager_user.email]
    assert complaint.reference in mail.outbox[-1].subject
    assert complaint.events.filter(kind="escalation", is_public=False).count() == 2


def test_a_worker_that_was_down_catches_up_once(assigned):
    complaint = assigned(severity="critical")
    long_after = complaint.resolve_due_at + datetime.timedelta(days=30)

    made = services.complaint_escalations_run(now=long_after)
    again = services.complaint_escalations_run(now=long_after + datetime.timedelta(hours=1))

    # acknowledgement overdue, warning, manager, senior management (critical): each once.
    assert made == 4 and again == 0
    assert codes(complaint) == [
        "ack-overdue-assignee",
        "resolve-overdue-manager",
        "resolve-overdue-senior",
        "resolve-warning-assignee",
    ]


def test_senior_management_only_for_critical_complaints(assigned):
    complaint = assigned(severity="medium")
    services.complaint_escalations_run(now=complaint.resolve_due_at + datetime.timedelta(days=3))
    assert "resolve-overdue-senior" not in codes(complaint)


def test_levels_are_configurable_data(assigned):
    EscalationRule.objects.filter(code="resolve-warning-assignee").update(is_active=False)
    EscalationRule.objects.create(
        code="early",
        name="Early warning",
        level=1,
        deadline="resolve",
        offset_minutes=-60 * 24 * 30,
        audience="assignee",
    )
    complaint = assigned(severity="low")
    services.complaint_escalations_run(now=complaint.received_at + datetime.timedelta(minutes=1))
    assert codes(complaint) == ["early"]


def test_paused_and_resolved_complaints_do_not_escalate(assigned, staff_user):
    paused = assigned(severity="high")
    services.complaint_pause(actor=staff_user, complaint=paused)
    resolved = assigned(severity="high")
    for action in ("acknowledge", "assess"):
        services.complaint_transition(actor=staff_user, complaint=resolved, action=action)
    services.complaint_transition(actor=staff_user, complaint=resolved, action="resolve", resolution="Done.")

    services.complaint_escalations_run(now=paused.resolve_due_at + datetime.timedelta(days=10))

    assert codes(paused) == [] and codes(resolved) == []


def test_reopening_starts_a_new_cycle(assigned, staff_user):
    complaint = assigned(severity="high")
    services.complaint_escalations_run(now=complaint.resolve_due_at + datetime.timedelta(days=1))
    first = complaint.escalations.count()
    for action in ("acknowledge", "assess"):
        services.complaint_transition(actor=staff_user, complaint=complaint, action=action)
    services.complaint_transition(actor=staff_user, complaint=complaint, action="resolve", resolution="Done.")
    services.complaint_transition(actor=staff_user, complaint=complaint, action="reopen", comment="Again.")
    complaint.refresh_from_db()

    services.complaint_escalations_run(now=complaint.resolve_due_at + datetime.timedelta(days=1))

    assert complaint.escalations.filter(cycle=1).count() == 2  # warning and manager again, not the ack rule
    assert complaint.escalations.filter(cycle=0).count() == first


def test_the_database_refuses_a_second_escalation_for_the_same_rule_and_cycle(complaint):
    from django.db import IntegrityError, transaction

    rule = EscalationRule.objects.get(code="resolve-overdue-manager")
    Escalation.objects.create(complaint=complaint, rule=rule, cycle=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(complaint=complaint, rule=rule, cycle=0)


def test_the_task_runs_the_service_and_is_on_the_beat_schedule(assigned):
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "complaints.tasks.complaint_escalations_run_task" in schedule
    assert "complaints.tasks.complaint_close_unanswered_task" in schedule
    assert tasks.complaint_escalations_run_task.delay().get() == 0


def test_an_overlapping_sweep_that_read_before_the_other_committed_escalates_nothing(assigned, monkeypatch):
    from complaints.models import Complaint
    from complaints.services import escalation

    complaint = assigned(severity="high")
    now = complaint.resolve_due_at + datetime.timedelta(hours=1)
    made = services.complaint_escalations_run(now=now)
    assert made == 3  # acknowledgement overdue, warning, manager

    # The second worker's candidate list was read before the first one's rows existed.
    monkeypatch.setattr(
        escalation,
        "complaint_escalations_due",
        lambda rule, now: Complaint.objects.filter(pk=complaint.pk, escalations__rule=rule),
    )
    assert services.complaint_escalations_run(now=now) == 0
    assert complaint.escalations.count() == made


def test_the_escalation_mail_names_the_rule_in_the_recipients_language(
    assigned, staff_user, manager_user, django_capture_on_commit_callbacks
):
    manager_user.preferred_language = "zh-hans"
    manager_user.save(update_fields=["preferred_language"])
    complaint = assigned(severity="high")
    services.complaint_transition(actor=staff_user, complaint=complaint, action="acknowledge")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_escalations_run(now=complaint.resolve_due_at + datetime.timedelta(minutes=1))

    to_manager = [m for m in mail.outbox if m.to == [manager_user.email]]
    assert to_manager and "处理超时：通知部门经理" in to_manager[-1].subject
    assert (
        EscalationRule.objects.get(code="resolve-overdue-manager").label
        == "Resolution overdue: tell the department manager"
    )
