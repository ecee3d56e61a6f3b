"""Sessions end when idle, logged-in pages are not cached, passwords are long, and access logs
hold no working personal link."""

import datetime
import logging

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from gunicorn.config import Config

from csm.access_log import MaskTokensFilter, TokenMaskingLogger, mask
from demo.management.commands.seed_demo import DEMO_PASSWORD

PASSWORD = "pass-Word-123"
START = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


# -- idle timeout ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_session_idle_for_more_than_30_minutes_is_logged_out(client, staff_user):
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    with time_machine.travel(START, tick=False) as clock:
        client.post(reverse("accounts:login"), {"username": staff_user.username, "password": PASSWORD})
        assert client.get("/customers/").status_code == 200

        clock.shift(datetime.timedelta(minutes=31))
        response = client.get("/customers/")

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_a_session_in_use_stays_logged_in(client, staff_user):
    with time_machine.travel(START, tick=False) as clock:
        client.post(reverse("accounts:login"), {"username": staff_user.username, "password": PASSWORD})
        for _ in range(6):  # two hours, a request every 20 minutes
            clock.shift(datetime.timedelta(minutes=20))
            assert client.get("/customers/").status_code == 200


# -- no-store ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_for_a_logged_in_user_are_not_stored(staff_client):
    response = staff_client.get("/customers/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_public_pages_and_api_responses_keep_their_own_caching(client, staff_client):
    public = client.get(reverse("complaints:web_form"))
    assert public.status_code == 200 and public.get("Cache-Control") != "no-store"
    api = staff_client.get("/api/v1/customers/")
    assert api.status_code == 200 and api.get("Cache-Control") != "no-store"


# -- passwords ---------------------------------------------------------------------------------------


def test_passwords_need_at_least_12_characters():
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("Kx9-vTq2-mW")  # 11 characters
    validate_password("Kx9-vTq2-mW7")
    validate_password(DEMO_PASSWORD)  # the demo accounts' password (13 characters) still works


@pytest.mark.django_db
def test_the_password_page_refuses_a_short_password(client, staff_user):
    client.force_login(staff_user)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Kx9-vTq2-mW", "new_password2": "Kx9-vTq2-mW"},
    )

    assert response.status_code == 200 and "at least 12 characters" in response.content.decode()


# -- access logs -------------------------------------------------------------------------------------

SECRET_URLS = {
    "/surveys/r/aB3dE5gH7jK9mN1pQ3sT5v/?lang=en": "/surveys/r/<token>/",
    "/surveys/r/aB3dE5gH7jK9mN1pQ3sT5v/save/": "/surveys/r/<token>/save/",
    "/surveys/o/Zx8Cv6Bn4Ml2Kj0Hg8Fd6S/": "/surveys/o/<token>/",
    "/complaints/status/Qw1Er3Ty5Ui7Op9As1Df3G/": "/complaints/status/<token>/",
    "/visits/calendar/Lk2Jh4Gf6Ds8Ap0Oi2Uy4T.ics": "/visits/calendar/<token>.ics",
    "/customers/?q=Nordic&owner=7": "/customers/",
}


@pytest.mark.parametrize(("url", "logged"), SECRET_URLS.items())
def test_mask_drops_queries_and_token_segments(url, logged):
    assert mask(url) == logged
    assert mask(f"GET {url} HTTP/1.1") == f"GET {logged} HTTP/1.1"
    assert mask(f"https://csm.example.com{url}") == f"https://csm.example.com{logged}"


class _Response:
    status = "200 OK"
    headers = [("Content-Type", "text/html")]
    sent = 512


def test_gunicorns_access_log_holds_no_token(tmp_path):
    config = Config()
    namespace: dict = {}
    exec((settings.BASE_DIR / "gunicorn.conf.py").read_text(), namespace)
    for name in ("logger_class", "access_log_format"):
        config.set(name, namespace[name])
    config.set("accesslog", str(tmp_path / "access.log"))
    logger = config.logger_class(config)
    assert isinstance(logger, TokenMaskingLogger)
    token = "aB3dE5gH7jK9mN1pQ3sT5v"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/surveys/r/{token}/?lang=en",
        "PATH_INFO": f"/surveys/r/{token}/",
        "QUERY_STRING": "lang=en",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "172.18.0.5",
        "HTTP_REFERER": f"https://csm.example.com/complaints/status/{token}/?x=1",
        "HTTP_USER_AGENT": "Firefox/140",
    }
    logger.access(_Response(), [("Referer", environ["HTTP_REFERER"])], environ, datetime.timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.flush()

    line = (tmp_path / "access.log").read_text()
    assert token not in line and "lang=en" not in line
    assert '"GET /surveys/r/<token>/ HTTP/1.1" 200' in line and "/complaints/status/<token>/" in line


def test_the_development_servers_request_lines_hold_no_token():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /surveys/o/Zx8Cv6Bn4/?a=1 HTTP/1.1", 200, 9),
        None,
    )

    assert MaskTokensFilter().filter(record)
    assert record.getMessage() == '"GET /surveys/o/<token>/ HTTP/1.1" 200 9'
