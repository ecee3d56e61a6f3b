"""The public web form creates complaints, resists bots (honeypot, fill time) and is rate-limited."""

import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from complaints.models import Complaint
from customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()


def started(seconds_ago: float = 30) -> str:
    return signing.dumps(str(time.time() - seconds_ago), salt="complaints.web_form")


def payload(**overrides):
    data = {
        "name": "Nordic Pumps AB",
        "email": "buyer@nordic.example",
        "phone": "+46 8 555",
        "kind": "complaint",
        "subject": "Pump arrived damaged",
        "description": "The housing is cracked.",
        "desired_remedy": "Replacement",
        "product_reference": "P-100",
        "website": "",
        "started": started(),
    }
    data.update(overrides)
    return data


def test_anyone_can_open_the_form(client):
    assert client.get(reverse("complaints:web_form")).status_code == 200


def test_a_submission_creates_a_complaint_for_a_known_customer_by_email(client, customer):
    contact = customer.contacts.get()
    response = client.post(reverse("complaints:web_form"), payload(email=contact.email.upper()))

    complaint = Complaint.objects.get()
    assert complaint.customer == customer and complaint.contact == contact
    assert complaint.channel == "web_form" and complaint.created_by is None and complaint.resolve_due_at
    assert complaint.reference in response.content.decode()


def test_an_unknown_sender_becomes_a_new_customer(client):
    client.post(reverse("complaints:web_form"), payload())
    complaint = Complaint.objects.get()
    assert complaint.customer.email == "buyer@nordic.example" and complaint.customer.code.startswith("WEB-")


@pytest.mark.parametrize("trap", ["honeypot", "too_fast", "forged_start", "stale_form"])
def test_bots_see_thanks_but_nothing_is_recorded(client, trap):
    overrides = {
        "honeypot": {"website": "http://spam.example"},
        "too_fast": {"started": started(seconds_ago=0)},
        "forged_start": {"started": "forged"},
        "stale_form": {"started": started(seconds_ago=3 * 24 * 3600)},
    }[trap]
    response = client.post(reverse("complaints:web_form"), payload(**overrides))
    assert response.status_code == 200 and 'data-testid="web-form-thanks"' in response.content.decode()
    assert not Complaint.objects.exists() and not Customer.objects.exists()


def test_invalid_input_explains_and_records_nothing(client):
    response = client.post(reverse("complaints:web_form"), payload(email="not-an-email", subject=""))
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Complaint.objects.exists()


def test_submissions_are_rate_limited_per_address(client):
    for _ in range(5):
        assert client.post(reverse("complaints:web_form"), payload()).status_code == 200
    response = client.post(reverse("complaints:web_form"), payload())
    assert response.status_code == 429
    assert Complaint.objects.count() == 5
