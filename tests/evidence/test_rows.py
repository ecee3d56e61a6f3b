"""The pack's campaign rows count each campaign's invitations and responses without multiplying them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence.pack.rows import campaign_rows

pytestmark = pytest.mark.django_db


def test_campaign_rows_count_invitations_and_responses_each_in_its_own_subquery(world, period):
    campaign = world["campaign"]

    with CaptureQueriesContext(connection) as queries:
        rows = list(campaign_rows(period))

    assert rows[1][0] == "Quarterly satisfaction"
    assert rows[1][10:13] == [campaign.invitations.count(), 2, round(100 * 2 / campaign.invitations.count(), 1)]
    campaigns_query = next(q["sql"] for q in queries.captured_queries if "surveys_campaign" in q["sql"])
    # Both reverse relations joined into one GROUP BY make invitations x responses rows per campaign.
    assert 'JOIN "surveys_invitation"' not in campaigns_query
    assert 'JOIN "surveys_response"' not in campaigns_query
