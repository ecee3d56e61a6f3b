"""Acknowledgement e-mail in the customer's language, with a private, read-only status link."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint
from core.mail import mail_outbox_sweep
from core.models import OutboxMessage

pytestmark = pytest.mark.django_db


def acknowledge(staff_user, complaint, capture):
    with capture(execute=True):
        services.complaint_transition(actor=staff_user, complaint=complaint, action="acknowledge")
    (message,) = mail.outbox
    return message, re.search(r"/complaints/status/([^/\s]+)/", message.body).group(1)


def test_a_failing_relay_fails_no_acknowledgement_and_the_mail_follows(
    staff_client, complaint, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.mail_backends.UnreachableRelayBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("complaints:transition", args=[complaint.pk]), {"action": "acknowledge", "state": "received"}
        )

    assert response.status_code == 302  # the step is done, not an error page
    complaint.refresh_from_db()
    assert complaint.state == "acknowledged" and complaint.events.filter(kind="ack_sent").exists()
    waiting = OutboxMessage.objects.get(reference=f"complaint:{complaint.pk}", template="complaints/acknowledgement")
    assert (waiting.status, waiting.to) == ("pending", ["li.na@example.com"])
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=3), tick=False):
        mail_outbox_sweep()
    (message,) = mail.outbox
    assert complaint.reference in message.subject and "/complaints/status/" in message.body


def test_acknowledgement_goes_to_the_contact_in_their_language(
    staff_user, complaint, django_capture_on_commit_callbacks
):
    message, token = acknowledge(staff_user, complaint, django_capture_on_commit_callbacks)

    assert message.to == ["li.na@example.com"]
    assert complaint.reference in message.subject
    assert len(token) >= 43  # 32 random bytes, base64: 256 bits
    assert message.subject.startswith("我们已收到您的投诉")
    row = Complaint.objects.get(pk=complaint.pk)
    assert token not in (row.status_token_hash, str(row.__dict__))  # only the hash is stored
    sent = OutboxMessage.objects.get(template="complaints/acknowledgement")
    assert sent.status == "sent" and token not in str(sent.__dict__)  # nor kept in the outbox once sent
    assert complaint.events.filter(kind="ack_sent").exists()


def test_status_page_shows_progress_and_no_internal_notes(
    client, staff_user, complaint, django_capture_on_commit_callbacks
):
    _message, token = acknowledge(staff_user, complaint, django_capture_on_commit_callbacks)
    services.complaint_note_add(actor=staff_user, complaint=complaint, text="INTERNAL: customer is difficult")

    response = client.get(reverse("complaints:status", args=[token]), HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 200
    assert complaint.reference in page and "INTERNAL" not in page
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_status_page_is_read_only(client, staff_user, complaint, django_capture_on_commit_callbacks):
    _message, token = acknowledge(staff_user, complaint, django_capture_on_commit_callbacks)
    response = client.get(reverse("complaints:status", args=[token]))
    assert "<form" not in response.content.decode().split("<main", 1)[1]


@pytest.mark.parametrize("token", ["forged-token-that-does-not-exist", "x" * 43, "a" * 200])
def test_forged_tokens_show_the_same_neutral_page(client, complaint, token):
    response = client.get(reverse("complaints:status", args=[token]))
    assert response.status_code == 404
    assert 'data-testid="status-unknown"' in response.content.decode()
    assert complaint.reference not in response.content.decode()


def test_expired_token_shows_the_same_neutral_page(client, staff_user, complaint, django_capture_on_commit_callbacks):
    _message, token = acknowledge(staff_user, complaint, django_capture_on_commit_callbacks)
    Complaint.objects.filter(pk=complaint.pk).update(
        status_token_expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )

    response = client.get(reverse("complaints:status", args=[token]))

    assert response.status_code == 404 and complaint.reference not in response.content.decode()


def test_resolution_appears_on_the_status_page(client, staff_user, complaint, django_capture_on_commit_callbacks):
    _message, token = acknowledge(staff_user, complaint, django_capture_on_commit_callbacks)
    services.complaint_transition(actor=staff_user, complaint=complaint, action="assess")
    services.complaint_transition(
        actor=staff_user, complaint=complaint, action="resolve", resolution="New seal fitted."
    )

    page = client.get(reverse("complaints:status", args=[token])).content.decode()

    assert "New seal fitted." in page


def test_status_page_speaks_the_contacts_language(client, staff_user, complaint, django_capture_on_commit_callbacks):
    _message, token = acknowledge(staff_user, complaint, django_capture_on_commit_callbacks)
    page = client.get(reverse("complaints:status", args=[token]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in page  # 李娜 reads Chinese, whatever the browser asks
