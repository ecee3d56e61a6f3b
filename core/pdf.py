"""PDF documents in English and Chinese (fpdf2), the same for every report (the 8D report today; the
analysis report and the evidence pack next).

    pdf = pdf_document(title="8D C-2026-0001", footer_text="8D C-2026-0001", language="zh-hans")
    pdf.add_page()
    pdf.set_font(FONT_FAMILY, size=10)
    pdf.multi_cell(0, 6, "上海精工机械有限公司")
    content = bytes(pdf.output())

`pdf_document` returns a `PdfDocument` (an `FPDF`) with the Chinese fonts registered: the first font
found is the document's `FONT_FAMILY`, the others are fallbacks for the characters it lacks (a rare
character such as 䶮 is missing from WenQuanYi but present in Noto CJK). fpdf2 embeds a subset of every
font it uses, so the PDF reads the same on a machine without Chinese fonts. Subclass `PdfDocument` and
override `header()` or `footer()` for another layout; the default footer prints `footer_text` and the
page number.

Fonts are looked up once per process: settings.PDF_FONT if set, then the Debian packages
`fonts-wqy-microhei` and `fonts-noto-cjk`. Noto's collection (.ttc) holds one face per CJK locale and
its first face is the Japanese one, whose glyphs differ from the Chinese forms; the Simplified Chinese
face is chosen by its name (`chinese_face_index`). Without any font `pdf_document` raises
ApplicationError (the callers' HTML pages still print).
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from fpdf import FPDF

from .exceptions import ApplicationError
from .i18n import is_chinese

FONT_FAMILY = "cjk"


def _packaged_font() -> str:
    """WenQuanYi Micro Hei from the pinned PyPI package paperang-p2-fonts-cjk, so `make run` on a
    machine without Chinese system fonts still writes readable PDFs and charts."""
    spec = importlib.util.find_spec("paperang_p2_fonts_cjk")
    if spec is None or not spec.submodule_search_locations:
        return ""
    return str(Path(next(iter(spec.submodule_search_locations))) / "fonts" / "wqy-microhei.ttc")


FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    _packaged_font(),
)
# How a collection names its faces for other locales than Simplified Chinese, and monospaced faces.
_OTHER_LOCALE_MARKERS = (" JP", " KR", " K ", " TC", " HK", "Japanese", "Korean", "Traditional", "Mono")
_SIMPLIFIED_MARKERS = (" SC", " GB", "Simplified")
TEXT_COLOUR = (27, 39, 51)
MUTED_COLOUR = (120, 130, 140)


@dataclass(frozen=True)
class Font:
    path: Path
    face: int  # the face's index in a collection (.ttc); 0 for a single font file


def chinese_face_index(families: Sequence[str]) -> int:
    """The face of a font collection to use for Simplified Chinese, given each face's family name in
    the collection's order: the one named for Simplified Chinese (Noto's "... CJK SC"), else the first
    that is neither monospaced nor named for another locale, else the first."""
    padded = [f" {family} " for family in families]
    for index, family in enumerate(padded):
        if any(marker in family for marker in _SIMPLIFIED_MARKERS):
            return index
    for index, family in enumerate(padded):
        if not any(marker in family for marker in _OTHER_LOCALE_MARKERS):
            return index
    return 0


def _face_families(path: Path) -> list[str]:
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() not in (".ttc", ".otc"):
        return [str(TTFont(path, lazy=True)["name"].getDebugName(1) or "")]
    collection = TTCollection(path, lazy=True)
    try:
        return [str(font["name"].getDebugName(16) or font["name"].getDebugName(1) or "") for font in collection]
    finally:
        collection.close()


@functools.cache
def _fonts_found(candidates: tuple[str, ...]) -> tuple[Font, ...]:
    fonts = []
    for candidate in dict.fromkeys(candidates):  # once each, in order
        path = Path(candidate)
        if candidate and path.is_file():
            fonts.append(Font(path=path, face=chinese_face_index(_face_families(path))))
    return tuple(fonts)


def cjk_fonts() -> tuple[Font, ...]:
    """The Chinese fonts on this machine, preferred first (settings.PDF_FONT, then FONT_CANDIDATES)."""
    return _fonts_found((settings.PDF_FONT, *FONT_CANDIDATES))


class PdfDocument(FPDF):
    """An A4 page with the Chinese fonts registered; `footer_text` and the page number at the foot."""

    footer_text = ""

    def footer(self) -> None:
        if not self.footer_text:
            return
        self.set_y(-12)
        self.set_font(FONT_FAMILY, size=8)
        self.set_text_color(*MUTED_COLOUR)
        self.cell(0, 8, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")


def pdf_document(
    *,
    title: str = "",
    footer_text: str = "",
    language: str | None = None,
    document_class: type[PdfDocument] = PdfDocument,
) -> PdfDocument:
    """A new document (A4, 18 mm margins, page breaks 18 mm from the foot) with `FONT_FAMILY` set at
    10 pt. `language` (by default the active one) is recorded in the PDF for screen readers. Raises
    ApplicationError when no Chinese font is installed."""
    fonts = cjk_fonts()
    if not fonts:
        raise ApplicationError(_("No Chinese font is installed for PDF reports; print the report page instead."))
    pdf = document_class(format="A4")
    pdf.footer_text = footer_text
    if title:
        pdf.set_title(title)
    pdf.set_lang("zh-CN" if is_chinese(language) else "en")
    fallbacks = []
    for number, font in enumerate(fonts):
        family = FONT_FAMILY if number == 0 else f"{FONT_FAMILY}-fallback-{number}"
        pdf.add_font(family, fname=str(font.path), collection_font_number=font.face)
        if number:
            fallbacks.append(family)
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_font(FONT_FAMILY, size=10)
    pdf.set_text_color(*TEXT_COLOUR)
    return pdf
