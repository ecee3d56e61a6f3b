"""The copy of a subject's data: one ZIP of JSON and a readable summary, in the reader's language,
streamed; what it holds for a contact and for a customer, and what it never holds."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.models import AuditEvent
from privacy import selectors
from privacy.exporting import subject_export_chunks
from privacy.models import SubjectRequest

pytestmark = pytest.mark.django_db

MEMBERS = {
    "subject.json",
    "contacts.json",
    "complaints.json",
    "surveys.json",
    "visits.json",
    "feedback.json",
    "lifecycle.json",
    "audit_trail.json",
    "summary.html",
}


def unpack(chunks) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    return {name: archive.read(name) for name in archive.namelist()}


def export(subject, language="en"):
    files = unpack(subject_export_chunks(subject, language=language, exported_by="manager"))
    return {
        name: json.loads(content) if name.endswith(".json") else content.decode() for name, content in files.items()
    }


def test_a_contacts_copy_holds_her_records_and_not_her_colleagues(world):
    files = export(selectors.subject_of_contact(pk=world.li_na.pk))

    assert set(files) == MEMBERS
    subject = files["subject.json"]
    assert subject["subject_kind"] == "contact" and subject["record"]["name"] == "李娜"
    assert subject["record"]["email"] == "Li.Na@example.com" and subject["record"]["customer_code"] == "K-001"
    assert [c["name"] for c in files["contacts.json"]] == ["李娜"]
    (complaint,) = files["complaints.json"]
    assert complaint["reference"] == world.her_complaint.reference
    assert complaint["state"] == "acknowledged" and complaint["state_display"] == "Acknowledged"
    assert any(event["comment"] == "Called 李娜 back." for event in complaint["events"])
    assert complaint["attachments"] == []
    (invitation,) = files["surveys.json"]
    answers = {a["question_code"]: a for a in invitation["response"]["answers"]}
    assert answers["quality"]["score"] == 4 and answers["recommend"]["score"] == 8
    assert answers["overall"]["text"] == "Ask for 李娜, 13800138000." and answers["overall"]["question"] == "Overall"
    (visit,) = files["visits.json"]
    assert visit["summary"] == "Met 李娜 and Wang Wei at the plant." and "李娜" in visit["contacts_met"]
    assert visit["issues"][0]["description"] == "李娜 wants a spare seal"
    assert [f["summary"] for f in files["feedback.json"]] == ["Compliment from 李娜"]
    assert files["lifecycle.json"] == []
    records = {(e["record_type"], e["record_id"]) for e in files["audit_trail.json"]}
    assert ("complaint", str(world.her_complaint.pk)) in records
    assert ("complaint", str(world.his_complaint.pk)) not in records
    assert "Late delivery" not in json.dumps(files, ensure_ascii=False)


def test_a_customers_copy_holds_every_contact_and_complaint(world):
    files = export(selectors.subject_of_customer(pk=world.customer.pk))

    assert files["subject.json"]["record"]["name"] == "上海精工机械有限公司"
    assert files["subject.json"]["record"]["address"] == "上海市浦东新区张江路 88 号"
    assert sorted(c["name"] for c in files["contacts.json"]) == ["Wang Wei", "李娜"]
    assert sorted(c["subject"] for c in files["complaints.json"]) == ["Late delivery", "李娜: pump leaks"]
    records = {(e["record_type"], e["record_id"]) for e in files["audit_trail.json"]}
    assert {("complaint", str(world.her_complaint.pk)), ("complaint", str(world.his_complaint.pk))} <= records


def test_credentials_and_staff_addresses_are_never_in_the_copy(world):
    everything = json.dumps(export(selectors.subject_of_customer(pk=world.customer.pk)), ensure_ascii=False)
    for secret in ("status_token_hash", "token_hash", "token_salt", "client_hash", "stored_path", "ip_address"):
        assert secret not in everything
    assert world.response.invitation.token_hash not in everything


def test_the_copy_speaks_the_readers_language(world):
    files = export(selectors.subject_of_contact(pk=world.li_na.pk), language="zh-hans")
    assert files["complaints.json"][0]["state_display"] == "已受理"
    assert "投诉" in files["summary.html"] and 'lang="zh-hans"' in files["summary.html"]
    assert "李娜" in files["summary.html"]
    english = export(selectors.subject_of_contact(pk=world.li_na.pk), language="en")
    assert "Complaints (1)" in english["summary.html"]


def test_a_manager_downloads_it_streamed_and_it_is_recorded(manager_client, manager_user, world):
    response = manager_client.post(reverse("privacy:contact_export", args=[world.li_na.pk]))

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(f'attachment; filename="data-subject-contact-{world.li_na.pk}-')
    files = unpack(response.streaming_content)
    assert set(files) == MEMBERS
    request = SubjectRequest.objects.get(kind="export")
    assert (request.handled_by, request.subject_kind, request.subject_id) == (manager_user, "contact", world.li_na.pk)
    entry = AuditEvent.objects.for_object(world.li_na).filter(action="export").get()
    assert entry.actor == manager_user


def test_after_erasure_the_copy_shows_the_pseudonym(manager_client, manager_user, world):
    from privacy import services

    services.subject_erase(actor=manager_user, subject=selectors.subject_of_contact(pk=world.li_na.pk), reason="asked")
    files = export(selectors.subject_of_contact(pk=world.li_na.pk))
    assert files["subject.json"]["record"]["name"] == f"Erased contact #{world.li_na.pk}"
    assert "李娜" not in json.dumps(
        [files["complaints.json"], files["surveys.json"], files["visits.json"]], ensure_ascii=False
    )


def test_the_command_writes_the_same_zip(world, tmp_path):
    target = tmp_path / "li-na.zip"
    call_command("subject_export", "--contact", str(world.li_na.pk), "--output", str(target), stdout=io.StringIO())
    files = unpack([target.read_bytes()])
    assert set(files) == MEMBERS
    assert json.loads(files["subject.json"])["record"]["name"] == "李娜"
    assert SubjectRequest.objects.get(kind="export").handled_by is None
