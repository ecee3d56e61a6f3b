"""The pack's readable documents (index, method) as one structure, written twice: as HTML (links to
the pack's files) and as PDF (core.pdf: the Chinese fonts embedded). Text is already translated and
pseudonymised when it gets here."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from fpdf.fonts import FontFace

from core.pdf import FONT_FAMILY, pdf_document

BRAND = (15, 92, 140)
MUTED = (110, 120, 130)
WARNING = (160, 60, 20)
# The Chinese fonts have no bold face: headings are told apart by colour.
HEADINGS = FontFace(emphasis="", color=BRAND, fill_color=(238, 243, 247))


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Item:
    """One line of a list: text, optionally a link (a file of the pack), optionally marked as a gap."""

    text: str
    href: str = ""
    gap: bool = False


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    preformatted: str = ""
    level: int = 2


@dataclass
class Document:
    title: str
    subtitle: str
    language: str
    sections: list[Section] = field(default_factory=list)


def document_html(document: Document) -> bytes:
    return render_to_string("evidence/pack/document.html", {"document": document}).encode("utf-8")


def document_pdf(document: Document) -> bytes:
    pdf = pdf_document(title=document.title, footer_text=document.title, language=document.language)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def write(text: str, *, size: float = 10, colour=(27, 39, 51), height: float = 5.5) -> None:
        pdf.set_font(FONT_FAMILY, size=size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT")

    write(document.title, size=17, height=9)
    write(document.subtitle, colour=MUTED)
    for section in document.sections:
        pdf.ln(3)
        write(section.heading, size=13 if section.level == 2 else 11, colour=BRAND, height=7)
        for paragraph in section.paragraphs:
            write(paragraph)
        for item in section.items:
            write(
                f"• {item.text}" + (f"  [{item.href}]" if item.href else ""),
                colour=WARNING if item.gap else (27, 39, 51),
            )
        for table in section.tables:
            pdf.ln(1)
            pdf.set_font(FONT_FAMILY, size=8)
            pdf.set_text_color(27, 39, 51)
            with pdf.table(text_align="LEFT", line_height=4.5, headings_style=HEADINGS) as grid:
                for row in [table.header, *table.rows]:
                    cells = grid.row()
                    for value in row:
                        cells.cell(str(value))
        if section.preformatted:
            pdf.set_font(FONT_FAMILY, size=8)
            pdf.set_text_color(27, 39, 51)
            pdf.multi_cell(width, 4, section.preformatted, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
