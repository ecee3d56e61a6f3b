"""A campaign's end: it closes itself at its end date and after N responses, its open link stops
at the end date, the closed-link page speaks the contact's language, and the complaint-handling
questionnaire goes only to customers after a closed complaint."""

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError
from core.models import AuditEvent
from surveys import links, services
from surveys.models import Campaign, CampaignTrigger, Invitation, Questionnaire, Response
from tests.factories import SegmentFactory

from .factories import committed, customers_with_contacts, full_answers, running_campaign, submit, token_of

pytestmark = pytest.mark.django_db

KIOSK = {"HTTP_USER_AGENT": "Kiosk browser 1.0", "REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def segment():
    return SegmentFactory(criteria={"tier": "key"})


def _past_end(campaign: Campaign) -> None:
    """The campaign's end date passes (links expire with it, as campaign_create sets them)."""
    past = timezone.now() - datetime.timedelta(minutes=1)
    Campaign.objects.filter(pk=campaign.pk).update(closes_at=past)
    Invitation.objects.filter(campaign=campaign).update(expires_at=past)


# -- closing at the end date ----------------------------------------------------------------------------


def test_a_campaign_closes_by_itself_once_its_end_date_has_passed(manager_user, segment):
    customers_with_contacts(1, tier="key")
    customers_with_contacts(1, tier="general")
    due = running_campaign(manager_user, segment, name="Due")
    later = running_campaign(manager_user, SegmentFactory(criteria={"tier": "general"}), name="Later")
    _past_end(due)

    assert services.campaigns_close_due() == 1

    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == Campaign.Status.CLOSED and due.closed_at is not None
    assert later.status == Campaign.Status.RUNNING
    event = AuditEvent.objects.filter(object_id=str(due.pk), action=AuditEvent.Action.TRANSITION).latest("pk")
    assert event.actor is None and event.changes["status"] == [Campaign.Status.RUNNING, Campaign.Status.CLOSED]


def test_closing_due_campaigns_twice_closes_nothing_more(manager_user, segment):
    customers_with_contacts(1, tier="key")
    campaign = running_campaign(manager_user, segment)
    _past_end(campaign)
    services.campaigns_close_due()
    events = AuditEvent.objects.count()

    assert services.campaigns_close_due() == 0
    assert AuditEvent.objects.count() == events


def test_the_periodic_task_closes_due_campaigns_and_is_in_the_beat_schedule(manager_user, segment):
    from csm.celery import app
    from surveys.tasks import campaigns_close_due_task

    customers_with_contacts(1, tier="key")
    campaign = running_campaign(manager_user, segment)
    _past_end(campaign)

    assert campaigns_close_due_task.delay().get() == 1
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.CLOSED
    tasks = [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert "surveys.tasks.campaigns_close_due_task" in tasks


# -- the open link after the end date --------------------------------------------------------------------


@pytest.fixture
def open_campaign(manager_user, segment):
    customers_with_contacts(1, tier="key")
    campaign = running_campaign(manager_user, segment)
    return services.campaign_open_link_set(actor=manager_user, campaign=campaign, enabled=True)


def test_the_open_link_refuses_answers_after_the_end_date_even_before_the_campaign_is_closed(client, open_campaign):
    url = reverse("surveys:open_answer", args=[links.campaign_open_token(open_campaign)])
    _past_end(open_campaign)
    assert Campaign.objects.get(pk=open_campaign.pk).status == Campaign.Status.RUNNING

    page = client.get(url, **KIOSK)
    with committed():
        posted = client.post(url, {**full_answers(), "lang": "en"}, **KIOSK)

    assert page.status_code == posted.status_code == 404
    assert 'data-testid="link-closed"' in posted.content.decode()
    assert not Response.objects.filter(campaign=open_campaign).exists()


def test_the_open_link_service_refuses_a_token_after_the_end_date(open_campaign):
    token = links.campaign_open_token(open_campaign)
    services.campaign_for_open_token(token)  # open while the campaign runs
    _past_end(open_campaign)

    with pytest.raises(services.LinkUnusable):
        services.campaign_for_open_token(token)


# -- close after N responses --------------------------------------------------------------------------


def test_a_campaign_closes_after_the_number_of_responses_it_asked_for(client, manager_user, segment):
    customers_with_contacts(3, tier="key")
    campaign = running_campaign(manager_user, segment, close_after_responses=2)
    first, second, third = campaign.invitations.order_by("pk")

    submit(first, full_answers())
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.RUNNING
    submit(second, full_answers())

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CLOSED
    assert client.get(reverse("surveys:answer", args=[token_of(third)])).status_code == 404
    assert campaign.responses.count() == 2
    event = AuditEvent.objects.filter(object_id=str(campaign.pk), action=AuditEvent.Action.TRANSITION).latest("pk")
    assert event.comment == "2 responses reached"


def test_the_open_link_closes_the_campaign_after_n_responses(client, manager_user, segment):
    customers_with_contacts(1, tier="key")
    campaign = running_campaign(manager_user, segment, close_after_responses=1)
    services.campaign_open_link_set(actor=manager_user, campaign=campaign, enabled=True)
    url = reverse("surveys:open_answer", args=[links.campaign_open_token(campaign)])

    with committed():
        assert client.post(url, {**full_answers(), "lang": "en"}, **KIOSK).status_code == 200
    other = Client()
    with committed():
        refused = other.post(url, {**full_answers(), "lang": "en"}, HTTP_USER_AGENT="Phone", REMOTE_ADDR="198.51.100.2")

    assert refused.status_code == 404
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.CLOSED
    assert campaign.responses.count() == 1


def test_close_after_must_be_at_least_one(manager_user, segment):
    customers_with_contacts(1, tier="key")
    with pytest.raises(ApplicationError):
        running_campaign(manager_user, segment, close_after_responses=0)
    assert not Campaign.objects.exists()


def test_the_campaign_form_offers_close_after_n_responses(manager_client, segment):
    customers_with_contacts(1, tier="key")
    version = Questionnaire.objects.get(code="general-satisfaction").versions.get(number=1)
    closes = (timezone.localtime() + datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")

    response = manager_client.post(
        reverse("surveys:campaign_create"),
        {
            "name": "First fifty",
            "version": version.pk,
            "segment": segment.pk,
            "closes_at": closes,
            "close_after_responses": "50",
            "reminder_max": 2,
            "reminder_interval_days": 7,
            "satisfied_threshold": 75,
            "alert_threshold": 50,
        },
    )

    assert response.status_code == 302
    campaign = Campaign.objects.get(name="First fifty")
    assert campaign.close_after_responses == 50
    page = manager_client.get(campaign.get_absolute_url()).content.decode()
    assert "or after 50 responses" in page


# -- the closed-link page's language ----------------------------------------------------------------------


def test_the_closed_link_page_speaks_the_contacts_language_whatever_the_browser_says(manager_user, segment):
    customers_with_contacts(1, tier="key", language="en")
    campaign = running_campaign(manager_user, segment)
    invitation = campaign.invitations.get()
    submit(invitation, full_answers())
    link = links.invitation_link(invitation, base_url="http://testserver")
    chinese_browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")

    used = chinese_browser.get(link)
    guessed = chinese_browser.get(link.replace(token_of(invitation), "A" * 43))

    assert used.status_code == 404 and used["Content-Language"] == "en"
    assert "This survey link is closed" in used.content.decode()
    assert used.content == guessed.content  # the same page whether the token is real or not


def test_a_chinese_contacts_closed_link_is_in_chinese(manager_user, segment):
    customers_with_contacts(1, tier="key", language="zh-hans")
    campaign = running_campaign(manager_user, segment)
    invitation = campaign.invitations.get()
    services.campaign_close(actor=manager_user, campaign=campaign)

    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(links.invitation_link(invitation, base_url="http://testserver"))

    assert page.status_code == 404 and page["Content-Language"] == "zh-hans"
    assert "此调查链接已关闭" in page.content.decode()


# -- the complaint-handling questionnaire ------------------------------------------------------------------


def _complaint_version():
    return Questionnaire.objects.get(code="complaint-handling").versions.get(number=1)


def test_the_complaint_handling_questionnaire_cannot_go_to_a_segment(manager_user, segment):
    customers_with_contacts(1, tier="key")

    with pytest.raises(ApplicationError, match="closed complaint"):
        services.campaign_create(
            actor=manager_user,
            name="Complaints to everyone",
            version=_complaint_version(),
            segment=segment,
            closes_at=timezone.now() + datetime.timedelta(days=30),
        )
    assert not Campaign.objects.exists() and not Invitation.objects.exists()


def test_the_complaint_handling_questionnaire_cannot_follow_visits(manager_user):
    with pytest.raises(ApplicationError, match="closed complaint"):
        services.campaign_create(
            actor=manager_user,
            name="After visits",
            version=_complaint_version(),
            trigger=CampaignTrigger.VISIT_DONE,
            closes_at=timezone.now() + datetime.timedelta(days=30),
        )


def test_the_complaint_handling_questionnaire_follows_closed_complaints_without_an_open_link(manager_user):
    campaign = services.campaign_create(
        actor=manager_user,
        name="After each complaint",
        version=_complaint_version(),
        trigger=CampaignTrigger.COMPLAINT_CLOSED,
        closes_at=timezone.now() + datetime.timedelta(days=30),
    )

    with pytest.raises(ApplicationError, match="closed complaint"):
        services.campaign_open_link_set(actor=manager_user, campaign=campaign, enabled=True)
    assert Campaign.objects.get(pk=campaign.pk).open_link is False


def test_the_campaign_form_shows_the_complaint_handling_refusal(manager_client, segment):
    customers_with_contacts(1, tier="key")
    closes = (timezone.localtime() + datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")

    response = manager_client.post(
        reverse("surveys:campaign_create"),
        {
            "name": "Wrong",
            "version": _complaint_version().pk,
            "segment": segment.pk,
            "closes_at": closes,
            "reminder_max": 2,
            "reminder_interval_days": 7,
            "satisfied_threshold": 75,
            "alert_threshold": 50,
        },
    )

    assert response.status_code == 200
    assert "closed complaint" in response.content.decode()
    assert not Campaign.objects.exists()
