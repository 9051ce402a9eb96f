"""CSV export of audit entries, safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) would be
read as a formula by Excel or LibreOffice (CSV injection); such cells get a leading ``'``.
Rows are produced one at a time, so an export of any size streams.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from samverka.audit.chain import utc_text
from samverka.audit.models import AuditEntry

COLUMNS = (
    "id",
    "occurred_at",
    "action",
    "outcome",
    "actor_kind",
    "actor_user_id",
    "actor_token_id",
    "actor_label",
    "on_behalf_tenant_id",
    "target_type",
    "target_id",
    "client_address",
    "request_id",
    "details",
    "chain",
    "seq",
    "hash",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def cells(entry: AuditEntry) -> list[str]:
    values = []
    for column in COLUMNS:
        value = getattr(entry, column)
        if column == "occurred_at":
            value = utc_text(value)
        elif column == "details" and value is not None:
            value = json.dumps(value, sort_keys=True, ensure_ascii=False)
        values.append(safe_cell(value))
    return values


def csv_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    """The header, then one line per entry (UTF-8 with a BOM so Excel reads å, ä, ö)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield "\ufeff" + _take(buffer)
    for entry in entries:
        writer.writerow(cells(entry))
        yield _take(buffer)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
