"""Customer and segment pages: wiring to the services, per-object rules, and query counts."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from core.models import AuditEvent
from customers.models import Contact, Customer, Segment, Tag
from tests.factories import ContactFactory, CustomerFactory, SegmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# -- the list ------------------------------------------------------------------------------------------


@pytest.fixture
def many_customers(staff_user):
    owners = [staff_user, UserFactory(role="staff"), None]
    tags = [Tag.objects.create(name=f"tag{n}") for n in range(3)]
    for n in range(60):
        customer = CustomerFactory(owner=owners[n % 3], tier="key" if n % 4 == 0 else "general")
        customer.tags.add(tags[n % 3])
        ContactFactory(customer=customer)
    for n in range(8):
        SegmentFactory(created_by=staff_user, criteria={"tier": "key"} if n % 2 else {"region": ["east"]})


@pytest.mark.parametrize("query", ["", "?tier=key", "?q=Customer&region=east&ordering=-annual_volume", "?page=2"])
def test_customer_list_runs_a_bounded_number_of_queries(
    staff_client, many_customers, query, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        response = staff_client.get(reverse("customers:list") + query)

    assert response.status_code == 200
    assert len(response.context["page"].object_list) > 0


def test_customer_list_filters_and_searches(staff_client):
    CustomerFactory(code="KEY-1", name="Key One", tier="key")
    CustomerFactory(code="GEN-1", name="General One", tier="general")

    response = staff_client.get(reverse("customers:list"), {"tier": "key"})

    assert [c.code for c in response.context["page"].object_list] == ["KEY-1"]
    page = response.content.decode()
    assert "Key One" in page and "General One" not in page


def test_invalid_filters_show_everyone_instead_of_failing(staff_client):
    CustomerFactory(code="ANY-1")

    response = staff_client.get(reverse("customers:list"), {"tier": "platinum"})

    assert response.status_code == 200
    assert [c.code for c in response.context["page"].object_list] == ["ANY-1"]


def test_htmx_request_gets_only_the_results(staff_client):
    CustomerFactory(name="Partial Co")

    response = staff_client.get(reverse("customers:list"), HTTP_HX_REQUEST="true")

    assert [t.name for t in response.templates][0] == "customers/_list_results.html"
    assert b"Partial Co" in response.content and b"<html" not in response.content


def test_export_of_the_filtered_list_is_audited(staff_client):
    CustomerFactory(code="EX-1", tier="key")
    CustomerFactory(code="EX-2", tier="general")

    response = staff_client.get(reverse("customers:export", args=["csv"]), {"tier": "key"})

    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "EX-1" in body and "EX-2" not in body
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 1


# -- create, edit, lifecycle, delete -------------------------------------------------------------------


def test_staff_creates_a_customer_through_the_form(staff_client, staff_user):
    response = staff_client.post(
        reverse("customers:create"),
        {
            "code": "NEW-1",
            "name": "新客户",
            "scope": "external",
            "chain_position": "end",
            "lifecycle": "potential",
            "tier": "general",
            "potential_source": "region",
            "region": "east",
            "owner": staff_user.pk,
            "tags": "a, b，c",
        },
    )

    customer = Customer.objects.get(code="NEW-1")
    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    assert sorted(customer.tags.values_list("name", flat=True)) == ["a", "b", "c"]
    assert AuditEvent.objects.for_object(customer).get().actor == staff_user


def test_invalid_customer_form_shows_the_errors_and_saves_nothing(staff_client):
    response = staff_client.post(
        reverse("customers:create"),
        {
            "code": "BAD-1",
            "name": "Bad",
            "scope": "external",
            "chain_position": "end",
            "lifecycle": "current",
            "tier": "general",
            "potential_source": "region",
        },
    )

    assert response.status_code == 200
    assert "potential_source" in response.context["form"].errors
    assert not Customer.objects.exists()


def test_staff_edits_their_own_customer(staff_client, staff_user):
    customer = CustomerFactory(owner=staff_user, name="Old")
    data = {
        "code": customer.code,
        "name": "New",
        "scope": "external",
        "chain_position": "end",
        "tier": "key",
        "owner": staff_user.pk,
        "tags": "",
    }

    response = staff_client.post(reverse("customers:update", args=[customer.pk]), data)

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "New" and customer.tier == "key"
    assert AuditEvent.objects.for_object(customer).get().changes["name"] == ["Old", "New"]


def test_staff_cannot_change_customer_owned_by_someone_else_through_the_page(staff_client, other_staff_user):
    customer = CustomerFactory(owner=other_staff_user, name="Theirs")
    data = {
        "code": customer.code,
        "name": "Mine",
        "scope": "external",
        "chain_position": "end",
        "tier": "general",
        "owner": "",
    }

    response = staff_client.post(reverse("customers:update", args=[customer.pk]), data)

    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    assert _messages(response)
    customer.refresh_from_db()
    assert customer.name == "Theirs" and customer.owner == other_staff_user
    assert not AuditEvent.objects.exists()


def test_lifecycle_step_through_the_page_requires_a_reason(staff_client, staff_user):
    customer = CustomerFactory(owner=staff_user, lifecycle="current")
    url = reverse("customers:lifecycle", args=[customer.pk])

    refused = staff_client.post(url, {"to_state": "lost", "reason": ""})
    assert refused.status_code == 302 and _messages(refused)
    assert Customer.objects.get(pk=customer.pk).lifecycle == "current"
    uncategorised = staff_client.post(url, {"to_state": "lost", "reason": "Budget cut"})
    assert "Choose why the customer was lost" in " ".join(_messages(uncategorised))
    assert Customer.objects.get(pk=customer.pk).lifecycle == "current"

    staff_client.post(url, {"to_state": "lost", "reason": "Budget cut", "reason_category": "price"})
    customer.refresh_from_db()
    assert customer.lifecycle == "lost" and customer.lost_reason == "Budget cut"
    assert customer.lost_reason_category == "price"


def test_manager_deletes_a_customer_after_confirmation(manager_client):
    customer = CustomerFactory()
    url = reverse("customers:delete", args=[customer.pk])

    assert manager_client.get(url).status_code == 200
    assert Customer.objects.exists()
    response = manager_client.post(url)

    assert response.status_code == 302 and response["Location"] == reverse("customers:list")
    assert not Customer.objects.exists()


def test_staff_cannot_delete_customers(staff_client, staff_user):
    customer = CustomerFactory(owner=staff_user)

    assert staff_client.post(reverse("customers:delete", args=[customer.pk])).status_code == 403
    assert Customer.objects.exists()


def test_contact_is_added_and_edited_through_the_pages(staff_client, staff_user):
    customer = CustomerFactory(owner=staff_user)

    staff_client.post(
        reverse("customers:contact_create", args=[customer.pk]),
        {
            "name": "Sun Li",
            "preferred_language": "zh-hans",
            "survey_consent": "on",
            "is_primary": "on",
        },
    )
    contact = Contact.objects.get()
    assert contact.may_be_surveyed and contact.is_primary

    staff_client.post(
        reverse("customers:contact_update", args=[contact.pk]),
        {
            "name": "Sun Li",
            "preferred_language": "en",
        },
    )
    contact.refresh_from_db()
    assert contact.preferred_language == "en" and contact.consent_withdrawn_at is not None


def test_customer_detail_page_runs_a_bounded_number_of_queries(staff_client, staff_user, django_assert_max_num_queries):
    customer = CustomerFactory(owner=staff_user)
    customer.tags.add(Tag.objects.create(name="vip"))
    ContactFactory.create_batch(5, customer=customer)

    with django_assert_max_num_queries(20):
        response = staff_client.get(customer.get_absolute_url())

    assert response.status_code == 200


def test_unknown_customer_is_a_404(staff_client):
    assert staff_client.get(reverse("customers:detail", args=[999999])).status_code == 404


# -- segments ------------------------------------------------------------------------------------------


def test_segment_list_counts_every_segment_in_a_bounded_number_of_queries(
    staff_client, many_customers, django_assert_max_num_queries
):
    # session, user, permissions, roles, the segments, ONE query for all their counts, base template
    with django_assert_max_num_queries(9):
        response = staff_client.get(reverse("customers:segment_list"))

    counts = {s.count for s in response.context["segments"]}
    assert counts == {Customer.objects.filter(tier="key").count(), Customer.objects.filter(region="east").count()}


def test_segment_list_does_not_grow_queries_with_the_number_of_segments(staff_client, staff_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    SegmentFactory(created_by=staff_user)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(reverse("customers:segment_list"))
    SegmentFactory.create_batch(10, created_by=staff_user)
    with CaptureQueriesContext(connection) as many:
        staff_client.get(reverse("customers:segment_list"))

    assert len(many) == len(few)


def test_segment_list_marks_a_segment_with_invalid_criteria(staff_client):
    SegmentFactory(name="Broken", criteria={"tier": "platinum"})

    response = staff_client.get(reverse("customers:segment_list"))

    assert [s.count for s in response.context["segments"]] == [None]


def test_segment_detail_lists_its_customers_in_a_bounded_number_of_queries(
    staff_client, many_customers, django_assert_max_num_queries
):
    segment = Segment.objects.filter(criteria__tier="key").first()

    with django_assert_max_num_queries(12):
        response = staff_client.get(segment.get_absolute_url())

    assert response.status_code == 200
    shown = {c.code for c in response.context["page"].object_list}
    assert shown == set(Customer.objects.filter(tier="key").values_list("code", flat=True)[:50])


def test_segment_is_saved_from_the_filter_form(staff_client, staff_user):
    CustomerFactory(tier="key", region="north")

    response = staff_client.post(
        reverse("customers:segment_create"),
        {
            "name": "Key north",
            "description": "",
            "tier": "key",
            "region": ["north", "east"],
        },
    )

    segment = Segment.objects.get()
    assert response.status_code == 302 and response["Location"] == segment.get_absolute_url()
    assert segment.criteria == {"tier": "key", "region": ["north", "east"]}
    assert segment.created_by == staff_user


def test_segment_with_invalid_filters_is_not_saved(staff_client):
    response = staff_client.post(reverse("customers:segment_create"), {"name": "Bad", "tier": "platinum"})

    assert response.status_code == 200
    assert not Segment.objects.exists()


def test_segment_preview_counts_live(staff_client):
    CustomerFactory.create_batch(3, tier="key")
    CustomerFactory(tier="general")

    response = staff_client.get(reverse("customers:segment_preview"), {"tier": "key"})

    assert response.status_code == 200 and response.context["count"] == 3


def test_staff_cannot_edit_a_segment_created_by_someone_else(staff_client, other_staff_user):
    segment = SegmentFactory(created_by=other_staff_user, name="Theirs")

    response = staff_client.post(
        reverse("customers:segment_update", args=[segment.pk]), {"name": "Mine", "tier": "key"}
    )

    assert response.status_code == 302
    assert Segment.objects.get(pk=segment.pk).name == "Theirs"


def test_customer_page_offers_planning_a_visit_to_staff_but_not_to_auditors(staff_client, auditor_client, staff_user):
    customer = CustomerFactory(owner=staff_user)
    link = f"{reverse('visits:create')}?customer={customer.pk}"

    assert link in staff_client.get(customer.get_absolute_url()).content.decode()
    assert link not in auditor_client.get(customer.get_absolute_url()).content.decode()
