"""API v1: questionnaires, campaigns and responses, with the same rules as the pages."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from surveys.models import Campaign, QuestionnaireVersion
from tests.factories import SegmentFactory, UserFactory

from .factories import customers_with_contacts, full_answers, general_version, running_campaign, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(manager_user):
    customers_with_contacts(2, tier="key")
    campaign = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"}))
    submit(campaign.invitations.order_by("pk").first(), full_answers(score=5, recommend=10))
    return campaign


def client_of(role, user=None):
    client = Client()
    client.force_login(user or UserFactory(role=role))
    return client


@pytest.mark.parametrize("role", ["staff", "manager", "auditor", "admin"])
def test_every_role_reads_questionnaires_campaigns_and_responses(role, campaign):
    user = UserFactory(role=role)
    if role == "staff":  # staff read the answers about the customers they own
        customer = campaign.responses.get().customer
        customer.owner = user
        customer.save()
    client = client_of(role, user)

    questionnaires = client.get(reverse("api:questionnaire-list")).json()
    campaigns = client.get(reverse("api:surveycampaign-list")).json()
    responses = client.get(reverse("api:surveyresponse-list"), {"campaign": campaign.pk}).json()
    results = client.get(reverse("api:surveycampaign-results", args=[campaign.pk])).json()

    assert {q["code"] for q in questionnaires["results"]} >= {
        "general-satisfaction",
        "complaint-handling",
        "follow-up-visit",
    }
    assert campaigns["results"][0]["invited"] == 2 and campaigns["results"][0]["completed"] == 1
    (response,) = responses["results"]
    assert response["csi"] == "100.0" and response["nps_score"] == 10
    assert {"question": "quality", "score": 5, "importance": 5, "choices": [], "text": ""} in response["answers"]
    assert results["csi"] == 100 and results["nps"] == 100 and results["tracking"]["completed"] == 1


def test_responses_are_read_only_even_for_managers(manager_user, campaign):
    client = client_of("manager")
    response_id = campaign.responses.get().pk

    assert client.post(reverse("api:surveyresponse-list"), {}).status_code in (403, 405)
    assert client.delete(reverse("api:surveyresponse-detail", args=[response_id])).status_code in (403, 405)
    assert campaign.responses.filter(pk=response_id).exists()


def test_manager_creates_and_sends_a_campaign_through_the_api(manager_user, campaign):
    customers_with_contacts(2, tier="general")
    client = client_of("manager")
    body = {
        "name": "API campaign",
        "questionnaire_version": general_version().pk,
        "segment": SegmentFactory(criteria={"tier": "general"}).pk,
        "closes_at": "2099-01-01T00:00:00Z",
        "close_after_responses": 40,
    }

    created = client.post(reverse("api:surveycampaign-list"), body, content_type="application/json")
    sent = client.post(reverse("api:surveycampaign-send", args=[created.json()["id"]]))
    again = client.post(reverse("api:surveycampaign-send", args=[created.json()["id"]]))

    assert created.status_code == 201 and created.json()["invited"] == 2
    assert created.json()["close_after_responses"] == 40
    assert sent.status_code == 200 and sent.json()["status"] in ("sending", "running")
    assert again.status_code == 400 and again.json()["message"] == "This campaign has already been sent."


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_staff_and_auditors_cannot_write_through_the_api(role, campaign):
    client = client_of(role)
    before = (Campaign.objects.count(), QuestionnaireVersion.objects.count())

    statuses = [
        client.post(reverse("api:surveycampaign-list"), {"name": "x"}, content_type="application/json").status_code,
        client.post(reverse("api:surveycampaign-close", args=[campaign.pk])).status_code,
        client.post(reverse("api:questionnaire-import-version"), {}, content_type="application/json").status_code,
    ]

    assert statuses == [403, 403, 403]
    assert (Campaign.objects.count(), QuestionnaireVersion.objects.count()) == before
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.RUNNING


def test_import_through_the_api_reports_every_problem(campaign):
    client = client_of("manager")
    document = json.loads(client.get(reverse("surveys:version_export", args=[general_version().pk])).content)
    document["questions"][0]["scale_max"] = 4

    bad = client.post(reverse("api:questionnaire-import-version"), document, content_type="application/json")
    document["questions"][0]["scale_max"] = 7
    good = client.post(reverse("api:questionnaire-import-version"), document, content_type="application/json")

    assert bad.status_code == 400 and "1–5, 1–7 or 1–10" in json.dumps(bad.json(), ensure_ascii=False)
    assert good.status_code == 201 and good.json()["number"] == 2 and good.json()["questions"][0]["scale_max"] == 7


def test_staff_read_no_answers_about_other_staff_members_customers_but_the_campaign_figures(campaign):
    response_id = campaign.responses.get().pk
    client = client_of("staff")

    listed = client.get(reverse("api:surveyresponse-list"), {"campaign": campaign.pk}).json()
    detail = client.get(reverse("api:surveyresponse-detail", args=[response_id]))
    results = client.get(reverse("api:surveycampaign-results", args=[campaign.pk])).json()

    assert listed["results"] == []
    assert detail.status_code == 404
    assert results["responses"] == 1 and results["csi"] == 100  # the campaign's figures stay whole
