"""The public web form creates complaints, resists bots (honeypot, fill time) and is rate-limited."""

import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from complaints.models import Complaint
from core.models import OutboxMessage
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


# -- phone or e-mail, acknowledgement on receipt, known senders, double posts ------------------------


def thanks_status_link(response) -> str:
    import re

    match = re.search(r'data-testid="status-link"[^>]*>([^<]+)<', response.content.decode())
    assert match, "the thank-you page shows the status link"
    return match.group(1)


def test_a_phone_number_is_enough_and_the_thanks_page_carries_the_status_link(client):
    response = client.post(reverse("complaints:web_form"), payload(email="", phone="+86 138-0013-8000"))

    complaint = Complaint.objects.get()
    assert complaint.customer.phone == "+86 138-0013-8000" and complaint.customer.email == ""
    link = thanks_status_link(response)
    assert client.get(link.replace("http://testserver", "")).status_code == 200
    assert not OutboxMessage.objects.exists()  # nobody to e-mail: the page is the only copy
    assert complaint.events.filter(kind="ack_sent").exists()


def test_neither_phone_nor_email_is_refused_and_records_nothing(client):
    response = client.post(reverse("complaints:web_form"), payload(email="", phone=""))
    assert response.status_code == 200
    assert "Give an e-mail address or a phone number" in response.content.decode()
    assert not Complaint.objects.exists() and not Customer.objects.exists()


@pytest.mark.parametrize("phone", ["call me", "12", "+86 138 0013 8000 ; drop"])
def test_a_phone_number_that_is_not_one_is_refused(client, phone):
    response = client.post(reverse("complaints:web_form"), payload(email="", phone=phone))
    assert "Enter a phone number" in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_acknowledgement_with_the_status_link_goes_out_on_receipt(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("complaints:web_form"), payload())
    complaint = Complaint.objects.get()
    message = OutboxMessage.objects.get(template="complaints/acknowledgement")
    assert message.to == ["buyer@nordic.example"] and message.reference == f"complaint:{complaint.pk}"
    link = thanks_status_link(response)
    token_path = link.replace("http://testserver", "")
    assert token_path in message.body_text  # the same link in the e-mail and on the page
    assert callbacks  # delivery enqueued after the commit that recorded the complaint


def test_acknowledging_later_keeps_the_link_the_customer_already_has(client, staff_user):
    from complaints import services

    response = client.post(reverse("complaints:web_form"), payload())
    link = thanks_status_link(response).replace("http://testserver", "")
    complaint = Complaint.objects.get()
    services.complaint_transition(actor=staff_user, complaint=complaint, action="acknowledge")

    assert client.get(link).status_code == 200
    assert OutboxMessage.objects.filter(template="complaints/acknowledgement").count() == 1


def test_a_known_phone_finds_the_contact_instead_of_a_new_customer(client, customer):
    contact = customer.contacts.get()
    contact.phone = "13800138000"
    contact.save()

    client.post(reverse("complaints:web_form"), payload(email="", phone="138 0013 8000"))

    complaint = Complaint.objects.get()
    assert (complaint.customer, complaint.contact) == (customer, contact)
    assert Customer.objects.count() == 1


def test_an_unknown_sender_is_a_potential_customer_found_again_next_time(client):
    client.post(reverse("complaints:web_form"), payload())
    client.post(reverse("complaints:web_form"), payload(email="BUYER@nordic.example", subject="Second"))

    assert Complaint.objects.count() == 2 and Customer.objects.count() == 1
    customer = Customer.objects.get()
    assert customer.lifecycle == "potential" and customer.region == ""
    assert list(customer.tags.values_list("name", flat=True)) == ["web-form"]


def test_the_same_form_posted_twice_makes_one_complaint(client):
    form = payload()
    first = client.post(reverse("complaints:web_form"), form)
    second = client.post(reverse("complaints:web_form"), form)

    complaint = Complaint.objects.get()
    assert complaint.reference in first.content.decode() and complaint.reference in second.content.decode()
    assert 'data-testid="already-received"' in second.content.decode()
    assert OutboxMessage.objects.filter(template="complaints/acknowledgement").count() == 1


def test_the_form_token_is_new_each_time_the_form_is_shown(client):
    import re

    tokens = {
        re.search(r'name="started" value="([^"]+)"', client.get(reverse("complaints:web_form")).content.decode()).group(
            1
        )
        for _ in range(2)
    }
    assert len(tokens) == 2


def test_invalid_posts_do_not_count_towards_the_rate_limit(client):
    for _ in range(8):
        client.post(reverse("complaints:web_form"), payload(email="", phone=""))
    assert client.post(reverse("complaints:web_form"), payload()).status_code == 200
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize(("accept", "language"), [("en", "en"), ("zh-hans", "zh-hans")])
def test_a_new_sender_is_the_customers_contact_in_the_language_they_wrote_in(client, accept, language):
    """Later e-mails about the complaint (closing, the satisfaction question) go to the sender in the
    language of the page they used, not the site's default."""
    from complaints.services.status_link import complaint_recipient

    client.post(reverse("complaints:web_form"), payload(name="Anna Berg"), HTTP_ACCEPT_LANGUAGE=accept)

    complaint = Complaint.objects.select_related("contact").get()
    contact = complaint.contact
    assert contact is not None and contact.customer == complaint.customer and contact.is_primary
    assert (contact.name, contact.email, contact.phone) == ("Anna Berg", "buyer@nordic.example", "+46 8 555")
    assert contact.preferred_language == language
    assert complaint_recipient(complaint) == ("buyer@nordic.example", language)
    message = OutboxMessage.objects.get(template="complaints/acknowledgement")
    assert message.language == language
