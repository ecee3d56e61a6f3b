"""The access matrix of docs/architecture.md, walked with valid bodies.

Each case is one write (or read) a person could really make: a valid body through the API, sent by
each role. For each role the matrix says whether it succeeds; the test checks the status AND the
database: an allowed write has its effect, a refused one leaves nothing (status codes alone would
not show a write that answered 400 after changing a row, or a 201 that wrote nothing).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.models import CorrectiveAction
from core.models import AuditEvent
from customers.models import Customer, SatisfactionDimension
from tests.complaints.factories import ComplaintFactory
from tests.factories import ContactFactory, CustomerFactory, SegmentFactory, UserFactory
from tests.surveys.factories import customers_with_contacts, full_answers, running_campaign, submit
from tests.visits.factories import VisitFactory
from visits.models import Visit

pytestmark = pytest.mark.django_db

ROLES = ("staff", "manager", "auditor", "admin")
ALL, WRITERS, MANAGERS, NOBODY = set(ROLES), {"staff", "manager", "admin"}, {"manager", "admin"}, set()


@pytest.fixture
def people(db):
    return {
        "staff": UserFactory(username="staff1", role="staff"),
        "other_staff": UserFactory(username="staff2", role="staff"),
        "manager": UserFactory(username="manager1", role="manager"),
        "auditor": UserFactory(username="auditor1", role="auditor"),
        "admin": UserFactory(username="admin1", role="admin"),
    }


@pytest.fixture
def world(people):
    own = CustomerFactory(owner=people["staff"], name="Own Co")
    theirs = CustomerFactory(owner=people["other_staff"], name="Theirs Co")
    return {
        "own": own,
        "theirs": theirs,
        "own_contact": ContactFactory(customer=own),
        "their_contact": ContactFactory(customer=theirs),
        "complaint": ComplaintFactory(customer=own),
        "dimension": SatisfactionDimension.objects.filter(is_active=True).order_by("pk").first(),
    }


@dataclass
class Case:
    name: str
    allowed: set[str]
    send: Callable[[Client, dict, str], Any]  # (client, world, role) -> response
    effect: Callable[[dict, str], bool]  # whether the write took effect in the database

    def __str__(self) -> str:
        return self.name


def _api(client: Client, method: str, url: str, body: dict | None = None):
    return client.generic(method, url, __import__("json").dumps(body or {}), content_type="application/json")


def _customer_body(role: str, **fields) -> dict:
    return {
        "code": f"M-{role}",
        "name": f"Made by {role}",
        "scope": "external",
        "chain_position": "end",
        "tier": "general",
        "region": "east",
        **fields,
    }


def _made(world, role) -> bool:
    return Customer.objects.filter(code=f"M-{role}").exists()


def _tomorrow() -> str:
    return str(timezone.localdate() + datetime.timedelta(days=1))


CASES = [
    # -- customers
    Case(
        "create a customer owned by oneself",
        WRITERS,
        lambda c, w, role: _api(c, "POST", reverse("api:customer-list"), _customer_body(role, owner=f"{role}1")),
        _made,
    ),
    Case(
        "create a customer owned by another staff member",
        MANAGERS,
        lambda c, w, role: _api(c, "POST", reverse("api:customer-list"), _customer_body(role, owner="staff2")),
        _made,
    ),
    Case(
        "create a lost customer without a reason category",
        NOBODY,
        lambda c, w, role: _api(
            c, "POST", reverse("api:customer-list"), _customer_body(role, lifecycle="lost", lost_reason="Moved away")
        ),
        _made,
    ),
    Case(
        "create a lost customer with its reason and category",
        WRITERS,
        lambda c, w, role: _api(
            c,
            "POST",
            reverse("api:customer-list"),
            _customer_body(role, lifecycle="lost", lost_reason="Cheaper rival", lost_reason_category="price"),
        ),
        lambda w, role: Customer.objects.filter(code=f"M-{role}", lost_reason_category="price").exists(),
    ),
    Case(
        "rename one's own customer",
        WRITERS,
        lambda c, w, role: _api(c, "PATCH", reverse("api:customer-detail", args=[w["own"].pk]), {"name": "Renamed"}),
        lambda w, role: Customer.objects.filter(pk=w["own"].pk, name="Renamed").exists(),
    ),
    Case(
        "rename another staff member's customer",
        MANAGERS,
        lambda c, w, role: _api(c, "PATCH", reverse("api:customer-detail", args=[w["theirs"].pk]), {"name": "Renamed"}),
        lambda w, role: Customer.objects.filter(pk=w["theirs"].pk, name="Renamed").exists(),
    ),
    Case(
        "hand one's own customer to another staff member",
        MANAGERS,
        lambda c, w, role: _api(c, "PATCH", reverse("api:customer-detail", args=[w["own"].pk]), {"owner": "staff2"}),
        lambda w, role: Customer.objects.filter(pk=w["own"].pk, owner__username="staff2").exists(),
    ),
    Case(
        "add a contact to another staff member's customer",
        MANAGERS,
        lambda c, w, role: _api(
            c,
            "POST",
            reverse("api:contact-list"),
            {"customer": w["theirs"].pk, "name": "New person", "email": "n@example.com"},
        ),
        lambda w, role: w["theirs"].contacts.filter(name="New person").exists(),
    ),
    # -- visits
    Case(
        "plan a visit to one's own customer",
        WRITERS,
        lambda c, w, role: _api(
            c, "POST", reverse("api:visit-list"), {"customer": w["own"].pk, "due_date": _tomorrow()}
        ),
        lambda w, role: Visit.objects.filter(customer=w["own"]).exists(),
    ),
    Case(
        "plan a visit to another staff member's customer",
        MANAGERS,
        lambda c, w, role: _api(
            c, "POST", reverse("api:visit-list"), {"customer": w["theirs"].pk, "due_date": _tomorrow()}
        ),
        lambda w, role: Visit.objects.filter(customer=w["theirs"]).exists(),
    ),
    Case(
        "record one's visit with a score and a contact of the visit's customer",
        WRITERS,
        lambda c, w, role: _record(c, w, contact=w["own_contact"]),
        lambda w, role: Visit.objects.filter(customer=w["own"], status=Visit.Status.DONE).exists(),
    ),
    Case(
        "record one's visit with another customer's contact",
        NOBODY,
        lambda c, w, role: _record(c, w, contact=w["their_contact"]),
        lambda w, role: Visit.objects.filter(customer=w["own"], status=Visit.Status.DONE).exists(),
    ),
    # -- corrective actions
    Case(
        "add a corrective action owned by a staff member",
        WRITERS,
        lambda c, w, role: _action(c, w, owner="staff1"),
        lambda w, role: CorrectiveAction.objects.filter(complaint=w["complaint"]).exists(),
    ),
    Case(
        "add a corrective action owned by the auditor",
        NOBODY,
        lambda c, w, role: _action(c, w, owner="auditor1"),
        lambda w, role: CorrectiveAction.objects.filter(complaint=w["complaint"]).exists(),
    ),
]


def _record(client: Client, world, *, contact):
    # The visit is staff1's (assignee and account manager), so every writing role may record it.
    visit = VisitFactory(customer=world["own"], assignee=Customer.objects.get(pk=world["own"].pk).owner)
    body = {
        "visited_on": str(timezone.localdate()),
        "summary": "Walked the line with the buyer.",
        "contacts": [contact.pk],
        "scores": [{"dimension": world["dimension"].pk, "score": 4}],
    }
    return _api(client, "POST", reverse("api:visit-record", args=[visit.pk]), body)


def _action(client: Client, world, *, owner: str):
    body = {
        "complaint": world["complaint"].pk,
        "kind": "corrective",
        "description": "Replace the seal supplier.",
        "owner": owner,
        "due_date": _tomorrow(),
    }
    return _api(client, "POST", reverse("api:complaint-action-list"), body)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_role_writes_what_the_matrix_allows_with_a_valid_body(case, role, people, world):
    client = Client()
    client.force_login(people[role])

    audited_before = AuditEvent.objects.count()
    response = case.send(client, world, role)

    body = response.content.decode()[:500]
    if role in case.allowed:
        assert response.status_code in (200, 201), f"{role}: {case}: {response.status_code} {body}"
        assert case.effect(world, role), f"{role}: {case}: answered {response.status_code} but wrote nothing"
        # The API's writes in the audit walk: an accepted write leaves its row in the trail.
        assert AuditEvent.objects.count() > audited_before, f"{role}: {case}: written without an audit row"
    else:
        assert response.status_code in (400, 403, 404), f"{role}: {case}: {response.status_code} {body}"
        assert set(response.json()) >= {"message"} or response.status_code != 403, body
        assert not case.effect(world, role), f"{role}: {case}: refused with {response.status_code} but written"


# -- reads ---------------------------------------------------------------------------------------------


@pytest.fixture
def answered(people):
    (own,) = customers_with_contacts(1, tier="key", owner=people["staff"])
    (theirs,) = customers_with_contacts(1, tier="key", owner=people["other_staff"])
    campaign = running_campaign(people["manager"], SegmentFactory(criteria={"tier": "key"}))
    for invitation in campaign.invitations.all():
        submit(invitation, full_answers())
    return {"own": campaign.responses.get(customer=own), "theirs": campaign.responses.get(customer=theirs)}


@pytest.mark.parametrize(
    ("role", "sees_theirs"), [("staff", False), ("manager", True), ("auditor", True), ("admin", True)]
)
def test_survey_answers_are_read_by_the_account_manager_and_by_managers_and_auditors(
    role, sees_theirs, people, answered
):
    client = Client()
    client.force_login(people[role])
    own, theirs = answered["own"], answered["theirs"]

    listed = {r["id"] for r in client.get(reverse("api:surveyresponse-list")).json()["results"]}
    theirs_api = client.get(reverse("api:surveyresponse-detail", args=[theirs.pk])).status_code
    theirs_page = client.get(reverse("surveys:response_detail", args=[theirs.pk])).status_code

    expected = {own.pk, theirs.pk} if sees_theirs else {own.pk}
    if role != "staff":
        assert own.pk in listed  # managers and auditors read every answer
    assert listed == expected
    assert (theirs_api, theirs_page) == ((200, 200) if sees_theirs else (404, 404))


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("manager", 200), ("auditor", 200), ("admin", 200)])
def test_import_batches_are_read_by_managers_admins_and_auditors(role, status, people):
    from customers.models import ImportBatch

    batch = ImportBatch.objects.create(
        uploaded_by=people["other_staff"] if role == "staff" else people["manager"],
        original_name="customers.csv",
        stored_path="imports/none.csv",
        file_format="csv",
        status=ImportBatch.Status.INVALID,
        errors=[{"row": 2, "column": "name", "message": "Required"}],
    )
    client = Client()
    client.force_login(people[role])

    assert client.get(reverse("customers:import_detail", args=[batch.pk])).status_code == status
    assert client.get(reverse("customers:import_errors", args=[batch.pk])).status_code == status


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_complaint_handling_configuration(role, people):
    from complaints.models import SlaPolicy

    policy = SlaPolicy.objects.order_by("pk").first()
    client = Client()
    client.force_login(people[role])

    page = client.get(reverse("complaints:configuration"))

    assert page.status_code == 200
    assert f"<td>{policy.resolve_days}</td>" in page.content.decode()
    assert reverse("complaints:configuration") in client.get(reverse("complaints:list")).content.decode()
