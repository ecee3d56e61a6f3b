"""Corrective actions' effectiveness (ISO 9001 10.2.1 d): a waiting period per action, no "effective"
before it or after a recurrence, reminders to the owner when the check is due, and closing before
verification only as a recorded decision that the 8D report shows."""

import datetime
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import ComplaintCategory, CorrectiveAction, State
from core.exceptions import ApplicationError
from core.models import OutboxMessage
from csm.celery import app
from tests.complaints.factories import action_waiting_period_passed

pytestmark = pytest.mark.django_db


def step(actor, complaint, action, **kwargs):
    return services.complaint_transition(actor=actor, complaint=complaint, action=action, **kwargs)


@pytest.fixture
def done_action(staff_user, complaint):
    action = services.corrective_action_add(
        actor=staff_user,
        complaint=complaint,
        kind="corrective",
        description="New seal supplier",
        owner=staff_user,
        due_date=timezone.localdate(),
        verification_wait_days=60,
    )
    return services.corrective_action_complete(actor=staff_user, action=action)


def test_the_check_is_due_after_the_waiting_period_chosen_for_the_action(done_action):
    assert done_action.verification_wait_days == 60
    assert done_action.verification_due_on == timezone.localdate(done_action.done_at) + datetime.timedelta(days=60)


def test_a_waiting_period_outside_the_choices_is_refused(staff_user, complaint):
    with pytest.raises(ApplicationError, match="30, 60 or 90"):
        services.corrective_action_add(
            actor=staff_user,
            complaint=complaint,
            kind="corrective",
            description="x",
            owner=staff_user,
            due_date=timezone.localdate(),
            verification_wait_days=1,
        )
    assert not CorrectiveAction.objects.exists()


def test_effective_is_refused_before_the_waiting_period_is_over(manager_user, done_action):
    with pytest.raises(ApplicationError, match="waiting period of 60 days"):
        services.corrective_action_verify(actor=manager_user, action=done_action, result="effective", evidence="ok")
    done_action.refresh_from_db()
    assert done_action.result == "" and done_action.verified_at is None


def test_not_effective_may_be_recorded_at_once(manager_user, done_action):
    services.corrective_action_verify(
        actor=manager_user, action=done_action, result="not_effective", evidence="Leaked again in the test rig."
    )
    assert done_action.result == "not_effective"


def test_effective_after_the_waiting_period(manager_user, done_action):
    action = action_waiting_period_passed(done_action)
    services.corrective_action_verify(actor=manager_user, action=action, result="effective", evidence="No leaks.")
    assert action.result == "effective" and action.recurred is False


def test_effective_is_refused_when_the_same_defect_recurred_in_the_window(
    manager_user, staff_user, open_complaint, customer
):
    category = ComplaintCategory.objects.get(code="product-defect")
    first = open_complaint(category=category)
    action = services.corrective_action_add(
        actor=staff_user,
        complaint=first,
        kind="corrective",
        description="Seal",
        owner=staff_user,
        due_date=timezone.localdate(),
    )
    services.corrective_action_complete(actor=staff_user, action=action)
    action = action_waiting_period_passed(action)
    again = open_complaint(category=category, subject="Leaks again")  # same customer, same category, later

    with pytest.raises(ApplicationError, match=again.reference):
        services.corrective_action_verify(actor=manager_user, action=action, result="effective", evidence="ok")
    services.corrective_action_verify(actor=manager_user, action=action, result="not_effective", evidence="Came back.")
    assert action.recurred is True


def test_a_recurrence_is_also_the_same_root_cause(manager_user, staff_user, open_complaint):
    first = open_complaint()
    services.root_cause_record(actor=staff_user, complaint=first, category="material", whys=["Bad seals"])
    action = services.corrective_action_add(
        actor=staff_user,
        complaint=first,
        kind="corrective",
        description="Seal",
        owner=staff_user,
        due_date=timezone.localdate(),
    )
    services.corrective_action_complete(actor=staff_user, action=action)
    action = action_waiting_period_passed(action)
    again = open_complaint(category=ComplaintCategory.objects.get(code="delivery-late"))
    services.root_cause_record(actor=staff_user, complaint=again, category="material", whys=["Bad seals again"])

    with pytest.raises(ApplicationError, match="came back"):
        services.corrective_action_verify(actor=manager_user, action=action, result="effective", evidence="ok")


def test_an_overdue_check_reminds_its_owner_once(staff_user, done_action):
    staff_user.email, staff_user.preferred_language = "staff1@example.com", "en"
    staff_user.save()
    assert services.corrective_action_checks_remind() == 0  # not due yet

    action_waiting_period_passed(done_action)
    assert services.corrective_action_checks_remind() == 1
    assert services.corrective_action_checks_remind() == 0  # once per action

    message = OutboxMessage.objects.get(template="complaints/action_check_due")
    assert message.to == ["staff1@example.com"] and done_action.complaint.reference in message.subject
    assert "New seal supplier" in message.body_text and done_action.complaint.get_absolute_url() in message.body_text


