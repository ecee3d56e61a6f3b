"""Closing the loop: the customer is asked how the complaint was handled; a low rating reopens and
escalates it; closing schedules the follow-up contact through the visits app's service."""

import re

import pytest
from django.core import mail

from complaints import services
from complaints.models import State
from core.exceptions import ApplicationError
from visits.models import Trigger, Visit, VisitPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(staff_user, manager_user, complaint, django_capture_on_commit_callbacks):
    from accounts.models import Team

    team = Team.objects.create(name="After-sales", manager=manager_user)
    services.complaint_assign(actor=manager_user, complaint=complaint, assignee=staff_user, team=team)
    for action in ("acknowledge", "assess"):
        services.complaint_transition(actor=staff_user, complaint=complaint, action=action)
    services.complaint_transition(actor=staff_user, complaint=complaint, action="resolve", resolution="Replaced.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_transition(actor=staff_user, complaint=complaint, action="close", close_reason="accepted")
    return complaint


def link_from(message) -> str:
    return re.search(r"(/complaints/status/[^/\s]+/)", message.body).group(1)


def test_closing_asks_the_customer_for_a_rating(closed):
    (message,) = mail.outbox
    assert message.to == ["li.na@example.com"] and closed.reference in message.subject


def test_a_good_rating_is_recorded_once(client, closed):
    url = link_from(mail.outbox[0])
    assert 'data-testid="rating-form"' in client.get(url).content.decode()

    client.post(url, {"rating": "5", "comment": "Quick and polite."})

    closed.refresh_from_db()
    assert (closed.satisfaction_rating, closed.state) == (5, State.CLOSED)
    assert 'data-testid="rating-thanks"' in client.get(url).content.decode()
    with pytest.raises(ApplicationError, match="already been rated"):
        services.complaint_satisfaction_record(complaint=closed, rating=1)


def test_a_low_rating_reopens_and_escalates_to_the_manager(
    client, closed, manager_user, django_capture_on_commit_callbacks
):
    url = link_from(mail.outbox[0])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"rating": "1", "comment": "It leaks again."})

    closed.refresh_from_db()
    assert closed.state == State.INVESTIGATING and closed.reopen_count == 1 and closed.satisfaction_rating == 1
    escalation = closed.escalations.get()
    assert escalation.rule.code == "low-satisfaction-manager" and escalation.cycle == 1
    assert [m.to for m in mail.outbox] == [[manager_user.email]]


def test_a_low_rating_escalation_is_audited_like_the_sweeps(client, closed, django_capture_on_commit_callbacks):
    from core.models import AuditEvent

    with django_capture_on_commit_callbacks(execute=True):
        client.post(link_from(mail.outbox[0]), {"rating": "2"})

    closed.refresh_from_db()
    escalation = closed.escalations.get()
    audited = AuditEvent.objects.for_object(closed).filter(changes__has_key="escalation")
    assert [event.changes["escalation"] for event in audited] == [[None, escalation.rule.code]]
    assert escalation.notified and audited.get().comment == escalation.notified


@pytest.mark.parametrize("rating", ["0", "6", "x", ""])
def test_invalid_ratings_are_refused_and_change_nothing(client, closed, rating):
    response = client.post(link_from(mail.outbox[0]), {"rating": rating})
    assert response.status_code == 200 and "Choose a rating from 1 to 5." in response.content.decode()
    closed.refresh_from_db()
    assert closed.satisfaction_rating is None


def test_an_open_complaint_cannot_be_rated(complaint):
    with pytest.raises(ApplicationError):
        services.complaint_satisfaction_record(complaint=complaint, rating=4)


def test_closing_schedules_the_follow_up_visit_once(staff_user, complaint, django_capture_on_commit_callbacks):
    for action in ("acknowledge", "assess"):
        services.complaint_transition(actor=staff_user, complaint=complaint, action=action)
    services.complaint_transition(actor=staff_user, complaint=complaint, action="resolve", resolution="Replaced.")
    services.complaint_transition(actor=staff_user, complaint=complaint, action="close", close_reason="accepted")

    plans = VisitPlan.objects.filter(trigger=Trigger.COMPLAINT_CLOSED, is_active=True).count()
    visits = Visit.objects.filter(trigger_reference=f"complaint:{complaint.pk}", customer=complaint.customer)
    assert plans >= 1 and visits.count() == plans  # the seeded "follow-up after a closed complaint" plan


def test_the_rating_e_mail_can_be_left_to_a_survey_campaign(
    staff_user, complaint, settings, django_capture_on_commit_callbacks
):
    settings.COMPLAINTS_ASK_RATING_ON_CLOSE = False
    for action in ("acknowledge", "assess"):
        services.complaint_transition(actor=staff_user, complaint=complaint, action=action)
    services.complaint_transition(actor=staff_user, complaint=complaint, action="resolve", resolution="Replaced.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_transition(actor=staff_user, complaint=complaint, action="close", close_reason="accepted")
    assert mail.outbox == []
