"""A campaign whose sending task was lost (a worker killed mid-campaign) is sent to the end by the
periodic resume, once per invitation; a campaign still making progress is left to its task."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from core.models import OutboxMessage
from surveys import services
from surveys.models import Campaign, Invitation
from tests.factories import SegmentFactory

from .factories import committed, customers_with_contacts, general_version

pytestmark = pytest.mark.django_db


def _half_sent_campaign(manager, *, minutes_ago: int, handed_over: int = 1) -> Campaign:
    """A SENDING campaign of three invitations whose task stopped after `handed_over` of them."""
    customers_with_contacts(3, tier="key")
    campaign = services.campaign_create(
        actor=manager,
        name="Yearly",
        version=general_version(),
        segment=SegmentFactory(criteria={"tier": "key"}),
        closes_at=timezone.now() + datetime.timedelta(days=30),
    )
    started = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING, sent_at=started)
    first = list(campaign.invitations.order_by("pk")[:handed_over])
    with committed():
        services.sending._invitations_hand_over(first)  # noqa: SLF001 - the batch the lost task did
    Invitation.objects.filter(pk__in=[i.pk for i in first]).update(sent_at=started)
    return campaign


def test_a_stalled_campaign_is_sent_to_the_end_once(manager_user, settings):
    settings.SURVEY_SEND_RESUME_AFTER_SECONDS = 300
    campaign = _half_sent_campaign(manager_user, minutes_ago=10)
    assert len(mail.outbox) == 1

    with committed():
        assert services.campaigns_sending_resume() == 1

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.RUNNING
    assert set(campaign.invitations.values_list("status", flat=True)) == {Invitation.Status.SENT}
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(campaign.invitations.values_list("email", flat=True))  # 3, none twice
    assert OutboxMessage.objects.filter(template="surveys/invitation").count() == 3
    with committed():
        assert services.campaigns_sending_resume() == 0  # running now: nothing more
    assert len(mail.outbox) == 3


def test_a_campaign_with_recent_progress_is_left_to_its_task(manager_user, settings):
    settings.SURVEY_SEND_RESUME_AFTER_SECONDS = 300
    campaign = _half_sent_campaign(manager_user, minutes_ago=10)
    campaign.invitations.filter(status=Invitation.Status.SENT).update(
        sent_at=timezone.now() - datetime.timedelta(minutes=2)
    )

    with committed():
        assert services.campaigns_sending_resume() == 0

    assert campaign.invitations.filter(status=Invitation.Status.INVITED).count() == 2
    assert len(mail.outbox) == 1


def test_a_campaign_sent_moments_ago_is_not_resumed(manager_user, settings):
    settings.SURVEY_SEND_RESUME_AFTER_SECONDS = 300
    _half_sent_campaign(manager_user, minutes_ago=1, handed_over=0)

    with committed():
        assert services.campaigns_sending_resume() == 0

    assert len(mail.outbox) == 0
