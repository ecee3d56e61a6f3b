"""What a complaint attachment may be, decided by its content and structure, never by its name.

The allow-list: images (JPEG, PNG, GIF, WebP) that Pillow opens and verifies, PDF documents without
scripts or launch actions, Office Open XML documents (.docx, .xlsx, .pptx) whose ZIP is well formed,
declares its parts and would not unpack into a bomb, and plain text. Anything else is refused, and
so is a file that also reads as a web page in its first kilobyte (a JPEG/HTML polyglot: a browser
that sniffs would run it). Pure: no database, no files written; `attachment_kind` raises
ApplicationError with a message a person can act on.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import filetype
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError

# Detected image format -> (the names it may have, its MIME type, Pillow's name for it).
IMAGES = {
    "jpg": ({"jpg", "jpeg"}, "image/jpeg", "JPEG"),
    "png": ({"png"}, "image/png", "PNG"),
    "gif": ({"gif"}, "image/gif", "GIF"),
    "webp": ({"webp"}, "image/webp", "WEBP"),
}
# Office Open XML: the name -> (the part that makes it that kind of document, its MIME type).
OFFICE = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
TEXT_SUFFIXES = {"txt", "csv", "log"}
PDF_MIME = "application/pdf"
# Every type an attachment can be stored with; a download is served with one of these or as bytes.
SAFE_MIME_TYPES = frozenset(
    {mime for _names, mime, _format in IMAGES.values()}
    | {mime for _part, mime in OFFICE.values()}
    | {PDF_MIME, "text/plain; charset=utf-8", "text/plain; charset=gb18030"}
)

# Web markup in the first kilobyte: what browsers sniff for before they render a file as a page.
MARKUP = re.compile(rb"<\s*(html|script|body|iframe|svg|!doctype\s+html)\b", re.IGNORECASE)
SNIFF_BYTES = 1024
# PDF names that run something: JavaScript (also through an open action or a form), launching a
# program, embedded files and rich media. A name may hide letters as #xx escapes (/J#61vaScript).
PDF_ACTIVE_NAMES = {b"JS", b"JavaScript", b"Launch", b"EmbeddedFile", b"RichMedia", b"XFA"}
PDF_NAME = re.compile(rb"/([A-Za-z0-9#]+)")
PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
# Inflating a PDF's streams to look inside them stops at this much (a bomb is refused, not unpacked).
PDF_INFLATE_MAX_BYTES = 64 * 1024 * 1024
# An Office file unpacks to at most this much, and no part more than this many times its packed size
# (real documents stay under 20:1; XML full of repeats reaches 100:1, zip bombs reach 1000:1 or more).
OFFICE_UNPACKED_MAX_BYTES = 200 * 1024 * 1024
OFFICE_MAX_RATIO = 100
OFFICE_MAX_PARTS = 5000
CONTENT_TYPES_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class AttachmentKind:
    mime: str
    label: str  # what it is, in words for messages: "JPEG", "PDF", "DOCX", "text"


def attachment_kind(*, name: str, content: bytes) -> AttachmentKind:
    """What the file is, when it is on the allow-list and its structure holds; ApplicationError otherwise."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if MARKUP.search(content[:SNIFF_BYTES]):
        raise ApplicationError(
            _("%(name)s contains web page code (HTML or script) and is refused, whatever its type.") % {"name": name}
        )
    if content[:4] == b"PK\x03\x04" or suffix in OFFICE:
        return _office(name=name, suffix=suffix, content=content)
    kind = filetype.guess(content)
    if kind is not None and kind.extension in IMAGES:
        return _image(name=name, suffix=suffix, content=content, detected=kind.extension)
    if kind is not None and kind.extension == "pdf":
        _named_as(name=name, suffix=suffix, allowed={"pdf"}, label="PDF")
        _pdf_check(name=name, content=content)
        return AttachmentKind(PDF_MIME, "PDF")
    if kind is None and suffix in TEXT_SUFFIXES:
        return _text(name=name, content=content)
    raise ApplicationError(
        _("%(name)s is not an image, PDF, Office document or plain text (its content was checked).") % {"name": name}
    )


def _named_as(*, name: str, suffix: str, allowed: set[str], label: str) -> None:
    if suffix not in allowed:
        raise ApplicationError(
            _("%(name)s is named like a .%(suffix)s file but contains %(kind)s.")
            % {"name": name, "suffix": suffix or "?", "kind": label}
        )


