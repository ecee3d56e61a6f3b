"""The complaint pages: list, detail, the phone-call screen, per role."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from complaints.models import Complaint, ComplaintEvent
from core.models import AuditEvent

pytestmark = pytest.mark.django_db
NOTO_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def test_list_shows_complaints_soonest_due_first(staff_client, open_complaint):
    later = open_complaint(subject="Late invoice", severity="low")
    sooner = open_complaint(subject="Broken shaft", severity="critical")

    response = staff_client.get(reverse("complaints:list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index(sooner.reference) < page.index(later.reference)


def test_detail_shows_customer_reference_state_due_dates_events_and_audit(staff_client, complaint):
    response = staff_client.get(reverse("complaints:detail", args=[complaint.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert complaint.reference in page and complaint.customer.name in page
    assert 'data-testid="state">Received' in page
    assert 'data-testid="resolve-due">' in page and complaint.resolve_due_at is not None
    assert 'id="events"' in page and "Received" in page
    assert 'id="audit-history"' in page and "Created" in page


def test_unknown_complaint_is_404(staff_client):
    assert staff_client.get(reverse("complaints:detail", args=[999999])).status_code == 404


def test_phone_call_screen_records_a_complaint_and_redirects_to_it(staff_client, customer):
    contact = customer.contacts.get()
    response = staff_client.post(
        reverse("complaints:create"),
        {
            "customer": customer.pk,
            "contact": contact.pk,
            "kind": "complaint",
            "channel": "hotline",
            "severity": "high",
            "subject": "Pump leaks",
            "description": "Leaks at the seal after two days.",
            "desired_remedy": "Replacement",
            "product_reference": "P-100",
            "order_reference": "SO-1",
            "batch_reference": "B-7",
        },
    )

    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == complaint.get_absolute_url()
    assert (complaint.contact, complaint.severity, complaint.batch_reference) == (contact, "high", "B-7")
    assert complaint.events.filter(kind=ComplaintEvent.Kind.RECEIVED).count() == 1
    assert AuditEvent.objects.for_object(complaint).filter(action="create").count() == 1


def test_phone_call_screen_without_a_customer_explains_and_records_nothing(staff_client):
    response = staff_client.post(
        reverse("complaints:create"),
        {"kind": "complaint", "channel": "hotline", "severity": "low", "subject": "x", "description": "y"},
    )

    assert response.status_code == 200
    assert "Find and choose the customer first." in response.content.decode()
    assert not Complaint.objects.exists()


def test_contact_of_another_customer_is_refused(staff_client, customer):
    from tests.factories import ContactFactory

    stranger = ContactFactory()
    response = staff_client.post(
        reverse("complaints:create"),
        {
            "customer": customer.pk,
            "contact": stranger.pk,
            "kind": "complaint",
            "channel": "hotline",
            "severity": "low",
            "subject": "x",
            "description": "y",
        },
    )

    assert response.status_code == 200 and not Complaint.objects.exists()


def test_customer_search_finds_by_name_code_phone_and_contact(staff_client, customer):
    for query in ("精工", "K-001", "021-5555", "李娜"):
        response = staff_client.get(reverse("complaints:customer_search"), {"q": query})
        assert customer.name in response.content.decode(), query
    response = staff_client.get(reverse("complaints:customer_search"), {"q": "nobody-like-this"})
    assert "No customer found." in response.content.decode()


def test_inline_customer_creation_from_the_phone_call_screen(staff_client):
    response = staff_client.post(
        reverse("complaints:customer_inline_create"),
        {"new-name": "杭州远大新能源有限公司", "new-code": "NEW-9", "new-phone": "0571-1", "new-email": ""},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#customer-picked"
    assert "杭州远大新能源有限公司" in response.content.decode()


def test_inline_customer_creation_with_a_taken_code_explains(staff_client, customer):
    response = staff_client.post(
        reverse("complaints:customer_inline_create"), {"new-name": "Dup", "new-code": customer.code}
    )

    assert response.status_code == 422
    assert "errorlist" in response.content.decode()


def test_nav_link_is_shown_to_those_who_may_see_complaints(staff_client, client, django_user_model):
    assert 'href="/complaints/"' in staff_client.get(reverse("complaints:list")).content.decode()
    nobody = django_user_model.objects.create_user("nobody", password="x")
    client.force_login(nobody)
    assert 'href="/complaints/"' not in client.get(reverse("reports:home")).content.decode()


def test_eight_d_report_in_both_languages_without_internal_notes(staff_user, staff_client, complaint):
    from complaints import services

    services.complaint_note_add(actor=staff_user, complaint=complaint, text="INTERNAL remark")
    services.root_cause_record(actor=staff_user, complaint=complaint, category="material", whys=["Bad seal batch"])
    url = reverse("complaints:eight_d", args=[complaint.pk])

    english = staff_client.get(url, {"language": "en"}).content.decode()
    chinese = staff_client.get(url, {"language": "zh-hans"})

    assert "D4" in english and "Bad seal batch" in english and "INTERNAL" not in english
    assert chinese.status_code == 200 and 'lang="zh-hans"' in chinese.content.decode()


def test_corrective_action_added_from_the_detail_page(staff_user, staff_client, complaint):
    response = staff_client.post(
        reverse("complaints:action_create"),
        {
            "complaint": complaint.pk,
            "kind": "containment",
            "description": "Quarantine batch B-7",
            "owner": staff_user.pk,
            "due_date": "2026-12-31",
            "required_for_closing": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == complaint.get_absolute_url()
    assert complaint.actions.get().description == "Quarantine batch B-7"
    assert staff_client.post(reverse("complaints:action_create"), {"complaint": "x"}).status_code == 404


def _pdf_text_codes(content: bytes) -> str:
    """The PDF's decompressed streams (fonts' ToUnicode maps list each character used, in hex)."""
    import re
    import zlib

    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            streams.append(match.group(1).decode("latin-1"))  # an uncompressed stream
    return "\n".join(streams).upper()


@pytest.mark.skipif(
    not __import__("pathlib").Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").exists(),
    reason="no CJK font on this machine (Debian fonts-wqy-microhei)",
)
def test_eight_d_pdf_embeds_the_chinese_text(staff_client, complaint):
    response = staff_client.get(reverse("complaints:eight_d_pdf", args=[complaint.pk]), {"language": "zh-hans"})

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="8D-{complaint.reference}-zh-hans.pdf"'
    assert response.content.startswith(b"%PDF")
    codes = _pdf_text_codes(response.content)
    assert "WENQUANYI" in response.content.decode("latin-1").upper() or "WQY" in codes
    assert "<7CBE>" in codes  # 精, from the customer's name 上海精工机械有限公司


@pytest.mark.skipif(
    not (shutil.which("pdffonts") and Path(NOTO_CJK).exists()),
    reason="needs poppler-utils' pdffonts and Debian fonts-noto-cjk",
)
def test_eight_d_pdf_with_only_noto_embeds_its_simplified_chinese_face(
    staff_client, complaint, settings, monkeypatch, tmp_path
):
    from core import pdf

    monkeypatch.setattr(pdf, "FONT_CANDIDATES", (NOTO_CJK,))
    settings.PDF_FONT = ""
    response = staff_client.get(reverse("complaints:eight_d_pdf", args=[complaint.pk]), {"language": "zh-hans"})

    (tmp_path / "8d.pdf").write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(tmp_path / "8d.pdf")], capture_output=True, check=True, text=True).stdout
    [font] = fonts.splitlines()[2:]
    name, *_, embedded, subset, unicode_map, _object, _generation = font.split()
    assert name.endswith("+NotoSansCJKSC")  # not the Japanese face (JP), the collection's first
    assert (embedded, subset, unicode_map) == ("yes", "yes", "yes")


def test_eight_d_pdf_without_a_font_explains(staff_client, complaint, settings, monkeypatch):
    from core import pdf

    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    settings.PDF_FONT = ""
    response = staff_client.get(reverse("complaints:eight_d_pdf", args=[complaint.pk]), follow=True)
    assert "No Chinese font is installed" in response.content.decode()


def test_phone_call_screen_can_start_with_a_customer(staff_client, customer):
    response = staff_client.get(reverse("complaints:create"), {"customer": customer.pk})
    page = response.content.decode()
    assert 'data-testid="chosen-customer" translate="no">上海精工机械有限公司' in page
    assert "李娜" in page  # the customer's contacts are offered
