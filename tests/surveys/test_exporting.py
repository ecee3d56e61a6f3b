"""The raw-response export reads plain rows in batches: the same cells, no model instance per row."""

import pytest
from django.db.models.signals import post_init

from surveys import exporting
from surveys.models import Answer, Response
from tests.factories import SegmentFactory
from tests.surveys.factories import customers_with_contacts, full_answers, running_campaign, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(manager_user):
    segment = SegmentFactory(name="Key customers", criteria={"tier": "key"}, created_by=manager_user)
    customers_with_contacts(3, tier="key")
    campaign = running_campaign(manager_user, segment)
    for number, invitation in enumerate(campaign.invitations.order_by("pk")[:3]):
        answers = full_answers(score=number + 3)
        answers["q-comment"] = f"comment {number}"
        submit(invitation, answers)
    return campaign


def test_the_export_gives_every_response_in_batches_without_building_model_instances(campaign, monkeypatch):
    monkeypatch.setattr(exporting, "BATCH_SIZE", 2)  # three responses: two batches
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    post_init.connect(count, sender=Response)
    post_init.connect(count, sender=Answer)
    try:
        header, *rows = list(exporting.export_rows(campaign))
    finally:
        post_init.disconnect(count, sender=Response)
        post_init.disconnect(count, sender=Answer)

    assert built == []
    assert len(rows) == 3
    responses = list(campaign.responses.select_related("customer", "contact", "invitation__segment").order_by("pk"))
    for row, response in zip(rows, responses, strict=True):
        cells = dict(zip(header, row, strict=True))
        assert cells["customer_code"] == response.customer.code and cells["contact"] == response.contact.name
        assert cells["segment"] == "Key customers" and cells["csi"] == response.csi
        answers = {a.question.code: a for a in response.answers.select_related("question")}
        assert cells["quality"] == answers["quality"].score
        assert cells["quality:importance"] == answers["quality"].importance
        assert cells["comment"] == answers["comment"].text
