"""The analysis report's sections as a PDF (core.pdf: fonts registered and embedded there)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from fpdf.fonts import FontFace

from core.pdf import FONT_FAMILY, MUTED_COLOUR, pdf_document

from .content import Section, Table, cells

HEADING_COLOUR = (0, 90, 156)
HEADER_FILL = (226, 234, 242)
CHART_WIDTH_MM = 165


def _table(pdf, table: Table) -> None:
    pdf.set_font(FONT_FAMILY, size=8)
    if not table.rows:
        pdf.set_text_color(*MUTED_COLOUR)
        pdf.multi_cell(0, 5, "—", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        return
    with pdf.table(
        line_height=5,
        text_align="LEFT",
        first_row_as_headings=True,
        headings_style=FontFace(emphasis=None, fill_color=HEADER_FILL),
    ) as grid:
        header = grid.row()
        for heading in table.headers:
            header.cell(str(heading))
        for row in table.rows:
            line = grid.row()
            for text in cells(row):
                line.cell(text)
    pdf.ln(3)


def _heading(pdf, text: str, size: int = 14) -> None:
    pdf.set_font(FONT_FAMILY, size=size)
    pdf.set_text_color(*HEADING_COLOUR)
    pdf.start_section(text)
    pdf.multi_cell(0, size * 0.6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT_FAMILY, size=10)


def report_pdf(*, sections: Sequence[Section], title: str, footer_text: str, language: str) -> bytes:
    pdf = pdf_document(title=title, footer_text=footer_text, language=language)
    first, *rest = sections
    pdf.add_page()
    pdf.ln(40)
    _heading(pdf, first.title, size=22)
    for line in first.paragraphs:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    for section in rest:
        pdf.add_page()
        _heading(pdf, section.title)
        for paragraph in section.paragraphs:
            pdf.multi_cell(0, 5.5, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        for png in section.charts:
            pdf.image(io.BytesIO(png), w=CHART_WIDTH_MM)
            pdf.ln(2)
        for table in section.tables:
            _table(pdf, table)
    return bytes(pdf.output())
