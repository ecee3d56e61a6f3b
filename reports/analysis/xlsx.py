"""The analysis report's tables as an XLSX: one sheet per table, numbers as numbers, text neutralised
(core.exporting) so a cell never runs as a formula."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

from core.exporting import neutralise

from .content import Section


def _cell(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    return neutralise(str(value))


def report_xlsx(*, sections: Sequence[Section]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for section in sections:
        for table in section.tables:
            sheet = workbook.create_sheet(title=table.name[:31])
            sheet.append([neutralise(section.title)])
            sheet.append([neutralise(str(h)) for h in table.headers])
            for row in table.rows:
                sheet.append([_cell(value) for value in row])
    if not workbook.sheetnames:
        workbook.create_sheet(title="report")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