def _image(*, name: str, suffix: str, content: bytes, detected: str) -> AttachmentKind:
    names, mime, pillow_format = IMAGES[detected]
    _named_as(name=name, suffix=suffix, allowed=names, label=pillow_format)
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is in requirements.txt; the magic check stands alone
        return AttachmentKind(mime, pillow_format)
    broken = ApplicationError(_("%(name)s is not a readable %(kind)s image.") % {"name": name, "kind": pillow_format})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                opened_as = image.format
                image.verify()
    except Image.DecompressionBombError as error:
        raise broken from error
    except Exception as error:  # noqa: BLE001 - Pillow raises many kinds for a broken file; all mean "refuse"
        raise broken from error
    if opened_as != pillow_format:
        raise broken
    return AttachmentKind(mime, pillow_format)


def _pdf_names(data: bytes) -> set[bytes]:
    names = set()
    for match in PDF_NAME.finditer(data):
        raw = match.group(1)
        if b"#" in raw:
            raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
        names.add(raw)
    return names


def _pdf_check(*, name: str, content: bytes) -> None:
    if b"%%EOF" not in content[-2048:]:
        raise ApplicationError(_("%(name)s is not a complete PDF document.") % {"name": name})
    names = _pdf_names(content)
    # Object streams (PDF 1.5) keep dictionaries compressed: look inside every stream that inflates.
    budget = PDF_INFLATE_MAX_BYTES
    for stream in PDF_STREAM.finditer(content):
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(stream.group(1), budget)
        except zlib.error:
            continue  # not Flate-compressed (an image, a font): no dictionaries in there
        if inflater.unconsumed_tail:
            raise ApplicationError(_("%(name)s unpacks to too much data to be checked.") % {"name": name})
        budget -= len(inflated)
        names |= _pdf_names(inflated)
    if names & PDF_ACTIVE_NAMES:
        raise ApplicationError(
            _(
                "%(name)s contains JavaScript, an embedded file or an action that starts a program; PDFs with active content are refused."
            )
            % {"name": name}
        )


def _office(*, name: str, suffix: str, content: bytes) -> AttachmentKind:
    if suffix not in OFFICE:
        raise ApplicationError(
            _(
                "%(name)s is a ZIP archive; only Word, Excel and PowerPoint documents (.docx, .xlsx, .pptx) are accepted."
            )
            % {"name": name}
        )
    main_part, mime = OFFICE[suffix]
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ApplicationError(_("%(name)s is not a readable Office document.") % {"name": name}) from error
    too_big = ApplicationError(
        _("%(name)s would unpack to far more data than a document holds (a ZIP bomb) and is refused.") % {"name": name}
    )
    if len(parts) > OFFICE_MAX_PARTS or sum(part.file_size for part in parts) > OFFICE_UNPACKED_MAX_BYTES:
        raise too_big
    for part in parts:
        if part.file_size > OFFICE_MAX_RATIO * max(part.compress_size, 1) and part.file_size > 1024 * 1024:
            raise too_big
        if part.filename.startswith("/") or ".." in part.filename.split("/"):
            raise ApplicationError(_("%(name)s is not a readable Office document.") % {"name": name})
    listed = {part.filename for part in parts}
    if "[Content_Types].xml" not in listed:
        raise ApplicationError(
            _("%(name)s lacks the parts list ([Content_Types].xml) every Office document has.") % {"name": name}
        )
    if main_part not in listed:
        raise ApplicationError(
            _("%(name)s is named like a .%(suffix)s file but its content is not one.")
            % {"name": name, "suffix": suffix}
        )
    content_types = archive.getinfo("[Content_Types].xml")
    if content_types.file_size > CONTENT_TYPES_MAX_BYTES:
        raise too_big
    try:
        declared = archive.read(content_types).lower()
    except (zipfile.BadZipFile, zlib.error, OSError) as error:
        raise ApplicationError(_("%(name)s is not a readable Office document.") % {"name": name}) from error
    if (
        b"macroenabled" in declared
        or b"vbaproject" in declared
        or any(p.lower().endswith(".bin") and "vba" in p.lower() for p in listed)
    ):
        raise ApplicationError(_("%(name)s contains macros; documents with macros are refused.") % {"name": name})
    return AttachmentKind(mime, suffix.upper())


def _text(*, name: str, content: bytes) -> AttachmentKind:
    if b"\x00" in content:
        raise ApplicationError(_("%(name)s is not plain text.") % {"name": name})
    for encoding, charset in (("utf-8-sig", "utf-8"), ("gb18030", "gb18030")):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if re.search(r"[\x01-\x08\x0b\x0e-\x1f\x7f]", text):
            break
        return AttachmentKind(f"text/plain; charset={charset}", "text")
    raise ApplicationError(_("%(name)s is not plain text.") % {"name": name})