def test_a_verified_action_is_not_reminded(staff_user, manager_user, done_action):
    staff_user.email = "staff1@example.com"
    staff_user.save()
    action = action_waiting_period_passed(done_action)
    services.corrective_action_verify(actor=manager_user, action=action, result="effective", evidence="ok")
    assert services.corrective_action_checks_remind() == 0


def test_the_reminder_is_on_the_beat_schedule():
    app.loader.import_default_modules()  # autodiscovery, as a worker does at start-up
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "complaints.tasks.corrective_action_checks_remind_task" in tasks
    assert "complaints.tasks.corrective_action_checks_remind_task" in app.tasks


# -- closing with the actions verified or a recorded decision ----------------------------------------


def _resolved_with_unverified_action(staff_user, complaint, done_action):
    for action in ("acknowledge", "assess", "investigate"):
        step(staff_user, complaint, action)
    step(staff_user, complaint, "resolve", resolution="Seal replaced.")


def test_closing_with_an_unverified_required_action_needs_a_recorded_decision(staff_user, complaint, done_action):
    _resolved_with_unverified_action(staff_user, complaint, done_action)

    with pytest.raises(ApplicationError, match="not verified yet"):
        step(staff_user, complaint, "close", close_reason="accepted")
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLVED

    step(
        staff_user,
        complaint,
        "close",
        close_reason="accepted",
        early_close_reason="Customer asked to close; check in Q1.",
    )
    complaint.refresh_from_db()
    assert complaint.state == State.CLOSED
    assert complaint.early_close_by == staff_user and complaint.early_close_at == complaint.closed_at
    assert complaint.early_close_reason == "Customer asked to close; check in Q1."


def test_the_sweep_does_not_close_a_complaint_whose_action_is_unverified(staff_user, complaint, done_action, settings):
    _resolved_with_unverified_action(staff_user, complaint, done_action)
    later = timezone.now() + datetime.timedelta(days=settings.COMPLAINTS_CLOSE_UNANSWERED_AFTER_DAYS + 1)
    assert services.complaint_close_unanswered(now=later) == 0


def test_the_decision_is_on_the_detail_page_and_the_8d_report(staff_user, staff_client, complaint, done_action):
    _resolved_with_unverified_action(staff_user, complaint, done_action)
    page = staff_client.get(complaint.get_absolute_url()).content.decode()
    assert 'name="early_close_reason"' in page  # the close form asks for the decision
    response = staff_client.post(
        reverse("complaints:transition", args=[complaint.pk]),
        {
            "action": "close",
            "state": "resolved",
            "close_reason": "accepted",
            "early_close_reason": "Customer asked to close.",
        },
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == State.CLOSED

    report = staff_client.get(reverse("complaints:eight_d", args=[complaint.pk])).content.decode()
    assert 'data-testid="early-close"' in report and "Customer asked to close." in report and "staff1" in report


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils' pdftotext")
def test_the_decision_is_printed_on_the_8d_pdf(staff_user, staff_client, complaint, done_action, tmp_path):
    _resolved_with_unverified_action(staff_user, complaint, done_action)
    step(staff_user, complaint, "close", close_reason="accepted", early_close_reason="Customer asked to close.")
    response = staff_client.get(reverse("complaints:eight_d_pdf", args=[complaint.pk]), {"language": "en"})
    path = tmp_path / "8d.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Closed before verification" in text and "Customer asked to close." in text


def test_reopening_clears_the_decision(staff_user, complaint, done_action):
    _resolved_with_unverified_action(staff_user, complaint, done_action)
    step(staff_user, complaint, "close", close_reason="accepted", early_close_reason="Customer asked.")
    step(staff_user, complaint, "reopen", comment="Leaks again.")
    complaint.refresh_from_db()
    assert (complaint.early_close_by, complaint.early_close_at, complaint.early_close_reason) == (None, None, "")


def test_the_api_takes_the_waiting_period_and_shows_when_the_check_is_due(staff_user, complaint):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(staff_user)
    created = client.post(
        reverse("api:complaint-action-list"),
        {
            "complaint": complaint.pk,
            "kind": "corrective",
            "description": "New seal supplier",
            "owner": staff_user.username,
            "due_date": timezone.localdate().isoformat(),
            "verification_wait_days": 90,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["verification_wait_days"] == 90 and created.json()["verification_due_on"] is None
    pk = created.json()["id"]
    done = client.post(reverse("api:complaint-action-complete", args=[pk])).json()
    assert done["verification_due_on"] == (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
