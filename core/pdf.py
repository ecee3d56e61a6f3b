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
page number. `text_filter` (e.g. the evidence pack's pseudonymiser) is applied to every text a cell
prints, so a document cannot print a value past it.

Fonts are looked up once per process: settings.PDF_FONT if set, then the Debian packages
`fonts-wqy-microhei` and `fonts-noto-cjk` (a font already found under another path, such as the packaged
copy of WenQuanYi, is left out). Noto's collection (.ttc) holds one face per CJK locale and
its first face is the Japanese one, whose glyphs differ from the Chinese forms; the Simplified Chinese
face is chosen by its name (`chinese_face_index`). Without any font `pdf_document` raises
ApplicationError (the callers' HTML pages still print).

Fonts are parsed once per process too (`_font_prototype`): fpdf2's `add_font` reads a CJK font's
30,000-glyph cmap and metrics every time, which cost about 0.4 s per font and PDF here, and the evidence
pack writes many 8D PDFs. Each document gets a copy of the parsed font sharing the read-only metrics, with
its own glyph subset and its own lazily opened font file (fpdf2 subsets that file in place on output).
Fallback fonts are added to a document only when a character needs one, so a document that does not use
Noto CJK does not embed (and subset) it. Measured here (2 shared cores, WenQuanYi and Noto CJK) for a
one-page 8D report: 4.1-4.5 s before, 0.9 s after; what is left is fontTools subsetting each font on
output.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

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
    seen: set[tuple[str, int]] = set()  # (face's family, file size): the same font under another path
    for candidate in dict.fromkeys(candidates):  # once each, in order
        path = Path(candidate)
        if candidate and path.is_file():
            families = _face_families(path)
            face = chinese_face_index(families)
            identity = (families[face] if families else "", path.stat().st_size)
            if identity[0] and identity in seen:
                continue
            seen.add(identity)
            fonts.append(Font(path=path, face=face))
    return tuple(fonts)


@functools.cache
def _font_prototype(path: Path, face: int) -> TTFFont:
    """The font parsed by fpdf2 once per process; documents take copies (`_font_add`)."""
    scratch = FPDF()
    scratch.add_font("prototype", fname=str(path), collection_font_number=face)
    return scratch.fonts["prototype"]


# What each document keeps of its own in a TTFFont; the rest (cmap, widths, glyph ids, descriptor) is
# read-only after parsing and shared.
_PER_DOCUMENT_SLOTS = frozenset({"i", "fontkey", "ttfont", "subset", "missing_glyphs", "biggest_size_pt", "_hbfont"})


def _font_add(pdf: FPDF, family: str, font: Font) -> str:
    """Register `font` in `pdf` as `family` from the parsed prototype, as `FPDF.add_font` would. Returns
    the font key."""
    prototype = _font_prototype(font.path, font.face)
    fontkey = family.lower()
    if fontkey in pdf.fonts:
        return fontkey
    copy = object.__new__(TTFFont)
    for slot in TTFFont.__slots__:
        if slot not in _PER_DOCUMENT_SLOTS and hasattr(prototype, slot):
            setattr(copy, slot, getattr(prototype, slot))
    copy.i = len(pdf.fonts) + 1
    copy.fontkey = fontkey
    copy.ttfont = ttLib.TTFont(font.path, recalcTimestamp=False, fontNumber=font.face, lazy=True)
    copy.missing_glyphs = []
    copy.biggest_size_pt = 0
    copy._hbfont = None
    copy.subset = SubsetMap(copy)
    pdf.fonts[fontkey] = copy
    return fontkey


def cjk_fonts() -> tuple[Font, ...]:
    """The Chinese fonts on this machine, preferred first (settings.PDF_FONT, then FONT_CANDIDATES)."""
    return _fonts_found((settings.PDF_FONT, *FONT_CANDIDATES))


class PdfDocument(FPDF):
    """An A4 page with the Chinese fonts registered; `footer_text` and the page number at the foot."""

    footer_text = ""
    text_filter: Callable[[str], str] | None = None
    # The fallback fonts not yet added to this document, by font key, preferred first.
    lazy_fallbacks: dict[str, Font]

    def clean_text(self, text: str) -> str:
        """`text` as this document prints it (through `text_filter`)."""
        return self.text_filter(text) if self.text_filter is not None and text else text

    def cell(self, w=None, h=None, text="", *args, **kwargs):  # type: ignore[override]
        return super().cell(w, h, self.clean_text(text), *args, **kwargs)

    def multi_cell(self, w, h=None, text="", *args, **kwargs):  # type: ignore[override]
        return super().multi_cell(w, h, self.clean_text(text), *args, **kwargs)

    def get_fallback_font(self, char: str, style: str = "") -> str | None:
        """The first fallback font that has `char`, added to the document on first use."""
        for fontkey, font in self.lazy_fallbacks.items():
            if ord(char) in _font_prototype(font.path, font.face).cmap:
                return _font_add(self, fontkey, font)
        return None

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
    text_filter: Callable[[str], str] | None = None,
) -> PdfDocument:
    """A new document (A4, 18 mm margins, page breaks 18 mm from the foot) with `FONT_FAMILY` set at
    10 pt. `language` (by default the active one) is recorded in the PDF for screen readers. Raises
    ApplicationError when no Chinese font is installed."""
    fonts = cjk_fonts()
    if not fonts:
        raise ApplicationError(_("No Chinese font is installed for PDF reports; print the report page instead."))
    pdf = document_class(format="A4")
    pdf.footer_text = footer_text
    pdf.text_filter = text_filter
    if title:
        pdf.set_title(title)
    pdf.set_lang("zh-CN" if is_chinese(language) else "en")
    _font_add(pdf, FONT_FAMILY, fonts[0])
    pdf.lazy_fallbacks = {f"{FONT_FAMILY}-fallback-{number}": font for number, font in enumerate(fonts[1:], start=1)}
    # fpdf2 looks for fallbacks only when this list is not empty; the fonts are added as needed.
    pdf._fallback_font_ids = list(pdf.lazy_fallbacks)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_font(FONT_FAMILY, size=10)
    pdf.set_text_color(*TEXT_COLOUR)
    return pdf
