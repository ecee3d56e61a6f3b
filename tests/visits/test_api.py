"""API v1 for visits and plans: the same rules as the pages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import AuditEvent
from customers.models import SatisfactionDimension
from tests.factories import ContactFactory, CustomerFactory, SegmentFactory
from tests.visits.factories import VisitFactory, VisitPlanFactory
from visits.models import Visit, VisitPlan

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def visits(staff_user, other_staff_user):
    mine = VisitFactory(assignee=staff_user, customer=CustomerFactory(owner=staff_user))
    theirs = VisitFactory(assignee=other_staff_user, customer=CustomerFactory(owner=other_staff_user))
    return mine, theirs


def test_staff_lists_only_their_visits_managers_and_auditors_all(visits, staff_user, manager_user, auditor_user):
    mine, theirs = visits
    url = reverse("api:visit-list")

    assert [v["id"] for v in api(staff_user).get(url).json()["results"]] == [mine.pk]
    for user in (manager_user, auditor_user):
        assert {v["id"] for v in api(user).get(url).json()["results"]} == {mine.pk, theirs.pk}


def test_another_staff_members_visit_is_404_for_reading_and_acting(visits, staff_user):
    _, theirs = visits
    client = api(staff_user)

    assert client.get(reverse("api:visit-detail", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("api:visit-cancel", args=[theirs.pk]), {"reason": "x"}, format="json")
    assert response.status_code == 404
    assert Visit.objects.get(pk=theirs.pk).status == Visit.Status.PLANNED


def test_record_through_the_api(visits, staff_user):
    mine, _ = visits
    contact = ContactFactory(customer=mine.customer)
    dimension = SatisfactionDimension.objects.filter(is_active=True).first()

    response = api(staff_user).post(
        reverse("api:visit-record", args=[mine.pk]),
        {
            "visited_on": timezone.localdate().isoformat(),
            "summary": "Fine",
            "contacts": [contact.pk],
            "scores": [{"dimension": dimension.pk, "score": 5}],
            "issues": [{"description": "Slow invoices", "severity": "low"}],
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "done"
    assert body["scores"] == [{"dimension": dimension.pk, "score": 5}]
    assert body["issues"][0]["description"] == "Slow invoices" and body["issues"][0]["complaint"] is None


def test_bad_scores_give_the_api_error_shape_and_change_nothing(visits, staff_user):
    mine, _ = visits
    dimension = SatisfactionDimension.objects.first()

    response = api(staff_user).post(
        reverse("api:visit-record", args=[mine.pk]),
        {
            "visited_on": timezone.localdate().isoformat(),
            "summary": "x",
            "scores": [{"dimension": dimension.pk, "score": 7}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"message", "extra"}
    assert Visit.objects.get(pk=mine.pk).status == Visit.Status.PLANNED


def test_service_refusal_is_a_400_with_its_message(visits, staff_user):
    mine, _ = visits
    past = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()

    response = api(staff_user).post(
        reverse("api:visit-reschedule", args=[mine.pk]), {"due_date": past, "reason": "x"}, format="json"
    )

    assert response.status_code == 400
    assert "past" in response.json()["message"]


def test_staff_plans_a_visit_for_themselves_but_not_for_someone_else(staff_user, other_staff_user):
    customer = CustomerFactory()
    url = reverse("api:visit-list")
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()

    own = api(staff_user).post(url, {"customer": customer.pk, "due_date": due}, format="json")
    other = api(staff_user).post(
        url, {"customer": customer.pk, "due_date": due, "assignee": other_staff_user.username}, format="json"
    )

    past = api(staff_user).post(url, {"customer": customer.pk, "due_date": "2020-01-01"}, format="json")

    assert own.status_code == 201 and own.json()["assignee"] == staff_user.username
    assert other.status_code == 400
    assert past.status_code == 400 and "past" in past.json()["message"]
    assert Visit.objects.count() == 1


def test_auditor_reads_but_cannot_write(visits, auditor_user):
    mine, _ = visits
    client = api(auditor_user)

    assert client.get(reverse("api:visit-detail", args=[mine.pk])).status_code == 200
    assert client.post(reverse("api:visit-cancel", args=[mine.pk]), {"reason": "x"}, format="json").status_code == 403
    assert client.post(reverse("api:visitplan-list"), {"name": "x"}, format="json").status_code == 403


def test_visits_cannot_be_deleted_or_overwritten(visits, manager_user):
    mine, _ = visits
    client = api(manager_user)
    url = reverse("api:visit-detail", args=[mine.pk])

    assert client.delete(url).status_code in (403, 405)
    assert client.patch(url, {"status": "done"}, format="json").status_code == 405
    assert Visit.objects.get(pk=mine.pk).status == Visit.Status.PLANNED


def test_manager_creates_and_updates_a_plan_with_an_audit_trail(manager_user):
    segment = SegmentFactory()
    client = api(manager_user)

    created = client.post(
        reverse("api:visitplan-list"),
        {"name": "Key monthly", "trigger": "schedule", "segment": segment.pk, "cadence": "monthly"},
        format="json",
    )
    plan_id = created.json()["id"]
    updated = client.patch(reverse("api:visitplan-detail", args=[plan_id]), {"anchor_day": 15}, format="json")

    assert created.status_code == 201 and updated.status_code == 200
    assert VisitPlan.objects.get(pk=plan_id).anchor_day == 15
    assert AuditEvent.objects.filter(object_id=str(plan_id)).count() == 2


def test_plan_without_cadence_is_explained(manager_user):
    response = api(manager_user).post(
        reverse("api:visitplan-list"),
        {"name": "Broken", "trigger": "schedule", "segment": SegmentFactory().pk},
        format="json",
    )

    assert response.status_code == 400
    assert "cadence" in str(response.json())
    assert not VisitPlan.objects.filter(name="Broken").exists()


def test_staff_cannot_change_plans(staff_user):
    plan = VisitPlanFactory()

    response = api(staff_user).patch(reverse("api:visitplan-detail", args=[plan.pk]), {"name": "x"}, format="json")

    assert response.status_code == 403
    assert VisitPlan.objects.get(pk=plan.pk).name == plan.name


def test_visit_list_query_count_does_not_grow_with_rows(manager_user, django_assert_max_num_queries):
    for _ in range(15):
        VisitFactory()
    client = api(manager_user)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("api:visit-list"))

    assert response.json()["count"] == 15
