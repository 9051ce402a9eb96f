"""Imports of values: CSV/XLSX tables (the plugin's own columns, or Brå's files through a
configurable column mapping) and the Kolada API. Every import checks all rows first, keeps
row-level errors, and stores a period only if none of its rows has an error (never half a
period); values are upserted, so a re-run stores nothing twice."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

import requests
from flask_babel import lazy_gettext as _l

from samverka.toolkit import ValidationError, report_progress

from .models import COUNTED, GENDERS, STATUSES
from .periods import check_period
from .services import Counts, ValueRow, upsert_values, visible_elements

COLUMNS = ("municipality", "element", "period", "gender", "value", "status")
REQUIRED = ("municipality", "element", "period", "value")
MAX_ROWS = 200_000
KOLADA_MAX_PAGES = 1000


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class Checked:
    """Rows by period, row errors, and rows skipped on purpose (other municipalities)."""

    by_period: dict[str, list[ValueRow]] = field(default_factory=lambda: defaultdict(list))
    errors: list[RowError] = field(default_factory=list)
    bad_periods: set[str] = field(default_factory=set)
    skipped: int = 0

    def error(self, line: int, message, period: str | None = None) -> None:
        self.errors.append(RowError(line, str(message)))
        if period:
            self.bad_periods.add(period)

    @property
    def good(self) -> dict[str, list[ValueRow]]:
        return {p: rows for p, rows in self.by_period.items() if p not in self.bad_periods}


def read_table(kind: str, content: bytes) -> list[list[str]]:
    """The file's rows as strings (header first); CSV with ``;`` or ``,``, or XLSX's first
    sheet."""
    if kind.endswith("xlsx"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # a zip that isn't a workbook, a broken file
            raise ValidationError(_l("The file is not an XLSX workbook.")) from error
        sheet = book.worksheets[0]
        rows = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
        book.close()
        return rows
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(row)]


def _number(text: str) -> float:
    cleaned = re.sub(r"[\s\u00a0]", "", str(text)).replace(",", ".")
    return float(cleaned)


def check_rows(session, tenant, table: list[list[str]]) -> Checked:
    """The plugin's own format: columns ``municipality, element, period, value`` and
    optionally ``gender`` (T/K/M) and ``status``."""
    checked = Checked()
    if not table:
        checked.error(1, _l("The file is empty."))
        return checked
    header = [h.strip().lower() for h in table[0]]
    for name in header:
        if name not in COLUMNS:
            checked.error(
                1,
                _l(
                    "Unknown column %(name)s; expected %(columns)s.",
                    name=name[:40],
                    columns=", ".join(COLUMNS),
                ),
            )
    for name in REQUIRED:
        if name not in header:
            checked.error(1, _l("The column %(name)s is missing.", name=name))
    if checked.errors:
        return checked
    elements = visible_elements(session, tenant)
    for line, row in enumerate(table[1 : MAX_ROWS + 1], start=2):
        record = dict(zip(header, (c.strip() for c in row), strict=False))
        _check_row(checked, tenant, elements, line, record)
    return checked


def _check_row(checked: Checked, tenant, elements, line: int, record: dict) -> None:
    period = record.get("period", "")
    try:
        period = check_period(period)
    except ValidationError as error:
        checked.error(line, error)
        return
    code = record.get("municipality", "")
    if code != tenant.municipality_code:
        checked.error(
            line,
            _l(
                "Unknown municipality code %(code)s (this organisation: %(own)s).",
                code=code[:10],
                own=tenant.municipality_code or "-",
            ),
            period,
        )
        return
    element = elements.get(record.get("element", ""))
    if element is None:
        checked.error(
            line, _l("Unknown data element %(code)s.", code=record.get("element", "")[:40]), period
        )
        return
    gender = record.get("gender") or "T"
    status = (record.get("status") or "final").lower()
    if gender not in GENDERS or status not in STATUSES:
        checked.error(
            line,
            _l(
                "Gender must be T, K or M and status one of %(statuses)s.",
                statuses=", ".join(STATUSES),
            ),
            period,
        )
        return
    value = None
    if status in COUNTED:
        try:
            value = _number(record.get("value", ""))
        except ValueError:
            checked.error(
                line,
                _l("The value %(value)s is not a number.", value=record.get("value", "")[:20]),
                period,
            )
            return
    checked.by_period[period].append(ValueRow(element.id, period, gender, value, status))


def check_bra(session, tenant, table: list[list[str]], mapping: dict) -> Checked:
    """Brå's reported-crime files: ``mapping`` names the columns (``municipality``,
    ``period``, ``value``, ``category``) and maps categories to data element codes
    (``elements``); rows of other municipalities and unmapped categories are skipped."""
    checked = Checked()
    header = [h.strip() for h in (table[0] if table else [])]
    needed = {k: mapping.get(k, "") for k in ("municipality", "period", "value", "category")}
    for key, column in needed.items():
        if column not in header:
            checked.error(1, _l("The column %(name)s is missing.", name=column or key))
    if checked.errors:
        return checked
    elements = visible_elements(session, tenant)
    codes = mapping.get("elements", {})
    for line, row in enumerate(table[1 : MAX_ROWS + 1], start=2):
        record = dict(zip(header, (str(c).strip() for c in row), strict=False))
        found = re.match(r"\d{4}", record[needed["municipality"]])
        category = record[needed["category"]]
        if found is None:
            checked.error(
                line,
                _l(
                    "Unknown municipality code %(code)s (this organisation: %(own)s).",
                    code=record[needed["municipality"]][:10],
                    own=tenant.municipality_code or "-",
                ),
            )
            continue
        if found.group(0) != tenant.municipality_code or category not in codes:
            checked.skipped += 1
            continue
        _check_row(
            checked,
            tenant,
            elements,
            line,
            {
                "municipality": found.group(0),
                "element": codes[category],
                "period": record[needed["period"]],
                "value": record[needed["value"]],
            },
        )
    return checked


def store(session, tenant_id: int, checked: Checked) -> Counts:
    """Upsert the periods without errors, one by one with progress, then refresh the
    years and quarters rolled up from them once."""
    from .rollups import refresh_roll_ups

    good = checked.good
    total = Counts()
    # SQLite has one writer: progress (its own transaction) only before the first write
    live = session.get_bind().dialect.name != "sqlite"
    report_progress(0, len(good), "Importing values")
    for done, period in enumerate(sorted(good), start=1):
        counts = upsert_values(session, tenant_id, good[period], roll_ups=False)
        total.inserted += counts.inserted
        total.updated += counts.updated
        total.unchanged += counts.unchanged
        if live:
            report_progress(done, len(good), "Importing values")
    refresh_roll_ups(session, tenant_id, [row for rows in good.values() for row in rows])
    return total


# --- Kolada ----------------------------------------------------------------------------


def kolada_url(base_url: str, kpis: list[str], municipality: str, years: list[str]) -> str:
    return (
        f"{base_url.rstrip('/')}/data/kpi/{','.join(kpis)}/municipality/{municipality}"
        f"/year/{','.join(years)}"
    )


def fetch_kolada(url: str, timeout: float = 30.0) -> list[dict]:
    """Every data object of a Kolada answer, following ``next_page``/``next_url``; an
    answer that is not JSON (or not Kolada's shape) is a ValidationError."""
    objects, seen = [], set()
    while url and url not in seen and len(seen) < KOLADA_MAX_PAGES:
        seen.add(url)
        response = requests.get(url, timeout=timeout)
        try:
            page = response.json()
            values = page["values"]
            assert isinstance(values, list)
        except (ValueError, KeyError, TypeError, AssertionError) as error:
            raise ValidationError(
                _l(
                    "The Kolada answer (HTTP %(status)s) is not Kolada's JSON.",
                    status=response.status_code,
                )
            ) from error
        objects.extend(values)
        url = page.get("next_page") or page.get("next_url")
    return objects


KOLADA_STATUS = {
    "": "final",
    "preliminary": "preliminary",
    "missing": "missing",
    "secret": "secret",
    "sekretess": "secret",
    "s": "secret",
    "p": "preliminary",
}


def check_kolada(session, tenant, objects: list[dict]) -> Checked:
    """Kolada data objects ``{kpi, municipality, period, values: [{gender, value, count,
    status}]}`` to rows (the data element's code is the KPI id)."""
    checked = Checked()
    elements = visible_elements(session, tenant)
    for number, item in enumerate(objects, start=1):
        for entry in item.get("values") or []:
            status = KOLADA_STATUS.get(str(entry.get("status") or "").lower(), "final")
            value = entry.get("value")
            if value is None and status in COUNTED:
                status = "missing"
            _check_row(
                checked,
                tenant,
                elements,
                number,
                {
                    "municipality": str(item.get("municipality", "")),
                    "element": str(item.get("kpi", "")),
                    "period": str(item.get("period", "")),
                    "gender": str(entry.get("gender") or "T"),
                    "status": status,
                    "value": "" if value is None else str(value),
                },
            )
    return checked


def report(checked: Checked, counts: Counts) -> str:
    """A JSON summary kept on the batch (errors by line, what was stored)."""
    return json.dumps(
        {
            "inserted": counts.inserted,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "skipped": checked.skipped,
            "rejected_periods": sorted(checked.bad_periods),
            "errors": [[e.line, e.message] for e in checked.errors[:200]],
        }
    )
