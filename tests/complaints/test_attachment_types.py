"""The attachment allow-list decides by content and structure: each hostile file is refused with a
message that says why, and nothing is written (no row, no file)."""

import io
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from complaints import attachment_types, services
from complaints.attachment_types import attachment_kind
from complaints.models import ComplaintAttachment
from core.exceptions import ApplicationError
from tests.complaints.files import CONTENT_TYPES, JPEG, PDF, PNG, docx, image, office

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def refused(staff_user, complaint, private_root, name, content, message):
    with pytest.raises(ApplicationError, match=message):
        services.complaint_attachment_add(actor=staff_user, complaint=complaint, name=name, content=content)
    assert not ComplaintAttachment.objects.exists()
    assert not (Path(private_root) / "complaints").exists()


def jpeg_html_polyglot() -> bytes:
    """A real JPEG with a comment segment (FF FE) right after its start that is also a web page."""
    markup = b"<html><script>alert(document.cookie)</script></html>"
    comment = b"\xff\xfe" + (len(markup) + 2).to_bytes(2, "big") + markup
    return JPEG[:2] + comment + JPEG[2:]


def pdf_with(body: bytes) -> bytes:
    return b"%PDF-1.7\n" + body + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "批次 2026-11"
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_polyglot_is_still_a_jpeg_by_its_magic():
    import filetype

    assert filetype.guess(jpeg_html_polyglot()).extension == "jpg"


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("photo.jpg", JPEG, "image/jpeg"),
        ("photo.JPEG", JPEG, "image/jpeg"),
        ("screen.png", PNG, "image/png"),
        ("scan.webp", image("WEBP"), "image/webp"),
        ("report.pdf", PDF, "application/pdf"),
        ("8d.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("batches.xlsx", xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("notes.txt", "泵在密封处漏水。\nLeaks at the seal.".encode(), "text/plain; charset=utf-8"),
        ("notes.txt", "泵在密封处漏水。".encode("gb18030"), "text/plain; charset=gb18030"),
    ],
)
def test_allowed_files_are_stored_with_the_type_their_content_shows(
    staff_user, complaint, private_root, name, content, mime
):
    attachment = services.complaint_attachment_add(actor=staff_user, complaint=complaint, name=name, content=content)
    assert attachment.content_type == mime
    assert (Path(private_root) / "complaints" / attachment.stored_path).read_bytes() == content


HOSTILE = [
    # Images
    ("photo.jpg", jpeg_html_polyglot(), "web page code"),
    ("photo.png", PNG[:40], "not a readable PNG image"),  # the magic, then a broken image
    ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 200, "not a readable JPEG image"),
    ("photo.png", JPEG, "named like a .png file but contains JPEG"),
    # PDF with active content, plainly, escaped and compressed
    ("invoice.pdf", pdf_with(b"1 0 obj<</Type/Catalog/Names<</JavaScript 3 0 R>>>>endobj"), "JavaScript"),
    ("invoice.pdf", pdf_with(b"1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj"), "JavaScript"),
    ("invoice.pdf", pdf_with(b"1 0 obj<</OpenAction<</S/J#61vaScript/J#53(x)>>>>endobj"), "JavaScript"),
    ("invoice.pdf", pdf_with(b"1 0 obj<</OpenAction<</S/Launch/F(cmd.exe)>>>>endobj"), "starts a program"),
    (
        "invoice.pdf",
        pdf_with(
            b"5 0 obj<</Type/ObjStm/Filter/FlateDecode>>stream\n"
            + zlib.compress(b"<</S/JavaScript/JS(app.alert(1))>>")
            + b"\nendstream endobj"
        ),
        "JavaScript",
    ),
    ("invoice.pdf", b"%PDF-1.4\n" + b"x" * 64, "not a complete PDF"),
    # Office files
    ("8d.docx", office({"word/document.xml": "<w:document/>"}), r"lacks the parts list \(\[Content_Types\].xml\)"),
    (
        "8d.docx",
        office({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"\x00" * (5 * 1024 * 1024)}),
        "ZIP bomb",
    ),
    (
        "8d.docx",
        office(
            {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w:document/>", "word/vbaProject.bin": "x"}
        ),
        "macros",
    ),
    (
        "report.xlsx",
        office(
            {
                "[Content_Types].xml": CONTENT_TYPES.replace(
                    "/>", "><Override ContentType='application/vnd.ms-excel.sheet.macroEnabled.main+xml'/></Types>"
                ),
                "xl/workbook.xml": "<w/>",
            }
        ),
        "macros",
    ),
    ("8d.docx", xlsx(), "named like a .docx file but its content is not one"),
    ("8d.docx", b"not a zip at all", "not a readable Office document"),
    ("photo.png", office({"a.txt": "x"}), "is a ZIP archive"),
    ("archive.zip", office({"a.txt": "x"}), "is a ZIP archive"),
    # Plain text
    ("notes.txt", b"abc\x00def", "not plain text"),
    ("notes.txt", b"Hello <script>alert(1)</script>", "web page code"),
    ("notes.txt", b"\x81\x30\x81", "not plain text"),  # neither UTF-8 nor GB18030
    ("notes.html", b"just words", "not an image, PDF, Office document or plain text"),
]


@pytest.mark.parametrize(("name", "content", "message"), HOSTILE)
def test_hostile_files_are_refused_and_nothing_is_written(staff_user, complaint, private_root, name, content, message):
    refused(staff_user, complaint, private_root, name, content, message)


def test_an_office_file_that_unpacks_past_the_bound_is_refused(staff_user, complaint, private_root, monkeypatch):
    # Moderate ratio (random-ish text), but more in total than the bound allows.
    monkeypatch.setattr(attachment_types, "OFFICE_UNPACKED_MAX_BYTES", 100_000)
    content = office(
        {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "".join(str(i) for i in range(40_000))}
    )
    refused(staff_user, complaint, private_root, "8d.docx", content, "ZIP bomb")


def test_zip_declared_sizes_are_what_is_checked_not_the_name():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", b" " * (3 * 1024 * 1024))
    with pytest.raises(ApplicationError, match="ZIP bomb"):
        attachment_kind(name="innocent.xlsx", content=buffer.getvalue())


def test_a_decompression_bomb_image_is_refused(monkeypatch):
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(ApplicationError, match="not a readable PNG image"):
        attachment_kind(name="huge.png", content=image("PNG", (20, 20)))
