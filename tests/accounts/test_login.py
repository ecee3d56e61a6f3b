"""Logging in and out, changing the password, and login throttling (django-axes)."""

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"  # tests.factories.UserFactory
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _fresh_axes_state(settings):
    # Axes counts failures per username and address; each test starts with none.
    from django.core.cache import cache

    cache.clear()


def _login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_login_with_the_right_password_opens_the_dashboard(client, staff_user):
    response = _login(client, "staff1", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    assert client.session[SESSION_KEY] == str(staff_user.pk)
    assert client.get(reverse("customers:list")).status_code == 200


def test_login_follows_next_to_the_page_asked_for(client, staff_user):
    response = client.post(
        LOGIN + "?next=/customers/", {"username": "staff1", "password": PASSWORD, "next": "/customers/"}
    )

    assert response["Location"] == "/customers/"


def test_login_does_not_redirect_to_another_site(client, staff_user):
    response = client.post(LOGIN, {"username": "staff1", "password": PASSWORD, "next": "https://evil.example/"})

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_login_with_a_wrong_password_is_refused(client, staff_user):
    response = _login(client, "staff1", "wrong-password")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert SESSION_KEY not in client.session


def test_inactive_user_cannot_log_in(client):
    UserFactory(username="gone", role="staff", is_active=False)

    response = _login(client, "gone", PASSWORD)

    assert response.status_code == 200 and SESSION_KEY not in client.session


def test_logout_ends_the_session(staff_client):
    response = staff_client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert SESSION_KEY not in staff_client.session
    assert staff_client.get(reverse("customers:list"))["Location"].startswith(LOGIN)


def test_logout_by_get_is_not_allowed(staff_client):
    # A link or an <img> on another site must not log people out.
    assert staff_client.get(reverse("accounts:logout")).status_code == 405
    assert SESSION_KEY in staff_client.session


@pytest.mark.parametrize("path", ["/", "/customers/", "/customers/segments/", "/audit/", "/accounts/password/"])
def test_pages_need_a_login(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={path}"


def test_password_change_keeps_the_user_logged_in_and_the_new_password_works(client, staff_user):
    client.force_login(staff_user)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "An0ther-Long-Secret",
            "new_password2": "An0ther-Long-Secret",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    assert client.get(reverse("accounts:password_change_done")).status_code == 200
    staff_user.refresh_from_db()
    assert staff_user.check_password("An0ther-Long-Secret")
    assert client.get(reverse("customers:list")).status_code == 200


@pytest.mark.parametrize(
    ("old", "new"),
    [("wrong-old-password", "An0ther-Long-Secret"), (PASSWORD, "123"), (PASSWORD, "password")],
    ids=["wrong-old", "too-short", "too-common"],
)
def test_password_change_is_refused_without_the_old_password_or_with_a_weak_one(staff_client, staff_user, old, new):
    response = staff_client.post(
        reverse("accounts:password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )

    assert response.status_code == 200 and response.context["form"].errors
    staff_user.refresh_from_db()
    assert staff_user.check_password(PASSWORD)


def test_auditor_can_change_their_own_password(auditor_client, auditor_user):
    response = auditor_client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Audit0r-Long-Secret",
            "new_password2": "Audit0r-Long-Secret",
        },
    )

    assert response.status_code == 302
    auditor_user.refresh_from_db()
    assert auditor_user.check_password("Audit0r-Long-Secret")


# -- throttling --------------------------------------------------------------------------------------


def _fail_until_locked(client, username):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, username, "wrong-password")


def test_after_too_many_failures_even_the_right_password_is_refused(client, staff_user):
    assert settings.AXES_FAILURE_LIMIT >= 3

    _fail_until_locked(client, "staff1")
    response = _login(client, "staff1", PASSWORD)

    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    assert b"Too many failed logins" in response.content


def test_failures_below_the_limit_do_not_lock(client, staff_user):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "staff1", "wrong-password")

    response = _login(client, "staff1", PASSWORD)

    assert response.status_code == 302 and client.session[SESSION_KEY] == str(staff_user.pk)


def test_a_lockout_does_not_lock_other_users(client, staff_user, manager_user):
    _fail_until_locked(client, "staff1")

    response = _login(client, "manager1", PASSWORD)

    assert response.status_code == 302


def test_a_lockout_does_not_lock_the_same_user_from_another_address(client, staff_user):
    _fail_until_locked(client, "staff1")

    response = _login(client, "staff1", PASSWORD, REMOTE_ADDR="203.0.113.99")

    assert response.status_code == 302


def test_the_admin_login_is_throttled_too(client, admin_user_role):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "admin1", "password": "wrong-password"})

    response = client.post(reverse("admin:login"), {"username": "admin1", "password": PASSWORD})

    assert response.status_code == 429
