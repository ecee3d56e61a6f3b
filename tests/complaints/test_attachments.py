"""Attachments: checked by content, size-limited, stored outside the web root, served only through
their own complaint as a download with safe headers."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, ComplaintAttachment
from core.exceptions import ApplicationError
from tests.complaints.files import PDF, PNG, docx

pytestmark = pytest.mark.django_db

HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.mark.parametrize(("name", "content"), [("photo.png", PNG), ("report.PDF", PDF), ("8d.docx", docx())])
def test_images_pdf_and_office_files_are_accepted(staff_user, complaint, private_root, name, content):
    attachment = services.complaint_attachment_add(actor=staff_user, complaint=complaint, name=name, content=content)

    stored = Path(private_root) / "complaints" / attachment.stored_path
    assert stored.read_bytes() == content
    assert name not in attachment.stored_path  # stored under a random name
    assert not str(stored.resolve()).startswith(str(Path(settings.STATIC_ROOT).resolve()))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("page.html", HTML, "web page code"),
        ("drawing.svg", SVG, "web page code"),
        ("photo.png", HTML, "web page code"),  # HTML dressed as an image
        ("invoice.pdf", PNG, "contains PNG"),  # the name lies about the content
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 64, "not an image"),
        ("../../etc/passwd.png", PNG, "not allowed"),
        ("..\\evil.png", PNG, "not allowed"),
        (".htaccess", PNG, "not allowed"),
        ("empty.png", b"", "empty"),
    ],
)
def test_dangerous_or_wrong_files_are_refused_and_nothing_is_stored(
    staff_user, complaint, private_root, name, content, message
):
    with pytest.raises(ApplicationError, match=message):
        services.complaint_attachment_add(actor=staff_user, complaint=complaint, name=name, content=content)
    assert not ComplaintAttachment.objects.exists()
    assert not (Path(private_root) / "complaints").exists()


def test_oversize_files_are_refused(staff_user, complaint, settings):
    settings.COMPLAINTS_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ApplicationError, match="larger than"):
        services.complaint_attachment_add(
            actor=staff_user, complaint=complaint, name="big.png", content=PNG + b"\x00" * 2048
        )


def test_download_is_an_attachment_with_safe_headers(staff_user, staff_client, complaint):
    attachment = services.complaint_attachment_add(actor=staff_user, complaint=complaint, name="photo.png", content=PNG)

    response = staff_client.get(attachment.get_absolute_url())

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_another_complaints_attachment_by_id_is_404(staff_user, staff_client, complaint, open_complaint):
    other = open_complaint(subject="Someone else's")
    attachment = services.complaint_attachment_add(actor=staff_user, complaint=other, name="photo.png", content=PNG)

    url = reverse("complaints:attachment", args=[complaint.pk, attachment.pk])

    assert staff_client.get(url).status_code == 404


def test_users_who_cannot_see_complaints_cannot_download(staff_user, complaint, client, django_user_model):
    attachment = services.complaint_attachment_add(actor=staff_user, complaint=complaint, name="photo.png", content=PNG)
    client.force_login(django_user_model.objects.create_user("outsider", password="x"))
    assert client.get(attachment.get_absolute_url()).status_code in (403, 404)


def test_auditors_can_download_but_not_upload(staff_user, auditor_client, complaint):
    attachment = services.complaint_attachment_add(actor=staff_user, complaint=complaint, name="photo.png", content=PNG)
    assert auditor_client.get(attachment.get_absolute_url()).status_code == 200
    response = auditor_client.post(
        reverse("complaints:attachment_upload", args=[complaint.pk]),
        {"files": SimpleUploadedFile("x.png", PNG, content_type="image/png")},
    )
    assert response.status_code == 403 and complaint.attachments.count() == 1


def test_upload_from_the_detail_page(staff_client, complaint):
    response = staff_client.post(
        reverse("complaints:attachment_upload", args=[complaint.pk]),
        {"files": [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.pdf", PDF)]},
    )
    assert response.status_code == 302
    assert sorted(complaint.attachments.values_list("original_name", flat=True)) == ["a.png", "b.pdf"]


def test_a_bad_file_on_the_phone_call_screen_records_nothing(staff_client, customer):
    response = staff_client.post(
        reverse("complaints:create"),
        {
            "customer": customer.pk,
            "kind": "complaint",
            "channel": "hotline",
            "severity": "low",
            "subject": "x",
            "description": "y",
            "files": [SimpleUploadedFile("ok.png", PNG), SimpleUploadedFile("bad.html", HTML)],
        },
    )
    assert response.status_code == 200
    assert "bad.html contains web page code" in response.content.decode()
    assert not Complaint.objects.exists() and not ComplaintAttachment.objects.exists()


def test_the_phone_call_screen_keeps_good_files(staff_client, customer):
    staff_client.post(
        reverse("complaints:create"),
        {
            "customer": customer.pk,
            "kind": "complaint",
            "channel": "hotline",
            "severity": "low",
            "subject": "x",
            "description": "y",
            "files": [SimpleUploadedFile("ok.png", PNG)],
        },
    )
    assert Complaint.objects.get().attachments.get().original_name == "ok.png"


@pytest.mark.parametrize("role", ["staff", "manager", "auditor", "admin"])
def test_everyone_who_reads_the_complaint_downloads_its_attachment(staff_user, complaint, user_of_role, client, role):
    attachment = services.complaint_attachment_add(actor=staff_user, complaint=complaint, name="scan.pdf", content=PDF)
    client.force_login(user_of_role(role))

    response = client.get(attachment.get_absolute_url())

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="scan.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_anonymous_visitors_are_sent_to_the_login_page(staff_user, complaint, client):
    attachment = services.complaint_attachment_add(actor=staff_user, complaint=complaint, name="photo.png", content=PNG)
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 302 and "/login" in response["Location"]


def test_an_attachment_of_a_missing_complaint_is_404(staff_user, staff_client, complaint):
    attachment = services.complaint_attachment_add(actor=staff_user, complaint=complaint, name="photo.png", content=PNG)
    assert (
        staff_client.get(reverse("complaints:attachment", args=[complaint.pk + 999, attachment.pk])).status_code == 404
    )


def test_a_stored_row_of_an_unsafe_type_is_never_served_inline_as_html(staff_user, staff_client, complaint):
    """A row written before the allow-list with a type a browser renders goes out as plain bytes."""
    attachment = services.complaint_attachment_add(
        actor=staff_user, complaint=complaint, name="notes.txt", content=b"hi"
    )
    ComplaintAttachment.objects.filter(pk=attachment.pk).update(content_type="text/html")

    response = staff_client.get(attachment.get_absolute_url())

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_refused_upload_on_the_detail_page_says_why_and_keeps_nothing(staff_client, complaint, private_root):
    from tests.complaints.files import JPEG

    polyglot = JPEG[:2] + b"\xff\xfe\x00\x10<html><script>" + JPEG[2:]
    response = staff_client.post(
        reverse("complaints:attachment_upload", args=[complaint.pk]),
        {"files": [SimpleUploadedFile("ok.png", PNG), SimpleUploadedFile("photo.jpg", polyglot)]},
        follow=True,
    )
    assert "photo.jpg contains web page code" in response.content.decode()
    assert not complaint.attachments.exists()
    assert not [path for path in Path(private_root).rglob("*") if path.is_file()]
