"""The API applies the same rules as the pages: permissions, workflow table, stale state, audit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from complaints.models import Complaint, CorrectiveAction
from core.models import AuditEvent
from tests.complaints.factories import action_waiting_period_passed
from tests.complaints.files import PNG

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_through_the_api_uses_the_service(staff_user, customer):
    response = api(staff_user).post(
        reverse("api:complaint-list"),
        {
            "customer": customer.pk,
            "subject": "Wrong invoice",
            "description": "Billed twice.",
            "category": "billing-invoice",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    complaint = Complaint.objects.get()
    assert response.json()["reference"] == complaint.reference
    assert complaint.channel == "api" and complaint.category.code == "billing-invoice" and complaint.resolve_due_at
    assert AuditEvent.objects.for_object(complaint).filter(action="create").exists()


def test_invalid_create_explains_and_records_nothing(staff_user, customer):
    response = api(staff_user).post(reverse("api:complaint-list"), {"customer": customer.pk}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"message", "extra"}
    assert not Complaint.objects.exists()


def test_list_uses_the_queue_filters(staff_user, open_complaint):
    critical = open_complaint(severity="critical")
    open_complaint(severity="low")
    response = api(staff_user).get(reverse("api:complaint-list"), {"severity": "critical"})
    assert [row["reference"] for row in response.json()["results"]] == [critical.reference]


def test_illegal_transition_is_refused_like_in_the_ui(staff_user, complaint):
    url = reverse("api:complaint-transition", args=[complaint.pk])
    response = api(staff_user).post(url, {"action": "close", "close_reason": "accepted"}, format="json")
    assert response.status_code == 400 and "not possible" in response.json()["message"]

    response = api(staff_user).post(url, {"action": "acknowledge", "state": "received"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "acknowledged"

    stale = api(staff_user).post(url, {"action": "reject", "state": "received", "reason": "x"}, format="json")
    assert stale.status_code == 400
    complaint.refresh_from_db()
    assert complaint.state == "acknowledged"


def test_auditor_reads_but_cannot_write(auditor_user, complaint, customer):
    client = api(auditor_user)
    assert client.get(reverse("api:complaint-detail", args=[complaint.pk])).status_code == 200
    assert client.get(reverse("api:complaint-events", args=[complaint.pk])).status_code == 200
    for url, body in [
        (reverse("api:complaint-list"), {"customer": customer.pk, "subject": "s", "description": "d"}),
        (reverse("api:complaint-transition", args=[complaint.pk]), {"action": "acknowledge"}),
    ]:
        assert client.post(url, body, format="json").status_code == 403
    complaint.refresh_from_db()
    assert complaint.state == "received" and Complaint.objects.count() == 1


def test_anonymous_api_access_is_refused(complaint):
    assert APIClient().get(reverse("api:complaint-list")).status_code in (401, 403)


def test_attachment_upload_is_checked_by_content(staff_user, complaint, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    url = reverse("api:complaint-attachments", args=[complaint.pk])
    bad = api(staff_user).post(url, {"file": SimpleUploadedFile("x.png", b"<html><script>1</script></html>")})
    assert bad.status_code == 400 and "web page code" in bad.json()["message"]
    good = api(staff_user).post(url, {"file": SimpleUploadedFile("x.png", PNG)})
    assert good.status_code == 201 and good.json()["content_type"] == "image/png"


def test_corrective_action_lifecycle_through_the_api(staff_user, manager_user, complaint):
    created = api(staff_user).post(
        reverse("api:complaint-action-list"),
        {
            "complaint": complaint.pk,
            "kind": "corrective",
            "description": "New seal supplier",
            "owner": staff_user.username,
            "due_date": "2026-12-31",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert api(staff_user).post(reverse("api:complaint-action-complete", args=[pk])).status_code == 200
    refused = api(staff_user).post(
        reverse("api:complaint-action-verify", args=[pk]), {"result": "effective", "evidence": "x"}, format="json"
    )
    assert refused.status_code == 403
    action_waiting_period_passed(CorrectiveAction.objects.get(pk=pk))
    verified = api(manager_user).post(
        reverse("api:complaint-action-verify", args=[pk]),
        {"result": "effective", "evidence": "3 months clean"},
        format="json",
    )
    assert verified.status_code == 200 and verified.json()["verified_by"] == manager_user.username


def test_schema_documents_the_complaint_endpoints(staff_client):
    schema = staff_client.get(reverse("schema")).content.decode()
    assert "/api/v1/complaints/{id}/transition/" in schema


def test_creating_a_complaint_costs_a_bounded_number_of_queries(staff_user, customer, django_assert_max_num_queries):
    client = api(staff_user)
    client.post(
        reverse("api:complaint-list"), {"customer": customer.pk, "subject": "warm", "description": "up"}, format="json"
    )
    with django_assert_max_num_queries(13):
        response = client.post(
            reverse("api:complaint-list"),
            {"customer": customer.pk, "subject": "Wrong invoice", "description": "Billed twice."},
            format="json",
        )
    assert response.status_code == 201


def test_creating_with_token_authentication_costs_few_queries(staff_user, customer, django_assert_max_num_queries):
    """Token, roles and permissions (one query), the contact with its customer (one), the category,
    the reference (three), the complaint, its audit row and its timeline line; here also the
    savepoint of complaint_open's atomic block inside the test's transaction (two)."""
    from knox.models import AuthToken

    client = APIClient(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=staff_user)[1]}")
    body = {
        "customer": customer.pk,
        "contact": customer.contacts.get().pk,
        "category": "billing-invoice",
        "subject": "Wrong invoice",
        "description": "Billed twice.",
    }
    assert client.post(reverse("api:complaint-list"), body, format="json").status_code == 201
    with django_assert_max_num_queries(12):
        response = client.post(reverse("api:complaint-list"), body, format="json")
    assert response.status_code == 201, response.json()
    complaint = Complaint.objects.get(pk=response.json()["id"])
    assert complaint.contact == customer.contacts.get() and complaint.customer == customer
    changes = AuditEvent.objects.for_object(complaint).get(action="create").changes
    assert changes["category"] == [None, str(complaint.category)] and "/" in changes["category"][1]
    assert changes["reference"] == [None, complaint.reference] and changes["state"] == [None, "received"]
    assert "status_token_hash" not in changes and "created_at" not in changes


@pytest.mark.parametrize("as_text", [False, True])
def test_create_checks_customer_and_contact_as_before(staff_user, customer, as_text):
    from tests.factories import ContactFactory, CustomerFactory

    other = CustomerFactory()
    theirs = ContactFactory(customer=other)
    ours = customer.contacts.get()

    def post(customer_pk, contact_pk):
        if as_text:
            customer_pk, contact_pk = str(customer_pk), str(contact_pk)
        body = {"customer": customer_pk, "contact": contact_pk, "subject": "s", "description": "d"}
        return api(staff_user).post(reverse("api:complaint-list"), body, format="json")

    refused = post(customer.pk, theirs.pk)  # another customer's contact
    assert refused.status_code == 400 and "The contact must belong to the customer." in str(refused.json())
    missing = post(customer.pk, 999999)
    assert missing.status_code == 400 and missing.json()["extra"]["fields"]["contact"] == [
        'Invalid pk "999999" - object does not exist.'
    ]
    assert post(999999, ours.pk).status_code == 400
    assert not Complaint.objects.exists()
    created = post(customer.pk, ours.pk)
    assert created.status_code == 201 and created.json()["customer"] == customer.pk
    assert created.json()["contact"] == ours.pk


def test_complaint_representation_is_the_model_serializers(complaint):
    """ComplaintSerializer builds its fields once per class and copies them shallowly, which is only
    safe while every field is read-only; the output is what a freshly built serializer gives."""
    from rest_framework import serializers

    from complaints.serializers import ComplaintSerializer

    class Fresh(serializers.ModelSerializer):
        customer_name = serializers.CharField(source="customer.name", read_only=True)
        assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
        team = serializers.StringRelatedField()
        category = serializers.SlugRelatedField(slug_field="code", read_only=True)

        class Meta(ComplaintSerializer.Meta):
            pass

    first, second = ComplaintSerializer(complaint), ComplaintSerializer(complaint)
    assert all(field.read_only for field in first.fields.values())
    assert first.data == Fresh(complaint).data
    assert first.fields["reference"] is not second.fields["reference"]
    assert second.fields["reference"].parent is second


def test_a_customer_and_contact_beyond_any_key_are_refused_not_a_server_error(manager_client):
    """The shortcut that reads a contact with its customer in one query must not send a number
    larger than a database key to SQL (SQLite raised OverflowError: a 500)."""
    body = {"customer": 2**70, "contact": 2**70, "channel": "visit", "subject": "S", "description": "D"}
    response = manager_client.post("/api/v1/complaints/", body, content_type="application/json")
    assert response.status_code == 400
