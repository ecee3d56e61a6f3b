"""Event campaigns: a survey after each follow-up visit or closed complaint, once per event."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from core.exceptions import ApplicationError
from surveys import services
from surveys.models import Campaign, Invitation, Questionnaire
from tests.visits.factories import VisitFactory

from .factories import committed, customers_with_contacts

pytestmark = pytest.mark.django_db


def _event_campaign(manager, trigger, code="follow-up-visit"):
    campaign = services.campaign_create(
        actor=manager,
        name=f"After {trigger}",
        version=Questionnaire.objects.get(code=code).versions.get(number=1),
        trigger=trigger,
        closes_at=timezone.now() + datetime.timedelta(days=180),
    )
    with committed():
        services.campaign_send(actor=manager, campaign=campaign)
    campaign.refresh_from_db()
    return campaign


def _done_visit(customer, when=None):
    when = when or timezone.now()
    return VisitFactory(customer=customer, status="done", visited_on=when.date(), completed_at=when)


def test_an_event_campaign_runs_with_nobody_invited_yet(manager_user):
    campaign = _event_campaign(manager_user, "visit_done")

    assert campaign.status == Campaign.Status.RUNNING and campaign.invitations.count() == 0


def test_each_done_visit_invites_its_customer_once_in_their_language(manager_user):
    campaign = _event_campaign(manager_user, "visit_done")
    (customer,) = customers_with_contacts(1, language="zh-hans")
    visit = _done_visit(customer)

    with committed():
        first = services.event_invitations_send()
        again = services.event_invitations_send()

    invitation = Invitation.objects.get(campaign=campaign)
    assert (first, again) == (1, 0)
    assert invitation.source == f"visit:{visit.pk}" and invitation.status == Invitation.Status.SENT
    (message,) = mail.outbox
    assert message.subject == "回访满意度调查" and message.to == [customer.contacts.get().email]


def test_events_respect_opt_outs_the_quiet_week_and_old_events(manager_user):
    campaign = _event_campaign(manager_user, "visit_done")
    opted_out, twice, old = customers_with_contacts(3)
    opted_out.contacts.update(survey_consent=False, consent_withdrawn_at=timezone.now())
    _done_visit(opted_out)
    _done_visit(twice)
    _done_visit(twice)  # a second visit the same week: asked once
    Campaign.objects.filter(pk=campaign.pk).update(sent_at=timezone.now() - datetime.timedelta(days=30))
    _done_visit(old, when=timezone.now() - datetime.timedelta(days=10))  # too long ago to ask about

    assert services.event_invitations_send() == 1
    assert list(Invitation.objects.values_list("customer_id", flat=True)) == [twice.pk]


def test_a_closed_complaint_invites_its_customer(manager_user):
    from tests.complaints.factories import ComplaintFactory

    campaign = _event_campaign(manager_user, "complaint_closed", code="complaint-handling")
    (customer,) = customers_with_contacts(1)
    now = timezone.now()
    complaint = ComplaintFactory(
        customer=customer,
        state="closed",
        acknowledged_at=now,
        resolved_at=now,
        resolution="Seal replaced",
        closed_at=now,
        close_reason="accepted",
    )
    ComplaintFactory(customer=customers_with_contacts(1)[0])  # still open: no survey

    with committed():
        assert services.event_invitations_send() == 1
    assert Invitation.objects.get(campaign=campaign).source == f"complaint:{complaint.pk}"
    assert mail.outbox[-1].subject == "How did we handle your complaint?"


def test_nothing_is_sent_for_events_before_the_campaign_or_after_it_closed(manager_user):
    (customer,) = customers_with_contacts(1)
    _done_visit(customer, when=timezone.now() - datetime.timedelta(hours=1))
    campaign = _event_campaign(manager_user, "visit_done")

    assert services.event_invitations_send() == 0
    services.campaign_close(actor=manager_user, campaign=campaign)
    _done_visit(customer)
    assert services.event_invitations_send() == 0


def test_a_campaign_takes_exactly_one_source(manager_user):
    from tests.factories import SegmentFactory

    with pytest.raises(ApplicationError):
        services.campaign_create(
            actor=manager_user,
            name="Both",
            version=Questionnaire.objects.get(code="follow-up-visit").versions.get(),
            trigger="visit_done",
            segment=SegmentFactory(),
            closes_at=timezone.now() + datetime.timedelta(days=1),
        )


def _closed_complaint(customer, staff_user, manager_user):
    from accounts.models import Team
    from complaints import services as complaint_services
    from tests.complaints.factories import ComplaintFactory

    complaint = ComplaintFactory(customer=customer)
    team = Team.objects.create(name="After-sales", manager=manager_user)
    complaint_services.complaint_assign(actor=manager_user, complaint=complaint, assignee=staff_user, team=team)
    for action in ("acknowledge", "assess"):
        complaint_services.complaint_transition(actor=staff_user, complaint=complaint, action=action)
    complaint_services.complaint_transition(
        actor=staff_user, complaint=complaint, action="resolve", resolution="Fixed."
    )
    mail.outbox.clear()
    with committed():
        complaint_services.complaint_transition(
            actor=staff_user, complaint=complaint, action="close", close_reason="accepted"
        )
    return complaint


def _complaint_answers(score: int) -> dict:
    return {
        "q-resolved": "yes" if score >= 3 else "no",
        "q-response_speed": str(score),
        "q-service_attitude": str(score),
        "q-outcome": str(score),
        "q-recommend": str(score * 2),
    }


def test_with_a_complaint_survey_running_the_customer_is_asked_once_by_the_survey(manager_user, staff_user):
    _event_campaign(manager_user, "complaint_closed", code="complaint-handling")
    (customer,) = customers_with_contacts(1)

    complaint = _closed_complaint(customer, staff_user, manager_user)

    assert mail.outbox == []  # no rating e-mail from the complaint itself
    with committed():
        assert services.event_invitations_send() == 1
    assert [m.subject for m in mail.outbox] == ["How did we handle your complaint?"]
    assert Invitation.objects.get().source == f"complaint:{complaint.pk}"


def test_a_low_survey_answer_reopens_the_complaint_it_is_about_and_opens_no_second_one(manager_user, staff_user):
    from complaints.models import Complaint, State

    from .factories import submit

    _event_campaign(manager_user, "complaint_closed", code="complaint-handling")
    (customer,) = customers_with_contacts(1)
    customer.owner = staff_user
    customer.save(update_fields=["owner"])
    complaint = _closed_complaint(customer, staff_user, manager_user)
    services.event_invitations_send()

    response = submit(Invitation.objects.get(), _complaint_answers(score=1))

    complaint.refresh_from_db()
    assert complaint.satisfaction_rating == 1 and complaint.state == State.INVESTIGATING
    assert complaint.reopen_count == 1 and complaint.escalations.exists()
    assert Complaint.objects.count() == 1  # the closed loop did not open another one
    response.refresh_from_db()
    assert response.alerted_at is not None and response.complaint is None


def test_a_good_survey_answer_is_the_complaint_rating_and_keeps_it_closed(manager_user, staff_user):
    from complaints.models import State

    from .factories import submit

    _event_campaign(manager_user, "complaint_closed", code="complaint-handling")
    (customer,) = customers_with_contacts(1)
    complaint = _closed_complaint(customer, staff_user, manager_user)
    services.event_invitations_send()

    submit(Invitation.objects.get(), _complaint_answers(score=5))

    complaint.refresh_from_db()
    assert (complaint.satisfaction_rating, complaint.state) == (5, State.CLOSED)
    assert "survey response" in complaint.satisfaction_comment


@pytest.mark.parametrize(
    ("csi", "rating"), [("0", 1), ("12.4", 1), ("12.5", 2), ("25", 2), ("50", 3), ("62.5", 4), ("87.4", 4), ("100", 5)]
)
def test_the_satisfaction_index_maps_back_onto_the_five_point_rating(csi, rating):
    from decimal import Decimal

    assert services.complaint_rating_from_index(Decimal(csi)) == rating


def test_the_methodology_of_a_complaint_survey_explains_the_rating(manager_user, manager_client):
    campaign = _event_campaign(manager_user, "complaint_closed", code="complaint-handling")

    page = manager_client.get(f"/surveys/campaigns/{campaign.pk}/methodology/").content.decode()

    assert 'data-testid="complaint-rating-method"' in page and "a rating of 2 or less reopens" in page
