"""Deleting a customer or segment that other records still refer to is refused with a message that
says what refers to it (web and API), and nothing is deleted or audited as deleted."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from customers.models import Customer, Segment
from tests.complaints.factories import ComplaintFactory
from tests.factories import CustomerFactory, SegmentFactory
from tests.visits.factories import VisitPlanFactory

pytestmark = pytest.mark.django_db


def test_a_customer_with_complaints_is_not_deleted_from_the_web(manager_client):
    customer = CustomerFactory(name="Nordic Pumps AB")
    ComplaintFactory(customer=customer)
    ComplaintFactory(customer=customer)

    response = manager_client.post(reverse("customers:delete", args=[customer.pk]), follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nordic Pumps AB cannot be deleted" in page and "complaints (2)" in page
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert not AuditEvent.objects.filter(action="delete").exists()


def test_a_customer_with_complaints_is_not_deleted_through_the_api(manager_client):
    customer = CustomerFactory(name="Nordic Pumps AB")
    ComplaintFactory(customer=customer)

    response = manager_client.delete(f"/api/v1/customers/{customer.pk}/")

    assert response.status_code == 400
    assert "cannot be deleted" in response.json()["message"]
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert not AuditEvent.objects.filter(action="delete").exists()


def test_the_message_is_in_the_readers_language(manager_client):
    customer = CustomerFactory(name="上海精工")
    ComplaintFactory(customer=customer)
    response = manager_client.post(
        reverse("customers:delete", args=[customer.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "上海精工" in response.content.decode() and "cannot be deleted" not in response.content.decode()


def test_a_segment_used_by_a_visit_plan_is_not_deleted(manager_client, manager_user):
    segment = SegmentFactory(name="Key accounts", created_by=manager_user)
    VisitPlanFactory(segment=segment)

    web = manager_client.post(reverse("customers:segment_delete", args=[segment.pk]), follow=True)
    assert "The segment Key accounts cannot be deleted" in web.content.decode()
    api = manager_client.delete(f"/api/v1/segments/{segment.pk}/")
    assert api.status_code == 400 and "cannot be deleted" in api.json()["message"]
    assert Segment.objects.filter(pk=segment.pk).exists()
