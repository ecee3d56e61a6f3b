"""A NUL or another control character typed by the public is dropped, never a lost complaint or
rating (PostgreSQL refuses NUL in text; the tests' SQLite accepts it, so the stored values are
checked). Staff forms keep Django's refusal of NUL."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from complaints import services
from complaints.forms import NoteForm
from complaints.models import Complaint, ComplaintEvent, State
from core.models import AuditEvent
from tests.complaints.test_web_form import payload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _has_control_characters(text: str) -> bool:
    return re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text) is not None


def test_a_nul_in_every_field_of_the_public_form_is_dropped_and_the_complaint_recorded(client):
    fields = ("name", "phone", "subject", "description", "desired_remedy", "product_reference")
    hostile = {name: value[:2] + "\x00" + value[2:] for name, value in payload().items() if name in fields}

    response = client.post(reverse("complaints:web_form"), payload(**hostile, email="buyer@\x00nordic.example"))

    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert complaint.subject == "Pump arrived damaged" and complaint.description == "The housing is cracked."
    assert complaint.desired_remedy == "Replacement" and complaint.product_reference == "P-100"
    assert complaint.customer.name == "Nordic Pumps AB" and complaint.customer.email == "buyer@nordic.example"
    for value in (complaint.subject, complaint.description, complaint.customer.name, complaint.customer.phone):
        assert not _has_control_characters(value)


@pytest.fixture
def closed(staff_user, manager_user, complaint, django_capture_on_commit_callbacks):
    from accounts.models import Team

    team = Team.objects.create(name="After-sales", manager=manager_user)
    services.complaint_assign(actor=manager_user, complaint=complaint, assignee=staff_user, team=team)
    for action in ("acknowledge", "assess"):
        services.complaint_transition(actor=staff_user, complaint=complaint, action=action)
    services.complaint_transition(actor=staff_user, complaint=complaint, action="resolve", resolution="Replaced.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_transition(actor=staff_user, complaint=complaint, action="close", close_reason="accepted")
    return complaint


def test_a_nul_in_the_status_page_comment_is_dropped_and_the_rating_recorded(client, closed):
    status_url = re.search(r"(/complaints/status/[^/\s]+/)", mail.outbox[0].body).group(1)

    response = client.post(status_url, {"rating": "4", "comment": "Quick\x00 and\x07 polite.\nThanks"})

    assert response.status_code == 302
    closed.refresh_from_db()
    assert closed.satisfaction_rating == 4 and closed.state == State.CLOSED
    assert closed.satisfaction_comment == "Quick and polite.\nThanks"
    note = ComplaintEvent.objects.filter(complaint=closed, kind=ComplaintEvent.Kind.NOTE).latest("pk")
    assert not _has_control_characters(note.comment)
    audit = AuditEvent.objects.filter(object_id=str(closed.pk), changes__has_key="satisfaction_rating").get()
    assert audit.comment == "Quick and polite.\nThanks"


def test_staff_forms_keep_refusing_nul_with_djangos_message():
    form = NoteForm(data={"text": "Called\x00 back"})

    assert not form.is_valid()
    assert form.errors["text"] == ["Null characters are not allowed."]
