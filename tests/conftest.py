"""Cross-cutting fixtures: a user per role and logged-in clients for each."""

import os

import pytest
from django.test import Client

from tests.factories import UserFactory

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROLES = ("staff", "manager", "auditor", "admin")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's database setup, with the migrated data kept for every connection object.

    Browser tests (transaction=True, serialized_rollback=True) reload the data that migrations
    created (roles, default plans, dimensions, categories) from a snapshot Django stores on the
    connection object at setup. Once Playwright has started, the test thread can be handed a new
    connection object for the same database, without that snapshot; the flush of the previous
    browser test then left the next one with no roles. Keeping the snapshot on the wrapper class
    makes every connection object of this run see it.
    """
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents


@pytest.fixture
def staff_user(db):
    return UserFactory(username="staff1", role="staff")


@pytest.fixture
def other_staff_user(db):
    return UserFactory(username="staff2", role="staff")


@pytest.fixture
def manager_user(db):
    return UserFactory(username="manager1", role="manager")


@pytest.fixture
def auditor_user(db):
    return UserFactory(username="auditor1", role="auditor")


@pytest.fixture
def admin_user_role(db):
    return UserFactory(username="admin1", role="admin")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(staff_user):
    return _client_for(staff_user)


@pytest.fixture
def manager_client(manager_user):
    return _client_for(manager_user)


@pytest.fixture
def auditor_client(auditor_user):
    return _client_for(auditor_user)


@pytest.fixture
def admin_client_role(admin_user_role):
    return _client_for(admin_user_role)


@pytest.fixture
def user_of_role(db):
    """Make a user of any role: user_of_role("manager")."""

    def make(role: str, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture(autouse=True)
def _rate_counters_not_carried_over():
    """Throttle and rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _sla_configuration_not_carried_over():
    """Each test reads the SLA policies and holiday calendar afresh: a test's rolled-back changes
    never commit, so the cache would otherwise stay "unsettled" (uncached) for the next tests."""
    from complaints.services.common import sla_config_forget

    sla_config_forget()
    yield
    sla_config_forget()
