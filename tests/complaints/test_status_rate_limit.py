"""The public status page limits guessing per client address: after BAD_TOKEN_LIMIT tokens that open
nothing, that address gets the "too many attempts" page (429), while a valid link still opens for
everyone else. The counters live in the shared cache (core.ratelimit)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from complaints import services
from complaints.views.public import BAD_TOKEN_LIMIT

pytestmark = pytest.mark.django_db

GUESSER = "203.0.113.9"
CUSTOMER = "198.51.100.20"


@pytest.fixture
def token(staff_user, complaint, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_transition(actor=staff_user, complaint=complaint, action="acknowledge")
    (message,) = mail.outbox
    return re.search(r"/complaints/status/([^/\s]+)/", message.body).group(1)


def status(client, token, address):
    return client.get(reverse("complaints:status", args=[token]), REMOTE_ADDR=address)


def test_after_the_limit_of_bad_tokens_the_guesser_gets_too_many_attempts(client, token):
    for number in range(BAD_TOKEN_LIMIT):
        assert status(client, f"guess-{number}", GUESSER).status_code == 404

    refused = status(client, "guess-one-more", GUESSER)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert refused["Retry-After"] == str(15 * 60)
    # Even a real link: the address is refused before any look-up, so a hit cannot be told apart.
    assert status(client, token, GUESSER).status_code == 429


def test_a_valid_token_still_works_for_other_clients(client, token, complaint):
    for number in range(BAD_TOKEN_LIMIT + 5):
        status(client, f"guess-{number}", GUESSER)

    page = status(client, token, CUSTOMER)
    assert page.status_code == 200
    assert complaint.reference in page.content.decode()


def test_valid_tokens_do_not_count_towards_the_limit(client, token):
    for _ in range(BAD_TOKEN_LIMIT + 5):
        assert status(client, token, CUSTOMER).status_code == 200
    assert status(client, "a-typo", CUSTOMER).status_code == 404


def test_one_below_the_limit_is_still_the_neutral_page(client):
    for number in range(BAD_TOKEN_LIMIT - 1):
        status(client, f"guess-{number}", GUESSER)
    assert status(client, "last-try", GUESSER).status_code == 404
    assert status(client, "over", GUESSER).status_code == 429


def test_the_limit_page_speaks_chinese(client):
    for number in range(BAD_TOKEN_LIMIT):
        status(client, f"guess-{number}", GUESSER)
    response = client.get(reverse("complaints:status", args=["x"]), REMOTE_ADDR=GUESSER, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429
    assert "尝试次数过多" in response.content.decode()
