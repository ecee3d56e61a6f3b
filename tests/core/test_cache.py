"""Redis (the cache) down is a cache miss: survey answers and complaints are still accepted, and the
per-address limits simply do not count during the outage."""

import socket

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from complaints.services.web_form import web_form_rate_limited
from surveys.models import Response
from tests.factories import SegmentFactory
from tests.surveys.factories import customers_with_contacts, full_answers, running_campaign, token_of


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


@pytest.fixture
def redis_down():
    location = f"redis://127.0.0.1:{_closed_port()}/1"
    caches = {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=caches):
        yield


def test_an_unreachable_cache_misses_instead_of_raising(redis_down):
    assert cache.get("anything", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    cache.set("key", 1)  # no error
    assert cache.add("counter", 1, 60) is True  # counted as the first
    with pytest.raises(ValueError):
        cache.incr("counter")
    assert cache.delete("key") is False


def test_the_complaint_form_limit_lets_senders_through_while_the_cache_is_down(redis_down):
    assert not any(web_form_rate_limited(client_address="10.0.0.1") for _ in range(10))


@pytest.mark.django_db
def test_a_survey_answer_is_stored_while_the_cache_is_down(client, manager_user, redis_down):
    customers_with_contacts(1, tier="key")
    invitation = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"})).invitations.get()

    reply = client.post(reverse("surveys:answer", args=[token_of(invitation)]), full_answers())

    assert reply.status_code == 200
    assert Response.objects.filter(invitation=invitation).count() == 1
