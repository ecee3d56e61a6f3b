"""REST API v1: authentication, filters, writes through the services, errors, roles, the schema."""

import json

import pytest
import yaml
from django.test import Client
from knox.models import AuthToken

from core.models import AuditEvent
from customers.models import Contact, Customer, Segment, Tag
from tests.factories import ContactFactory, CustomerFactory, SegmentFactory

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/"
CONTACTS = "/api/v1/contacts/"
SEGMENTS = "/api/v1/segments/"


def _json(client, method, url, data=None, **extra):
    return client.generic(method, url, json.dumps(data or {}), content_type="application/json", **extra)


def _token_client(user) -> Client:
    _instance, token = AuthToken.objects.create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


def _error_shape(response):
    body = response.json()
    assert set(body) == {"message", "extra"}, body
    assert isinstance(body["message"], str) and body["message"]
    return body


# -- authentication ----------------------------------------------------------------------------------


def test_session_login_reads_the_customer_list(staff_client):
    CustomerFactory(name="Session Co")

    response = staff_client.get(CUSTOMERS)

    assert response.status_code == 200
    assert [c["name"] for c in response.json()["results"]] == ["Session Co"]


def test_token_authentication_reads_and_writes(staff_user):
    client = _token_client(staff_user)

    assert client.get(CUSTOMERS).status_code == 200
    response = _json(client, "POST", CUSTOMERS, {"code": "TOK-1", "name": "Token Co"})

    assert response.status_code == 201, response.content
    event = AuditEvent.objects.get(action="create")
    assert event.actor == staff_user and event.source == "api"


@pytest.mark.parametrize("header", ["Token wrong-token", "Token ", "Bearer abc"])
def test_a_bad_token_is_refused(db, header):
    response = Client(HTTP_AUTHORIZATION=header).get(CUSTOMERS)

    assert response.status_code in (401, 403)
    _error_shape(response)


def test_anonymous_api_request_is_refused_with_the_error_shape(client):
    response = client.get(CUSTOMERS)

    assert response.status_code in (401, 403)
    _error_shape(response)


# -- list, filters, pagination -----------------------------------------------------------------------


def test_list_filters_by_classifications_and_search(staff_client):
    CustomerFactory(code="K-E", name="Key East", tier="key", region="east", annual_volume=30)
    CustomerFactory(code="K-N", name="Key North", tier="key", region="north", annual_volume=10)
    CustomerFactory(code="K-S", name="Key South", tier="key", region="south", annual_volume=40)
    CustomerFactory(code="G-E", name="General East", tier="general", region="east", annual_volume=20)
    ContactFactory(customer=Customer.objects.get(code="K-S"), name="Liu Yang", phone="13712345678")

    def codes(query):
        response = staff_client.get(CUSTOMERS + query)
        assert response.status_code == 200, response.content
        return [c["code"] for c in response.json()["results"]]

    assert codes("?tier=key&region=east&region=north") == ["K-E", "K-N"]
    assert codes("?q=13712345678") == ["K-S"]
    assert codes("?q=liu") == ["K-S"]
    assert codes("?tier=general") == ["G-E"]
    assert codes("?ordering=-annual_volume") == ["K-S", "K-E", "G-E", "K-N"]


def test_list_paginates_fifty_per_page(staff_client):
    CustomerFactory.create_batch(51)

    first = staff_client.get(CUSTOMERS).json()
    second = staff_client.get(first["next"]).json()

    assert first["count"] == 51 and len(first["results"]) == 50
    assert len(second["results"]) == 1 and second["next"] is None


def test_invalid_filter_value_is_a_400_with_the_error_shape(staff_client):
    response = staff_client.get(CUSTOMERS + "?tier=platinum")

    assert response.status_code == 400
    assert "tier" in _error_shape(response)["extra"]["fields"]


def test_list_runs_a_bounded_number_of_queries(staff_client, staff_user, django_assert_max_num_queries):
    for n in range(20):
        customer = CustomerFactory(owner=staff_user)
        customer.tags.add(Tag.objects.get_or_create(name=f"t{n % 3}")[0])

    with django_assert_max_num_queries(8):
        response = staff_client.get(CUSTOMERS)

    assert len(response.json()["results"]) == 20
    assert response.json()["results"][0]["tags"]


