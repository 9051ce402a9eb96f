"""XLSX with typed cells, written row by row in constant memory (xlsxwriter).

``constant_memory`` flushes each row to a temporary file as soon as the next row starts, so
a table of a million rows costs the memory of one. Text is always written as a string,
never as a formula, so a cell starting with ``=`` stays inert (unlike CSV, no prefix is
needed). Column widths follow the longest value seen (capped), set when the rows are done.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, BinaryIO

import xlsxwriter

from samverka.exports.tabular import Column, Kind, Progress, ProgressCallback, Table, default_width

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_WIDTH = 60
MAX_CELL = 32_767  # Excel's limit for one cell's text
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def write_xlsx(table: Table, out: BinaryIO, *, on_progress: ProgressCallback | None = None) -> int:
    """Write ``table`` to ``out`` (seekable binary file); returns the number of data rows."""
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    try:
        formats = _formats(workbook)
        sheet = workbook.add_worksheet(sheet_title(table.title))
        widths = [default_width(c) for c in table.columns]
        for col, column in enumerate(table.columns):
            sheet.write_string(0, col, column.label, formats["header"])
        sheet.freeze_panes(1, 0)
        progress = Progress(on_progress, table.total)
        for row_number, row in enumerate(table.iter_rows(), start=1):
            for col, column in enumerate(table.columns):
                shown = _write(sheet, row_number, col, column, row.get(column.key), formats, table)
                widths[col] = max(widths[col], min(shown + 2, MAX_WIDTH))
            progress.step()
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        workbook.set_properties({"title": table.title})
    finally:
        workbook.close()
    progress.finish()
    return progress.done


def sheet_title(title: str) -> str:
    """Excel refuses ``[]:*?/\\`` and names over 31 characters."""
    cleaned = SHEET_TITLE_FORBIDDEN.sub(" ", title).strip("' ") or "Export"
    return cleaned[:31]


def _formats(workbook: Any) -> dict[str, Any]:
    return {
        "header": workbook.add_format({"bold": True, "bottom": 1}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }


def _write(sheet, row: int, col: int, column: Column, value: Any, formats, table: Table) -> int:
    """Write one typed cell; returns the width it needs in characters."""
    if value is None:
        return 0
    kind = column.kind
    if kind in (Kind.INTEGER, Kind.DECIMAL) and isinstance(value, (int, float, Decimal)):
        sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value)
        return len(str(value))
    if kind is Kind.DATETIME and isinstance(value, datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), formats["datetime"])
        return 16
    if kind in (Kind.DATE, Kind.DATETIME) and isinstance(value, date):
        sheet.write_datetime(row, col, value, formats["date"])
        return 10
    if kind is Kind.BOOLEAN:
        text = table.true_label if value else table.false_label
    else:
        text = str(value)[:MAX_CELL]
    sheet.write_string(row, col, text)
    return len(text)
