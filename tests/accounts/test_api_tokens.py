"""API tokens: hashed, expiring, revocable, cut by a password change; the API is throttled."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"
CUSTOMERS = "/api/v1/customers/"
ISSUE = "/api/v1/auth/token/"
# DRF answers 403 to failed authentication when session authentication comes first.
REFUSED = (401, 403)


def issue(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.post(ISSUE)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def with_token(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


def test_a_logged_in_user_issues_a_token_that_is_stored_only_as_a_digest(staff_user):
    token = issue(staff_user)

    assert with_token(token).get(CUSTOMERS).status_code == 200
    (stored,) = AuthToken.objects.filter(user=staff_user).values()
    assert token not in {str(value) for value in stored.values()}
    assert stored["expiry"] is not None


def test_a_token_expires(staff_user):
    token = issue(staff_user)
    (stored,) = AuthToken.objects.filter(user=staff_user)
    assert datetime.timedelta(days=29) < stored.expiry - timezone.now() <= datetime.timedelta(days=30)

    with time_machine.travel(stored.expiry + datetime.timedelta(seconds=1)):
        response = with_token(token).get(CUSTOMERS)

    assert response.status_code in REFUSED
    assert set(response.json()) == {"message", "extra"}
    assert not AuthToken.objects.filter(user=staff_user).exists()


def test_a_token_cannot_issue_another(staff_user):
    response = with_token(issue(staff_user)).post(ISSUE)

    assert response.status_code in (401, 403)
    assert AuthToken.objects.filter(user=staff_user).count() == 1


def test_a_token_is_revoked_by_itself_and_all_are_revoked_from_the_session(staff_user):
    first, second, third = issue(staff_user), issue(staff_user), issue(staff_user)

    assert with_token(first).post(reverse("api:token_revoke")).status_code == 204
    assert with_token(first).get(CUSTOMERS).status_code in REFUSED
    assert with_token(second).get(CUSTOMERS).status_code == 200

    session = Client()
    session.force_login(staff_user)
    assert session.post(reverse("api:token_revoke_all")).status_code == 204
    assert with_token(second).get(CUSTOMERS).status_code in REFUSED
    assert with_token(third).get(CUSTOMERS).status_code in REFUSED


def test_a_user_holds_a_limited_number_of_tokens(staff_user, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    issue(staff_user), issue(staff_user)
    client = Client()
    client.force_login(staff_user)

    response = client.post(ISSUE)

    assert response.status_code == 403 and "revoke" in response.json()["message"]


def test_changing_the_password_cuts_every_token(client, staff_user):
    token = issue(staff_user)
    client.force_login(staff_user)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "An0ther-Long-Secret", "new_password2": "An0ther-Long-Secret"},
    )

    assert response.status_code == 302
    assert with_token(token).get(CUSTOMERS).status_code in REFUSED
    assert not AuthToken.objects.filter(user=staff_user).exists()


def test_an_admin_password_reset_cuts_every_token(admin_client_role, staff_user):
    token = issue(staff_user)

    response = admin_client_role.post(
        reverse("admin:auth_user_password_change", args=[staff_user.pk]),
        {"password1": "An0ther-Long-Secret", "password2": "An0ther-Long-Secret", "usable_password": "true"},
    )

    assert response.status_code == 302, response.content
    assert with_token(token).get(CUSTOMERS).status_code in REFUSED


def test_saving_a_user_without_a_new_password_keeps_the_tokens(staff_user):
    token = issue(staff_user)
    staff_user.first_name = "Renamed"
    staff_user.save()

    assert with_token(token).get(CUSTOMERS).status_code == 200


def test_the_admin_issues_tokens_that_expire(admin_client_role, staff_user):
    response = admin_client_role.post(
        reverse("admin:knox_authtoken_add"), {"user": staff_user.pk, "expiry_0": "", "expiry_1": ""}
    )

    assert response.status_code == 302, response.content
    (stored,) = AuthToken.objects.filter(user=staff_user)
    assert stored.expiry is not None and stored.expiry > timezone.now()


# -- throttling --------------------------------------------------------------------------------------


@pytest.fixture
def low_rates(monkeypatch):
    # DRF's throttles read the rates once, into a class attribute: set them there.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "3/minute"})


def test_a_user_past_the_rate_gets_429(staff_client, low_rates):
    codes = [staff_client.get(CUSTOMERS).status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]
    response = staff_client.get(CUSTOMERS)
    assert set(response.json()) == {"message", "extra"} and "Retry-After" in response