def test_detail_includes_contacts_and_tag_names(staff_client, staff_user):
    customer = CustomerFactory(owner=staff_user)
    customer.tags.add(Tag.objects.create(name="vip"))
    ContactFactory(customer=customer, name="Zhou")

    body = staff_client.get(f"{CUSTOMERS}{customer.pk}/").json()

    assert body["tags"] == ["vip"]
    assert [c["name"] for c in body["contacts"]] == ["Zhou"]
    assert body["owner"] == "staff1"


def test_unknown_customer_is_a_404_with_the_error_shape(staff_client):
    response = staff_client.get(f"{CUSTOMERS}999999/")

    assert response.status_code == 404
    assert _error_shape(response)["extra"] == {}


# -- writes go through the services ------------------------------------------------------------------


def test_create_customer_records_an_audit_event_with_the_clients_address(staff_client, staff_user):
    response = _json(
        staff_client,
        "POST",
        CUSTOMERS,
        {"code": "API-1", "name": "接口客户", "tier": "key", "owner": "staff1", "tags": ["a", "b"]},
        REMOTE_ADDR="192.0.2.10",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tags"] == ["a", "b"] and body["lifecycle"] == "current"
    customer = Customer.objects.get(code="API-1")
    assert customer.lifecycle_changes.count() == 1
    event = AuditEvent.objects.for_object(customer).get()
    assert event.action == "create" and event.ip_address == "192.0.2.10" and event.source == "api"


def test_create_with_missing_fields_lists_them(staff_client):
    response = _json(staff_client, "POST", CUSTOMERS, {"tier": "key"})

    assert response.status_code == 400
    fields = _error_shape(response)["extra"]["fields"]
    assert {"code", "name"} <= set(fields)
    assert not Customer.objects.exists()


def test_create_refused_by_the_models_rules_is_a_400_naming_the_field(staff_client):
    response = _json(
        staff_client,
        "POST",
        CUSTOMERS,
        {"code": "P-1", "name": "P", "lifecycle": "current", "potential_source": "region"},
    )

    assert response.status_code == 400
    assert "potential_source" in _error_shape(response)["extra"]["fields"]
    assert not Customer.objects.exists() and not AuditEvent.objects.exists()


def test_duplicate_customer_code_is_refused(staff_client):
    CustomerFactory(code="DUP-1")

    response = _json(staff_client, "POST", CUSTOMERS, {"code": "DUP-1", "name": "Again"})

    assert response.status_code == 400
    assert "code" in _error_shape(response)["extra"]["fields"]


def test_patch_own_customer_is_audited(staff_client, staff_user):
    customer = CustomerFactory(owner=staff_user, name="Before")

    response = _json(staff_client, "PATCH", f"{CUSTOMERS}{customer.pk}/", {"name": "After"})

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "After"
    assert AuditEvent.objects.for_object(customer).get().changes == {"name": ["Before", "After"]}


def test_staff_patch_of_a_customer_owned_by_someone_else_is_refused(staff_client, other_staff_user):
    customer = CustomerFactory(owner=other_staff_user, name="Theirs")

    response = _json(staff_client, "PATCH", f"{CUSTOMERS}{customer.pk}/", {"name": "Mine"})

    assert response.status_code == 400
    assert _error_shape(response)["message"] == "You are not allowed to change this record."
    assert Customer.objects.get(pk=customer.pk).name == "Theirs"
    assert not AuditEvent.objects.exists()


def test_manager_patches_any_customer(manager_client, staff_user):
    customer = CustomerFactory(owner=staff_user)

    response = _json(manager_client, "PATCH", f"{CUSTOMERS}{customer.pk}/", {"tier": "key"})

    assert response.status_code == 200
    assert Customer.objects.get(pk=customer.pk).tier == "key"


def test_lifecycle_cannot_be_changed_by_patch(staff_client, staff_user):
    customer = CustomerFactory(owner=staff_user, lifecycle="current")

    response = _json(staff_client, "PATCH", f"{CUSTOMERS}{customer.pk}/", {"lifecycle": "lost"})

    assert response.status_code == 400
    assert "lifecycle" in _error_shape(response)["extra"]["fields"]
    assert Customer.objects.get(pk=customer.pk).lifecycle == "current"


def test_lifecycle_action_loses_and_wins_back_with_reasons(staff_client, staff_user):
    customer = CustomerFactory(owner=staff_user, lifecycle="current")
    url = f"{CUSTOMERS}{customer.pk}/lifecycle/"

    lost = _json(staff_client, "POST", url, {"to_state": "lost", "reason": "Price", "reason_category": "price"})
    assert lost.status_code == 200, lost.content
    assert lost.json()["lifecycle"] == "lost" and lost.json()["lost_reason"] == "Price"

    no_reason = _json(staff_client, "POST", url, {"to_state": "current"})
    assert no_reason.status_code == 400
    _error_shape(no_reason)

    illegal = _json(staff_client, "POST", url, {"to_state": "potential", "reason": "x"})
    assert illegal.status_code == 400

    won = _json(staff_client, "POST", url, {"to_state": "current", "reason": "New contract"})
    assert won.status_code == 200
    assert customer.lifecycle_changes.filter(is_win_back=True).count() == 1


def test_lifecycle_action_with_an_unknown_state_names_the_field(staff_client, staff_user):
    customer = CustomerFactory(owner=staff_user)

    response = _json(staff_client, "POST", f"{CUSTOMERS}{customer.pk}/lifecycle/", {"to_state": "gone"})

    assert response.status_code == 400
    assert "to_state" in _error_shape(response)["extra"]["fields"]


def test_only_managers_delete_customers(staff_client, manager_client, staff_user):
    customer = CustomerFactory(owner=staff_user)
    url = f"{CUSTOMERS}{customer.pk}/"

    assert staff_client.delete(url).status_code == 403
    assert manager_client.delete(url).status_code == 204

    assert not Customer.objects.exists()
    assert AuditEvent.objects.get().action == "delete"


# -- contacts ------------------------------------------------------------------------------------------


def test_contacts_crud_with_consent_dates(staff_client, staff_user):
    customer = CustomerFactory(owner=staff_user)

    created = _json(
        staff_client,
        "POST",
        CONTACTS,
        {"customer": customer.pk, "name": "Wu", "survey_consent": True, "is_primary": True},
    )
    assert created.status_code == 201, created.content
    contact = created.json()
    assert contact["consent_at"] and contact["consent_withdrawn_at"] is None

    listed = staff_client.get(f"{CONTACTS}?customer={customer.pk}").json()
    assert [c["name"] for c in listed["results"]] == ["Wu"]

    withdrawn = _json(staff_client, "PATCH", f"{CONTACTS}{contact['id']}/", {"survey_consent": False})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["consent_withdrawn_at"] and withdrawn.json()["consent_at"] == contact["consent_at"]

    assert staff_client.delete(f"{CONTACTS}{contact['id']}/").status_code == 204
    assert not Contact.objects.exists()
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == ["create", "update", "delete"]


def test_contact_cannot_be_added_to_someone_elses_customer(staff_client, other_staff_user):
    customer = CustomerFactory(owner=other_staff_user)

    response = _json(staff_client, "POST", CONTACTS, {"customer": customer.pk, "name": "Spy"})

    assert response.status_code == 400
    _error_shape(response)
    assert not Contact.objects.exists()


def test_contact_cannot_be_moved_to_another_customer(staff_client, staff_user):
    contact = ContactFactory(customer=CustomerFactory(owner=staff_user))
    other = CustomerFactory(owner=staff_user)

    response = _json(staff_client, "PATCH", f"{CONTACTS}{contact.pk}/", {"customer": other.pk})

    assert response.status_code == 400
    assert Contact.objects.get(pk=contact.pk).customer_id == contact.customer_id


# -- segments ------------------------------------------------------------------------------------------


def test_segments_crud_and_their_live_customers(staff_client):
    CustomerFactory(code="KEY-1", tier="key")
    CustomerFactory(code="GEN-1", tier="general")

    created = _json(staff_client, "POST", SEGMENTS, {"name": "Key", "criteria": {"tier": "key", "colour": "ignored"}})
    assert created.status_code == 201, created.content
    segment = created.json()
    assert segment["criteria"] == {"tier": "key"}
    assert segment["customer_count"] == 1 and segment["created_by"] == "staff1"

    members = staff_client.get(f"{SEGMENTS}{segment['id']}/customers/").json()
    assert [c["code"] for c in members["results"]] == ["KEY-1"]

    updated = _json(staff_client, "PATCH", f"{SEGMENTS}{segment['id']}/", {"criteria": {"tier": "general"}})
    assert updated.status_code == 200
    assert updated.json()["customer_count"] == 1
    assert [c["code"] for c in staff_client.get(f"{SEGMENTS}{segment['id']}/customers/").json()["results"]] == ["GEN-1"]

    assert staff_client.delete(f"{SEGMENTS}{segment['id']}/").status_code == 204
    assert not Segment.objects.exists()


def test_segment_with_invalid_criteria_is_refused_with_the_reason(staff_client):
    response = _json(staff_client, "POST", SEGMENTS, {"name": "Bad", "criteria": {"tier": "platinum"}})

    assert response.status_code == 400
    assert "tier" in _error_shape(response)["extra"]["criteria"]
    assert not Segment.objects.exists()


def test_staff_cannot_change_a_segment_created_by_someone_else(staff_client, other_staff_user):
    segment = SegmentFactory(created_by=other_staff_user, name="Theirs")

    response = _json(staff_client, "PATCH", f"{SEGMENTS}{segment.pk}/", {"name": "Mine"})

    assert response.status_code == 400
    assert Segment.objects.get(pk=segment.pk).name == "Theirs"


def test_segment_list_counts_all_segments_in_a_bounded_number_of_queries(staff_client, django_assert_max_num_queries):
    CustomerFactory.create_batch(3, tier="key")
    for n in range(15):
        SegmentFactory(criteria={"tier": "key" if n % 2 else "general"})

    # session, user, permissions (2), roles, page count, page, ONE count for all 15 segments
    with django_assert_max_num_queries(8):
        response = staff_client.get(SEGMENTS)

    counts = [s["customer_count"] for s in response.json()["results"]]
    assert len(counts) == 15 and set(counts) == {0, 3}


# -- auditors and the schema ---------------------------------------------------------------------------


@pytest.mark.parametrize("authentication", ["session", "token"])
def test_auditor_reads_but_every_unsafe_method_is_refused(auditor_user, authentication):
    if authentication == "session":
        client = Client()
        client.force_login(auditor_user)
    else:
        client = _token_client(auditor_user)
    customer = CustomerFactory(owner=auditor_user)
    contact = ContactFactory(customer=customer)
    segment = SegmentFactory(created_by=auditor_user)

    assert client.get(CUSTOMERS).status_code == 200
    assert client.get(f"{SEGMENTS}{segment.pk}/customers/").status_code == 200
    requests = [
        ("POST", CUSTOMERS, {"code": "AU-1", "name": "Auditor Co"}),
        ("PUT", f"{CUSTOMERS}{customer.pk}/", {"code": "AU-2", "name": "Renamed"}),
        ("PATCH", f"{CUSTOMERS}{customer.pk}/", {"name": "Renamed"}),
        ("DELETE", f"{CUSTOMERS}{customer.pk}/", None),
        ("POST", f"{CUSTOMERS}{customer.pk}/lifecycle/", {"to_state": "lost", "reason": "x"}),
        ("POST", CONTACTS, {"customer": customer.pk, "name": "New"}),
        ("PATCH", f"{CONTACTS}{contact.pk}/", {"name": "Renamed"}),
        ("DELETE", f"{CONTACTS}{contact.pk}/", None),
        ("POST", SEGMENTS, {"name": "Audit", "criteria": {}}),
        ("PATCH", f"{SEGMENTS}{segment.pk}/", {"name": "Renamed"}),
        ("DELETE", f"{SEGMENTS}{segment.pk}/", None),
    ]
    for method, url, data in requests:
        response = _json(client, method, url, data)
        assert response.status_code == 403, f"{method} {url}: {response.status_code}"
        _error_shape(response)

    assert Customer.objects.get().name == customer.name
    assert Contact.objects.get().name == contact.name
    assert Segment.objects.get().name == segment.name
    assert not AuditEvent.objects.exists()


def test_openapi_schema_lists_the_customer_endpoints_for_a_logged_in_user(staff_client):
    from drf_spectacular.validation import validate_schema

    response = staff_client.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/customers/",
        "/api/v1/customers/{id}/lifecycle/",
        "/api/v1/contacts/",
        "/api/v1/segments/{id}/customers/",
    } <= set(schema["paths"])


def test_openapi_schema_and_docs_are_not_public(client):
    for url in ("/api/schema/", "/api/docs/", "/api/redoc/"):
        response = client.get(url)
        assert response.status_code in (302, 401, 403), url
        assert b"/api/v1/customers/" not in response.content


def test_api_docs_render_for_a_logged_in_user(staff_client):
    response = staff_client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
