"""Workflow rules: legal steps only, each with its audit row and timeline event, guarded in the
service layer, by conditional updates and by database constraints."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ComplaintEvent, CorrectiveAction, State
from complaints.workflow import TRANSITIONS, actions_from
from core.exceptions import ApplicationError
from core.models import AuditEvent
from tests.complaints.factories import CorrectiveActionFactory, action_waiting_period_passed

pytestmark = pytest.mark.django_db


def step(actor, complaint, action, **kwargs):
    return services.complaint_transition(actor=actor, complaint=complaint, action=action, **kwargs)


def test_full_path_received_to_closed_sets_each_timestamp(staff_user, complaint):
    step(staff_user, complaint, "acknowledge")
    assert complaint.state == State.ACKNOWLEDGED and complaint.acknowledged_at
    step(staff_user, complaint, "assess")
    step(staff_user, complaint, "investigate")
    step(staff_user, complaint, "resolve", resolution="Seal replaced on site.")
    assert complaint.resolved_at and complaint.resolution == "Seal replaced on site."
    step(staff_user, complaint, "close", close_reason="accepted")

    complaint.refresh_from_db()
    assert complaint.state == State.CLOSED and complaint.closed_at and complaint.close_reason == "accepted"
    transitions = AuditEvent.objects.for_object(complaint).filter(action="transition")
    assert transitions.count() == 5
    assert all(e.actor == staff_user and e.at for e in transitions)
    assert list(complaint.events.filter(kind=ComplaintEvent.Kind.TRANSITION).values_list("to_state", flat=True)) == [
        "acknowledged",
        "assessed",
        "investigating",
        "resolved",
        "closed",
    ]


def test_illegal_step_is_refused_and_changes_nothing(staff_user, complaint):
    with pytest.raises(ApplicationError, match="not possible"):
        step(staff_user, complaint, "close", close_reason="accepted")

    complaint.refresh_from_db()
    assert complaint.state == State.RECEIVED
    assert not AuditEvent.objects.for_object(complaint).filter(action="transition").exists()


@pytest.mark.parametrize(
    ("action", "kwargs", "message"),
    [
        ("withdraw", {}, "reason"),
        ("reject", {"reason": "   "}, "reason"),
    ],
)
def test_withdraw_and_reject_need_a_reason(staff_user, complaint, action, kwargs, message):
    with pytest.raises(ApplicationError, match=message):
        step(staff_user, complaint, action, **kwargs)
    complaint.refresh_from_db()
    assert complaint.state == State.RECEIVED


def test_rejected_with_reason_records_it(staff_user, complaint):
    step(staff_user, complaint, "reject", reason="Not our product.")
    complaint.refresh_from_db()
    assert complaint.state == State.REJECTED and complaint.end_reason == "Not our product."
    assert actions_from(complaint.state) == []


def _to_investigating(actor, complaint):
    for action in ("acknowledge", "assess", "investigate"):
        step(actor, complaint, action)


def test_resolve_needs_a_resolution(staff_user, complaint):
    _to_investigating(staff_user, complaint)
    with pytest.raises(ApplicationError, match="resolution"):
        step(staff_user, complaint, "resolve", resolution="")


def test_reopen_needs_a_comment_starts_a_new_cycle_and_a_new_deadline(staff_user, complaint):
    _to_investigating(staff_user, complaint)
    step(staff_user, complaint, "resolve", resolution="Replaced.")
    step(staff_user, complaint, "close", close_reason="accepted")
    with pytest.raises(ApplicationError, match="reopened"):
        step(staff_user, complaint, "reopen")

    step(staff_user, complaint, "reopen", comment="Leaks again.")

    complaint.refresh_from_db()
    assert complaint.state == State.INVESTIGATING and complaint.reopen_count == 1
    assert complaint.closed_at is None and complaint.resolved_at is None and complaint.close_reason == ""


def test_cannot_close_while_a_required_corrective_action_is_open(staff_user, manager_user, complaint):
    _to_investigating(staff_user, complaint)
    action = CorrectiveActionFactory(complaint=complaint, owner=staff_user)
    step(staff_user, complaint, "resolve", resolution="Replaced.")

    with pytest.raises(ApplicationError, match="corrective action is still open"):
        step(staff_user, complaint, "close", close_reason="accepted")

    services.corrective_action_complete(actor=staff_user, action=action)
    action = action_waiting_period_passed(action)
    services.corrective_action_verify(actor=manager_user, action=action, result="effective", evidence="No leaks.")
    step(staff_user, complaint, "close", close_reason="accepted")
    assert complaint.state == State.CLOSED


def test_an_optional_action_does_not_block_closing(staff_user, complaint):
    _to_investigating(staff_user, complaint)
    CorrectiveActionFactory(complaint=complaint, owner=staff_user, required_for_closing=False)
    step(staff_user, complaint, "resolve", resolution="Replaced.")
    step(staff_user, complaint, "close", close_reason="accepted")
    assert complaint.state == State.CLOSED


def test_closing_unanswered_only_after_the_wait(staff_user, complaint, settings):
    settings.COMPLAINTS_CLOSE_UNANSWERED_AFTER_DAYS = 14
    _to_investigating(staff_user, complaint)
    step(staff_user, complaint, "resolve", resolution="Replaced.")
    with pytest.raises(ApplicationError, match="14 days"):
        step(staff_user, complaint, "close", close_reason="no_answer")

    later = timezone.now() + datetime.timedelta(days=15)
    assert services.complaint_close_unanswered(now=later) == 1
    complaint.refresh_from_db()
    assert complaint.state == State.CLOSED and complaint.close_reason == "no_answer"
    assert services.complaint_close_unanswered(now=later) == 0


def test_a_stale_page_cannot_move_the_complaint_twice(staff_user, other_staff_user, complaint):
    stale_copy = Complaint.objects.get(pk=complaint.pk)
    step(staff_user, complaint, "acknowledge")

    # The other user still sees "received" and tries to reject: the conditional update finds no row.
    with pytest.raises(ApplicationError, match="Someone else changed"):
        services.complaint_transition(actor=other_staff_user, complaint=stale_copy, action="reject", reason="dup")

    complaint.refresh_from_db()
    assert complaint.state == State.ACKNOWLEDGED and complaint.end_reason == ""


def test_auditor_cannot_take_a_step(auditor_user, complaint):
    with pytest.raises(ApplicationError):
        step(auditor_user, complaint, "acknowledge")


@pytest.mark.parametrize(
    "fields",
    [
        {"state": "closed"},  # closed without closed_at
        {"closed_at": timezone.now()},  # closed_at without being closed
        {"state": "resolved"},  # resolved without resolution
        {"state": "rejected"},  # rejected without reason
        {"state": "acknowledged"},  # acknowledged without date
        {"state": "bogus"},
    ],
)
def test_database_refuses_states_a_step_could_not_produce(complaint, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(**fields)


def test_transition_table_reaches_every_state():
    targets = {target for _sources, target in TRANSITIONS.values()}
    assert targets | {State.RECEIVED} == set(State.values)


def test_assignment_is_audited_and_on_the_timeline(staff_user, manager_user, complaint):
    from accounts.models import Team

    team = Team.objects.create(name="After-sales", manager=manager_user)
    services.complaint_assign(actor=manager_user, complaint=complaint, assignee=staff_user, team=team)

    complaint.refresh_from_db()
    assert (complaint.assignee, complaint.team) == (staff_user, team)
    assert complaint.events.filter(kind=ComplaintEvent.Kind.ASSIGNMENT).count() == 1
    audit = AuditEvent.objects.for_object(complaint).filter(action="update").get()
    assert audit.changes["assignee"] == [None, str(staff_user)]


def test_an_auditor_cannot_be_assigned(manager_user, auditor_user, complaint):
    with pytest.raises(ApplicationError, match="cannot work on complaints"):
        services.complaint_assign(actor=manager_user, complaint=complaint, assignee=auditor_user)


def test_bulk_assign_is_all_or_nothing(manager_user, staff_user, open_complaint):
    first, second = open_complaint(assigned=False), open_complaint(assigned=False)
    with pytest.raises(ApplicationError):
        services.complaint_bulk_assign(actor=manager_user, complaint_ids=[first.pk, 999999], assignee=staff_user)
    assert not Complaint.objects.filter(assignee=staff_user).exists()

    assert (
        services.complaint_bulk_assign(actor=manager_user, complaint_ids=[first.pk, second.pk], assignee=staff_user)
        == 2
    )
    assert Complaint.objects.filter(assignee=staff_user).count() == 2


def test_pause_and_resume_moves_the_due_dates_by_the_waiting_time(staff_user, open_complaint):
    monday_9 = datetime.datetime(2026, 11, 16, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    complaint = open_complaint(received_at=monday_9, severity="high")  # resolve within 5 working days
    shanghai = ZoneInfo("Asia/Shanghai")
    assert complaint.resolve_due_at == datetime.datetime(2026, 11, 20, 18, 0, tzinfo=shanghai)  # Friday
    services.complaint_pause(actor=staff_user, complaint=complaint, now=monday_9 + datetime.timedelta(hours=2))
    with pytest.raises(ApplicationError):
        services.complaint_pause(actor=staff_user, complaint=complaint)

    # Waiting from Monday 11:00 to Tuesday 11:00 is one working day (8 hours).
    services.complaint_resume(actor=staff_user, complaint=complaint, now=monday_9 + datetime.timedelta(days=1, hours=2))

    complaint.refresh_from_db()
    assert complaint.sla_paused_at is None
    # One working day later than Friday evening is Monday evening.
    assert complaint.resolve_due_at == datetime.datetime(2026, 11, 23, 18, 0, tzinfo=shanghai)
    kinds = list(complaint.events.values_list("kind", flat=True))
    assert "pause" in kinds and "resume" in kinds


def test_internal_note_needs_text_and_is_not_public(staff_user, complaint):
    with pytest.raises(ApplicationError):
        services.complaint_note_add(actor=staff_user, complaint=complaint, text="  ")
    event = services.complaint_note_add(actor=staff_user, complaint=complaint, text="Customer angry; call back.")
    assert event.is_public is False


def test_an_optional_done_action_can_be_verified_and_recurrence_is_detected(staff_user, manager_user, open_complaint):
    from complaints.models import ComplaintCategory

    category = ComplaintCategory.objects.get(code="product-defect")
    complaint = open_complaint(category=category, product_reference="P-100")
    action = CorrectiveActionFactory(complaint=complaint, owner=staff_user)
    with pytest.raises(ApplicationError, match="completed"):
        services.corrective_action_verify(actor=manager_user, action=action, result="effective", evidence="x")
    services.corrective_action_complete(actor=staff_user, action=action)
    open_complaint(category=category, product_reference="P-100", subject="Leaks again")

    with pytest.raises(ApplicationError):  # staff may not verify: managers approve corrective actions
        services.corrective_action_verify(actor=staff_user, action=action, result="effective", evidence="x")
    services.corrective_action_verify(
        actor=manager_user, action=action, result="not_effective", evidence="Two more leaks in March."
    )

    action.refresh_from_db()
    assert action.verified_by == manager_user and action.recurred is True and action.result == "not_effective"
    assert action.status == CorrectiveAction.Status.DONE


def test_closing_unanswered_skips_only_complaints_with_an_open_required_action(staff_user, open_complaint):
    blocked, free = open_complaint(), open_complaint()
    for complaint in (blocked, free):
        for action in ("acknowledge", "assess"):
            step(staff_user, complaint, action)
    CorrectiveActionFactory(complaint=blocked, owner=staff_user, required_for_closing=True)
    done = CorrectiveActionFactory(complaint=free, owner=staff_user, required_for_closing=True)
    services.corrective_action_complete(actor=staff_user, action=done)
    done.result, done.verified_by, done.verified_at = "effective", staff_user, timezone.now()
    done.save()
    CorrectiveActionFactory(complaint=free, owner=staff_user, required_for_closing=False)  # open, optional
    for complaint in (blocked, free):
        step(staff_user, complaint, "resolve", resolution="Replaced.")

    assert services.complaint_close_unanswered(now=timezone.now() + datetime.timedelta(days=30)) == 1

    blocked.refresh_from_db()
    free.refresh_from_db()
    assert (blocked.state, free.state) == (State.RESOLVED, State.CLOSED)
