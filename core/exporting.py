"""Downloading rows as a file: CSV streamed (with a BOM, so Excel opens UTF-8 Chinese text
correctly) or XLSX written row by row to a temporary file. The callers make the rows (and
neutralise formula cells); this only writes them."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator

from django.http import FileResponse, StreamingHttpResponse


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow(row)


def rows_file_response(rows: Iterable[list], *, filename: str, file_format: str, sheet: str):
    """A download of `rows` (the header first) as `file_format` ("csv" or "xlsx")."""
    if file_format == "csv":
        response = StreamingHttpResponse(_csv_stream(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    for row in rows:
        worksheet.append(row)
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
