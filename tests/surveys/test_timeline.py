"""Survey history on the customer's page: answers with their scores, open invitations, bounded."""

import datetime

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from customers import timeline
from surveys.models import Invitation
from tests.factories import SegmentFactory

from .factories import customers_with_contacts, full_answers, running_campaign, submit

pytestmark = pytest.mark.django_db


def test_the_customer_timeline_shows_answers_with_scores_and_unanswered_invitations(manager_user, manager_client):
    answered, waiting = customers_with_contacts(2, tier="key")
    campaign = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"}), name="Autumn survey")
    submit(campaign.invitations.get(customer=answered), full_answers(score=5, recommend=10))

    answered_entries = [e for e in timeline.customer_timeline(answered) if e.kind == "survey"]
    waiting_entries = [e for e in timeline.customer_timeline(waiting) if e.kind == "survey"]

    assert [e.title for e in answered_entries] == ["Survey answered: Autumn survey"]
    assert "satisfaction index 100" in answered_entries[0].detail and "10/10" in answered_entries[0].detail
    assert answered_entries[0].url == answered.survey_responses.get().get_absolute_url()
    assert [e.title for e in waiting_entries] == ["Survey invitation: Autumn survey"]
    page = manager_client.get(answered.get_absolute_url()).content.decode()
    assert "Survey answered: Autumn survey" in page


def test_the_survey_entries_take_two_queries_however_long_the_history(manager_user):
    (customer,) = customers_with_contacts(1, tier="key")
    for n in range(3):
        campaign = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"}), name=f"Survey {n}")
        if n == 0:
            submit(campaign.invitations.get(), full_answers())
        # Surveyed long ago: the contact-frequency rule lets the next campaign invite them again.
        Invitation.objects.update(created_at=F("created_at") - datetime.timedelta(days=90 * (n + 1)))
    from surveys.timeline import survey_entries

    with CaptureQueriesContext(connection) as queries:
        entries = survey_entries(customer, 30)

    assert sorted(e.title.split(":")[0] for e in entries) == [
        "Survey answered",
        "Survey invitation",
        "Survey invitation",
    ]
    assert len(queries) == 2
