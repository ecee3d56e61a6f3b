"""Schema-driven fuzzing of the API: every operation of /api/schema/, as manager, staff and auditor,
with cases generated from the schema (schemathesis), against a small data set that has the blanks
and nulls real data has. No answer may be a server error, and every answer must match the schema
it is documented with (a client generated from /api/schema/ must not fail on real data), and every
write the API accepts (2xx to POST, PUT, PATCH, DELETE) leaves a row in the audit trail.

Bounded: FUZZ_EXAMPLES cases per operation and role (8 by default; CI uses the default). The token
endpoints are left out: revoking the fuzzer's own token would turn every later case into a 401
(they have their own tests in tests/accounts/test_api_tokens.py).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from core.models import AuditEvent
from tests.complaints.factories import ComplaintFactory, CorrectiveActionFactory
from tests.factories import ContactFactory, CustomerFactory, SegmentFactory, UserFactory
from tests.surveys.factories import customers_with_contacts, full_answers, running_campaign, submit
from tests.visits.factories import VisitFactory, VisitIssueFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def data(manager_user, staff_user):
    """A little of everything, with the blanks and nulls of real records: a customer never lost, a
    complaint without category or assignee, a question without dimension, a visit with an issue."""
    customer = CustomerFactory(owner=staff_user)
    ContactFactory(customer=customer, email="", phone="")
    ComplaintFactory(customer=customer, category=None)
    answered = ComplaintFactory(customer=customer)
    CorrectiveActionFactory(complaint=answered)
    VisitIssueFactory(visit=VisitFactory(customer=customer))
    segment = SegmentFactory()
    customers_with_contacts(2, tier="key")
    campaign = running_campaign(manager_user, segment, closes_at=timezone.now() + datetime.timedelta(days=10))
    submit(campaign.invitations.order_by("pk").first(), full_answers())
    return customer


@contextlib.contextmanager
def connection_kept_open():
    """Schemathesis calls the WSGI application itself, not through Django's test client, so the
    request signals would close the test's database connection (inside its transaction) at each
    call, which the test client knows to prevent: on PostgreSQL the request's first query then
    fails. (The test client connects the signal again after each of its own requests.)"""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _schema(user) -> schemathesis.BaseSchema:
    client = Client()
    client.force_login(user)
    answer = client.get("/api/schema/?format=json")
    assert answer.status_code == 200
    schema = schemathesis.openapi.from_dict(json.loads(answer.content))
    schema.app = get_wsgi_application()
    return schema


@pytest.mark.parametrize("role", ["manager", "staff", "auditor"])
def test_no_operation_answers_a_server_error_or_breaks_its_schema(role, data):
    user = UserFactory(username=f"fuzz-{role}")
    user.groups.set([Group.objects.get(name=role)])
    _instance, token = AuthToken.objects.create(user)
    headers = {"Authorization": f"Token {token}"}
    failures: dict[str, str] = {}
    accepted_writes: set[str] = set()
    operations = [result.ok() for result in _schema(user).get_all_operations()]
    assert len(operations) > 40  # the whole API, not an empty schema

    for operation in operations:
        if operation.path.startswith("/api/v1/auth/"):
            continue

        def call(case):
            cache.clear()  # the throttle's counters: every case is a first request
            audited_before = AuditEvent.objects.count()
            try:
                with connection_kept_open():
                    response = case.call_and_validate(headers=headers, checks=CHECKS)
            except Exception as error:  # noqa: BLE001 - collected, reported together below
                failures.setdefault(case.operation.label, str(error)[:1500])
                return
            # The API's part of the audit walk (tests/accounts/test_audit_walk.py walks the pages):
            # a write the API accepted left its row in the trail.
            if case.method.upper() in WRITES and 200 <= response.status_code < 300:
                accepted_writes.add(case.operation.label)
                if AuditEvent.objects.count() == audited_before:
                    failures.setdefault(case.operation.label, f"answered {response.status_code}, no audit row")

        run = hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )(given(case=operation.as_strategy())(call))
        run()

    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    if role != "auditor":  # the audit check above saw accepted writes: it is not vacuous
        assert accepted_writes
