"""CSV for Swedish Excel: UTF-8 with a BOM, semicolons, decimal commas, no live formulas.

Swedish Excel opens a double-clicked CSV with the list separator of the Swedish locale,
``;`` (the comma is the decimal sign there), and reads it as UTF-8 only when the file starts
with a byte-order mark; without one å, ä and ö turn into mojibake. Dates are ISO 8601, which
Excel recognises in every locale.

CSV injection: a text cell that starts with ``= + - @``, a tab or a carriage return would be
read as a formula (``=HYPERLINK(...)``, ``=cmd|...``); it is prefixed with ``'`` so Excel
shows it as text. Numbers come from typed columns, so a negative number stays a number.
"""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any, BinaryIO

from samverka.exports.tabular import Column, Kind, Progress, ProgressCallback, Table

DELIMITER = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MEDIA_TYPE = "text/csv; charset=utf-8"


def write_csv(table: Table, out: BinaryIO, *, on_progress: ProgressCallback | None = None) -> int:
    """Write ``table`` to the binary file ``out``; returns the number of data rows."""
    out.write(codecs.BOM_UTF8)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text, delimiter=DELIMITER, lineterminator="\r\n")
        writer.writerow([neutralise(c.label) for c in table.columns])
        progress = Progress(on_progress, table.total)
        for row in table.iter_rows():
            writer.writerow([cell_text(c, row.get(c.key), table) for c in table.columns])
            progress.step()
        progress.finish()
    finally:
        text.detach()  # leave ``out`` open for the caller
    return progress.done


def neutralise(value: str) -> str:
    """Text that Excel would evaluate as a formula, made inert."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cell_text(column: Column, value: Any, table: Table) -> str:
    """One cell as Swedish Excel reads it back."""
    if value is None:
        return ""
    kind = column.kind
    if kind is Kind.BOOLEAN:
        return table.true_label if value else table.false_label
    if kind is Kind.INTEGER and isinstance(value, int):
        return str(value)
    if kind is Kind.DECIMAL and isinstance(value, (int, float, Decimal)):
        return str(value).replace(".", ",")
    if kind is Kind.DATETIME and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if kind in (Kind.DATE, Kind.DATETIME) and isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))
