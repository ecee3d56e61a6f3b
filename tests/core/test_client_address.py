"""The client's address behind the bundled proxy: X-Forwarded-For is trusted only for the configured
number of proxies, and every per-address limit and the audit trail use the same address."""

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client, RequestFactory
from django.urls import reverse

from core.middleware import client_ip
from core.models import AuditEvent
from surveys import tokens
from surveys.views.public import BAD_TOKEN_LIMIT
from tests.factories import CustomerFactory, SegmentFactory
from tests.surveys.factories import customers_with_contacts, running_campaign, token_of

PROXY = "172.18.0.5"  # the Compose stack's nginx, as the app sees it
PASSWORD = "pass-Word-123"


def address(xff: str | None, remote: str = PROXY) -> str | None:
    extra = {"HTTP_X_FORWARDED_FOR": xff} if xff is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def behind_proxy(client_address: str, spoofed: str = "") -> Client:
    """A browser behind the proxy: nginx appends the address it was reached from."""
    forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def test_with_no_trusted_proxy_a_forwarded_for_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert address("198.51.100.7", remote="192.0.2.1") == "192.0.2.1"
    assert address("198.51.100.7, 192.0.2.44", remote="192.0.2.1") == "192.0.2.1"


def test_the_default_trusts_no_proxy():
    assert settings.TRUSTED_PROXY_COUNT == 0
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT


def test_with_one_trusted_proxy_the_right_most_hop_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert address("198.51.100.7") == "198.51.100.7"
    # Whatever the client wrote itself stands to the left of what nginx appended: ignored.
    assert address("1.2.3.4, 198.51.100.7") == "198.51.100.7"
    assert address("1.2.3.4, 5.6.7.8, 198.51.100.7") == "198.51.100.7"
    assert address("not-an-address, 2001:db8::7") == "2001:db8::7"
    assert address(None) == PROXY  # no header: the peer itself


def test_with_two_trusted_proxies_the_second_hop_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert address("1.2.3.4, 198.51.100.7, 10.0.0.2") == "198.51.100.7"
    assert address("198.51.100.7, 10.0.0.2") == "198.51.100.7"


@pytest.mark.django_db
def test_forged_survey_tokens_from_one_client_do_not_block_another_behind_the_same_proxy(settings, manager_user):
    settings.TRUSTED_PROXY_COUNT = 1
    customers_with_contacts(1, tier="key", language="zh-hans")
    campaign = running_campaign(manager_user, SegmentFactory(criteria={"tier": "key"}))
    real_link = reverse("surveys:answer", args=[token_of(campaign.invitations.get())])
    attacker = behind_proxy("198.51.100.66")

    for n in range(BAD_TOKEN_LIMIT):
        # The attacker also changes the address it claims: it makes no difference.
        forged = reverse("surveys:answer", args=[tokens.token_for(f"guess-{n}")])
        assert attacker.get(forged, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 198.51.100.66").status_code == 404

    assert attacker.get(real_link).status_code == 429
    assert behind_proxy("203.0.113.5").get(real_link).status_code == 200
    assert behind_proxy("203.0.113.5", spoofed="198.51.100.66").get(real_link).status_code == 200


@pytest.mark.django_db
def test_the_complaint_form_limit_is_per_client_behind_the_proxy(settings):
    from tests.complaints.test_web_form import payload

    settings.TRUSTED_PROXY_COUNT = 1
    form = reverse("complaints:web_form")
    first = behind_proxy("198.51.100.66")
    statuses = [first.post(form, payload()).status_code for _ in range(6)]

    assert statuses[-1] == 429
    assert behind_proxy("203.0.113.5").post(form, payload()).status_code == 200


@pytest.mark.django_db
def test_the_login_lockout_is_per_username_and_client_behind_the_proxy(settings, manager_user):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = behind_proxy("198.51.100.66")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(reverse("accounts:login"), {"username": manager_user.username, "password": "wrong"})
    assert (
        attacker.post(reverse("accounts:login"), {"username": manager_user.username, "password": PASSWORD}).status_code
        == 429
    )

    manager = behind_proxy("203.0.113.5")
    response = manager.post(reverse("accounts:login"), {"username": manager_user.username, "password": PASSWORD})

    assert response.status_code == 302 and manager.session[SESSION_KEY] == str(manager_user.pk)


@pytest.mark.django_db
def test_the_audit_trail_records_the_client_not_the_proxy(settings, manager_user):
    settings.TRUSTED_PROXY_COUNT = 1
    customer = CustomerFactory(name="Proxy Co")
    browser = behind_proxy("198.51.100.23", spoofed="6.6.6.6")
    browser.force_login(manager_user)

    browser.post(
        reverse("customers:lifecycle", args=[customer.pk]),
        {"to_state": "lost", "reason": "Closed plant", "reason_category": "business_closed"},
    )

    event = AuditEvent.objects.for_object(customer).get(action=AuditEvent.Action.TRANSITION)
    assert event.ip_address == "198.51.100.23"
