"""Checking an uploaded organisation logo before the survey pages show it.

Allowed: PNG and JPEG (type found from the content, not the file name, and the image must open), and
SVG only when it is plain drawing: no script, no event handler attribute, no external or javascript:
reference, no embedded HTML (foreignObject), no DTD or entity (defusedxml refuses those). The logo is
also served with a Content-Security-Policy that runs nothing, should an SVG be opened on its own.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from core.exceptions import ApplicationError

from .models import LOGO_MAX_BYTES

# SVG elements a logo may use: shapes, text, gradients, groups and their definitions.
SVG_ELEMENTS = frozenset(
    "svg g defs title desc path rect circle ellipse line polyline polygon text tspan "
    "linearGradient radialGradient stop clipPath mask pattern symbol use style metadata".split()
)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _svg_check(content: bytes) -> None:
    import defusedxml.ElementTree as SafeTree
    from defusedxml import DefusedXmlException

    refused = ApplicationError(_("This SVG cannot be used as a logo: it contains scripts, links or embedded content."))
    try:
        root = SafeTree.fromstring(content, forbid_dtd=True)
    except (DefusedXmlException, SafeTree.ParseError):
        raise refused
    if _local(root.tag) != "svg":
        raise ApplicationError(_("The file is not an image in PNG, JPEG or SVG format."))
    for element in root.iter():
        if _local(str(element.tag)) not in SVG_ELEMENTS:
            raise refused
        for attribute, value in element.attrib.items():
            name = _local(attribute).lower()
            text = value.strip().lower()
            if name.startswith("on") or "javascript:" in text or "url(http" in text.replace(" ", ""):
                raise refused
            if name == "href" and not text.startswith("#"):
                raise refused
        if _local(str(element.tag)) == "style" and (
            "@import" in (element.text or "") or "url(" in (element.text or "")
        ):
            raise refused


def logo_checked(content: bytes) -> str:
    """The content type of an acceptable logo, or ApplicationError saying why it is refused."""
    if not content:
        raise ApplicationError(_("Choose an image file."))
    if len(content) > LOGO_MAX_BYTES:
        raise ApplicationError(_("The logo is too large (at most 256 KB)."))
    if content.startswith(b"\x89PNG\r\n\x1a\n") or content.startswith(b"\xff\xd8\xff"):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(content)) as image:
                image.verify()
                kind = image.format
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ApplicationError(_("The image file is damaged."))
        return "image/png" if kind == "PNG" else "image/jpeg"
    head = content[:512].lstrip().lower()
    if head.startswith(b"<?xml") or head.startswith(b"<svg"):
        _svg_check(content)
        return "image/svg+xml"
    raise ApplicationError(_("The file is not an image in PNG, JPEG or SVG format."))
