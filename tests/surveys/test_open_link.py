"""The anonymous open link (kiosk, QR code on a delivery note): neutral 404, one response per
browser, suspected duplicates left out of the scores, managers only."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from surveys import links, selectors, services
from surveys.models import Campaign, Response
from tests.factories import SegmentFactory

from .factories import committed, customers_with_contacts, full_answers, running_campaign

pytestmark = pytest.mark.django_db

KIOSK = {"HTTP_USER_AGENT": "Kiosk browser 1.0", "REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def campaign(manager_user):
    customers_with_contacts(1, tier="key")
    campaign = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"}))
    return services.campaign_open_link_set(actor=manager_user, campaign=campaign, enabled=True)


def open_url(campaign):
    return reverse("surveys:open_answer", args=[links.campaign_open_token(campaign)])


def post(client, campaign, score=5):
    with committed():
        return client.post(open_url(campaign), {**full_answers(score=score), "lang": "en"}, **KIOSK)


def test_a_bad_open_token_gets_the_neutral_404_with_private_headers(client, campaign):
    unusable = client.get(reverse("surveys:open_answer", args=["A" * 43]))
    forged = client.get(reverse("surveys:open_answer", args=["not-a-real-token"]))

    assert unusable.status_code == forged.status_code == 404
    assert unusable.content == forged.content
    assert unusable["Referrer-Policy"] == "no-referrer" and "no-store" in unusable["Cache-Control"]


def test_the_open_link_is_refused_when_turned_off(client, campaign, manager_user):
    services.campaign_open_link_set(actor=manager_user, campaign=campaign, enabled=False)

    assert client.get(open_url(campaign)).status_code == 404


def test_the_open_link_shows_the_questionnaire_without_an_account(client, campaign):
    response = client.get(open_url(campaign) + "?lang=en", **KIOSK)

    assert response.status_code == 200
    assert "How satisfied are you with the quality of our products?" in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer" and "no-store" in response["Cache-Control"]


def test_a_submission_is_stored_once_as_an_anonymous_response(client, campaign):
    response = post(client, campaign)

    assert response.status_code == 200
    stored = Response.objects.get(campaign=campaign)
    assert stored.is_open and stored.invitation is None and stored.customer is None
    assert not stored.suspected_duplicate and stored.answers.count() > 0


def test_a_second_submission_from_the_same_browser_is_refused_and_stores_nothing(client, campaign):
    post(client, campaign)

    again = post(client, campaign)

    assert again.status_code == 200
    assert "already answered" in again.content.decode()
    assert Response.objects.filter(campaign=campaign).count() == 1
    assert "already answered" in client.get(open_url(campaign) + "?lang=en", **KIOSK).content.decode()


def test_a_suspected_duplicate_is_stored_flagged_and_left_out_of_the_scores(campaign, manager_client):
    post(Client(), campaign, score=5)

    post(Client(), campaign, score=1)  # another browser, same address and user agent

    flagged = Response.objects.get(campaign=campaign, suspected_duplicate=True)
    assert flagged.answers.filter(score=1).exists()
    results = selectors.campaign_results(campaign=Campaign.objects.get(pk=campaign.pk))
    assert results.responses == 1 and results.suspected_duplicates == 1
    assert results.csi == pytest.approx(100)
    page = manager_client.get(campaign.get_absolute_url())
    assert page.status_code == 200
    assert 'data-testid="suspected-duplicates">1<' in page.content.decode()


def test_a_second_submission_racing_the_first_is_still_the_duplicate(campaign, monkeypatch):
    """Two posts from one client at once both find no earlier response (the check reads before
    either commits, as on PostgreSQL under load): the database keeps one scored, the other is
    stored flagged, and the answer is not lost."""
    from django.db.models import QuerySet

    post(Client(), campaign, score=5)
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)  # the racing check sees nothing

    post(Client(), campaign, score=1)

    monkeypatch.undo()
    assert Response.objects.filter(campaign=campaign).count() == 2
    flagged = Response.objects.get(campaign=campaign, suspected_duplicate=True)
    assert flagged.answers.filter(score=1).exists()
    results = selectors.campaign_results(campaign=Campaign.objects.get(pk=campaign.pk))
    assert results.responses == 1 and results.csi == pytest.approx(100)


def test_another_address_is_not_a_duplicate(campaign):
    post(Client(), campaign)
    with committed():
        Client().post(open_url(campaign), full_answers(), HTTP_USER_AGENT="Phone", REMOTE_ADDR="198.51.100.2")

    assert not Response.objects.filter(campaign=campaign, suspected_duplicate=True).exists()
    assert Response.objects.filter(campaign=campaign).count() == 2


def test_a_closed_campaign_refuses_the_open_link(client, campaign, manager_user):
    services.campaign_close(actor=manager_user, campaign=campaign)

    assert client.get(open_url(campaign)).status_code == 404
    assert post(client, campaign).status_code == 404
    assert not Response.objects.filter(campaign=campaign).exists()


def test_a_manager_turns_the_open_link_on_and_sees_it_with_its_qr_code(manager_client, manager_user):
    customers_with_contacts(1, tier="key")
    campaign = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"}))

    manager_client.post(reverse("surveys:campaign_open_link", args=[campaign.pk]), {"enabled": "1"})

    campaign.refresh_from_db()
    assert campaign.open_link and len(campaign.open_token_hash) == 64
    page = manager_client.get(campaign.get_absolute_url()).content.decode()
    assert open_url(campaign) in page and "<svg" in page


def test_an_auditor_cannot_turn_the_open_link_on(auditor_client, manager_user):
    customers_with_contacts(1, tier="key")
    campaign = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"}))

    response = auditor_client.post(reverse("surveys:campaign_open_link", args=[campaign.pk]), {"enabled": "1"})

    assert response.status_code == 403
    campaign.refresh_from_db()
    assert not campaign.open_link and campaign.open_token_hash is None


def test_a_low_anonymous_answer_alerts_the_campaign_author_and_opens_no_complaint(client, campaign, mailoutbox):
    from complaints.models import Complaint

    mailoutbox.clear()
    post(client, campaign, score=1)

    stored = Response.objects.get(campaign=campaign)
    assert stored.alerted_at is not None and stored.complaint is None
    assert not Complaint.objects.exists()
    assert [m.to for m in mailoutbox] == [[campaign.created_by.email]]
    assert "Anonymous (open link)" in mailoutbox[0].subject
    # Through the outbox, so a relay or broker outage delays the alert instead of losing it.
    from core.models import OutboxMessage

    (row,) = OutboxMessage.objects.filter(template="surveys/alert")
    assert row.reference == f"response:{stored.pk}" and row.status == OutboxMessage.Status.SENT


def test_a_low_suspected_duplicate_raises_no_second_alert(campaign, mailoutbox):
    post(Client(), campaign, score=1)
    mailoutbox.clear()

    post(Client(), campaign, score=1)

    assert Response.objects.get(campaign=campaign, suspected_duplicate=True).alerted_at is None
    assert mailoutbox == []


def test_the_export_and_the_api_mark_open_and_suspected_responses(campaign, manager_client):
    post(Client(), campaign)
    post(Client(), campaign)

    export = b"".join(manager_client.get(reverse("surveys:campaign_export", args=[campaign.pk, "csv"]))).decode()
    lines = export.lstrip("\ufeff").splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:]]
    assert sorted((r["customer"], r["open_link"], r["suspected_duplicate"]) for r in rows) == [
        ("", "1", "0"),
        ("", "1", "1"),
    ]
    api = manager_client.get("/api/v1/survey-responses/", {"campaign": campaign.pk}).json()
    assert sorted(
        (r["customer"], r["customer_code"], r["is_open"], r["suspected_duplicate"]) for r in api["results"]
    ) == [
        (None, None, True, False),
        (None, None, True, True),
    ]


def test_an_anonymous_response_page_names_no_customer(campaign, manager_client):
    post(Client(), campaign)
    stored = Response.objects.get(campaign=campaign)

    page = manager_client.get(stored.get_absolute_url())

    assert page.status_code == 200
    assert "Anonymous (open link)" in page.content.decode()


def test_the_qr_code_downloads_as_an_svg_file_only_while_the_link_is_open(campaign, manager_client, manager_user):
    url = reverse("surveys:campaign_open_link_qr", args=[campaign.pk])

    response = manager_client.get(url)

    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"] == f'attachment; filename="survey-{campaign.pk}-qr.svg"'
    assert response.content.startswith(b"<?xml") and b"<svg" in response.content
    services.campaign_open_link_set(actor=manager_user, campaign=campaign, enabled=False)
    assert manager_client.get(url).status_code == 404
