"""/healthz: the database and the broker, for load balancers and docker-compose health checks."""

import pytest
from django.db import OperationalError

import csm.health
from csm.celery import app

pytestmark = pytest.mark.django_db

URL = "/healthz"


def test_healthy_when_the_database_and_the_broker_answer(client):
    response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_reachable_without_login_and_only_for_reading(client):
    assert client.get(URL).status_code == 200
    assert client.post(URL).status_code == 405


class _BrokenConnection:
    def cursor(self):
        raise OperationalError("could not connect to server")


def test_unavailable_naming_the_database_when_it_fails(client, monkeypatch):
    monkeypatch.setattr(csm.health, "connection", _BrokenConnection())

    response = client.get(URL)

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "failing", "broker": "ok"}}


def test_unavailable_naming_the_broker_when_it_cannot_be_reached(client, monkeypatch):
    from kombu import Connection

    # Nothing listens on port 1 of the loopback address: the connection is refused at once.
    monkeypatch.setattr(
        app,
        "connection_for_write",
        lambda *args, **kwargs: Connection("amqp://guest:guest@127.0.0.1:1//", connect_timeout=1),
    )

    response = client.get(URL)

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "broker": "failing"}}
