"""Per-role access on every complaints route (the URLconf is walked, so a new route is covered)."""

import datetime

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import get_resolver, reverse

from complaints import services
from complaints.models import CorrectiveAction
from tests.accounts.test_access import walk
from tests.complaints.factories import CorrectiveActionFactory
from tests.complaints.files import PNG

pytestmark = pytest.mark.django_db

ROUTES = [r for r in walk(get_resolver().url_patterns) if r.name and r.name.startswith("complaints:")]
PUBLIC = {"complaints:status", "complaints:web_form"}
READ_PAGES = {"complaints:list", "complaints:detail", "complaints:attachment"}


@pytest.fixture
def world(complaint, staff_user, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    action = CorrectiveActionFactory(
        complaint=complaint,
        owner=staff_user,
        status="done",
        done_at=complaint.received_at - datetime.timedelta(days=31),  # its effectiveness check is due
    )
    attachment = services.complaint_attachment_add(actor=staff_user, complaint=complaint, name="photo.png", content=PNG)
    return {"complaint": complaint, "action": action, "attachment": attachment}


def url_of(route, world) -> str:
    kwargs = {}
    for param in route.params:
        if param == "pk":
            kwargs["pk"] = (world["action"] if "action" in route.pattern else world["complaint"]).pk
        elif param == "attachment_pk":
            kwargs["attachment_pk"] = world["attachment"].pk
        elif param == "token":
            kwargs["token"] = "no-such-token"
    return reverse(route.name, kwargs=kwargs)


def rows() -> dict:
    return {
        m._meta.label: list(m.objects.order_by("pk").values()) for m in apps.get_app_config("complaints").get_models()
    }


def test_the_walk_sees_the_complaint_routes():
    assert {"complaints:list", "complaints:detail", "complaints:create", "complaints:status"} <= {
        r.name for r in ROUTES
    }


def test_anonymous_users_are_sent_to_login_except_on_the_status_page(client, world):
    before = rows()
    for route in ROUTES:
        url = url_of(route, world)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if route.name in PUBLIC:
                assert response.status_code in (200, 404, 405), url  # an empty form or the neutral page
            else:
                assert response.status_code == 302, (method, url)
                assert response["Location"].startswith(reverse(settings.LOGIN_URL)), url
    assert rows() == before


@pytest.mark.parametrize("without_middleware", [False, True])
def test_auditors_read_and_never_write(auditor_client, world, settings, without_middleware):
    if without_middleware:
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "accounts.middleware.AuditorReadOnlyMiddleware"]
    before = rows()
    for route in ROUTES:
        url = url_of(route, world)
        if route.name in READ_PAGES:
            assert auditor_client.get(url).status_code == 200, url
        if route.name not in PUBLIC:
            response = auditor_client.post(url, {"action": "acknowledge", "state": "received", "text": "x"})
            assert response.status_code in (403, 405), url
    assert rows() == before


def test_auditor_sees_no_write_controls(auditor_client, staff_client, world):
    staff_page = staff_client.get(world["complaint"].get_absolute_url()).content.decode()
    for name in ("transition", "assign", "note", "clock", "attachment_upload"):
        assert f'action="{reverse(f"complaints:{name}", args=[world["complaint"].pk])}"' in staff_page
    page = auditor_client.get(world["complaint"].get_absolute_url()).content.decode()
    for name in ("transition", "assign", "note", "clock", "attachment_upload"):
        assert f'action="{reverse(f"complaints:{name}", args=[world["complaint"].pk])}"' not in page
    assert reverse("complaints:action_create") not in page
    assert reverse("complaints:create") not in auditor_client.get(reverse("complaints:list")).content.decode()


def test_staff_work_on_complaints_but_do_not_verify_effectiveness(staff_client, world):
    complaint, action = world["complaint"], world["action"]
    assert staff_client.get(reverse("complaints:create")).status_code == 200
    response = staff_client.post(
        reverse("complaints:transition", args=[complaint.pk]), {"action": "acknowledge", "state": "received"}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == "acknowledged"

    response = staff_client.post(
        reverse("complaints:action_verify", args=[action.pk]), {"result": "effective", "evidence": "x"}
    )
    assert response.status_code == 403


def test_managers_verify_effectiveness(manager_client, world):
    action = world["action"]
    response = manager_client.post(
        reverse("complaints:action_verify", args=[action.pk]),
        {"result": "effective", "evidence": "No leaks in 3 months."},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.result == CorrectiveAction.Result.EFFECTIVE


def test_a_user_without_a_role_sees_nothing(world, django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_user("norole", password="x"))
    assert client.get(reverse("complaints:list")).status_code == 403
    assert client.get(world["complaint"].get_absolute_url()).status_code == 403


def test_a_stale_page_gets_a_clear_message(staff_client, world):
    complaint = world["complaint"]
    response = staff_client.post(
        reverse("complaints:transition", args=[complaint.pk]),
        {"action": "assess", "state": "acknowledged"},
        follow=True,
    )
    assert "Someone else changed this complaint" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.state == "received"
