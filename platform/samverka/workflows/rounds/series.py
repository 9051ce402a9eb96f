"""The reporting rounds' counts as countable series for the indicators (hook
``publish_series``): one series per category, code ``core.rounds.<category key>``.

Periods. A round is monthly, fortnightly or weekly (:data:`rounds.CADENCES`; there is no
quarterly cadence), so its counts go to the **month of its ``period_start``** (``202401``):
the finest period the indicators know that every cadence fits into. Counting a round in
exactly one month (the one it starts in, also for a week that runs into the next month)
keeps every report counted once. Years and quarters are left to the indicators, which roll
a year up from twelve months and only from twelve: a year still under way, or with a month
nobody reported in, has no yearly count (publishing our own partial sum would pass a
missing month off as a 0).

Whose counts. Only reports in rounds *owned* by the tenant count (``round_tenant_id`` and the
round's ``tenant_id`` are the tenant's): a partner that reports in a neighbour's round reads
its own reports, but those counts belong to the neighbour's picture, not to the partner's.

A round counts once it has a report: every category of such a round gets a value (0 when no
unit reported it, which is a real zero), while a round nobody reported in says nothing yet.
Open rounds count too, so the figures grow as reports arrive; the sync stores by period and
is idempotent, so a later sync replaces them.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka.plugins.manifest import PublishedSeries
from samverka.tenants.models import Tenant
from samverka.workflows.rounds.models import ReportingRound, RoundReport

PREFIX = "core.rounds."
MAX_CODE = 40
#: Characters of a code an indicator expression can refer to (``#{code}``).
CODE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
HASH_LENGTH = 6
UNIT = "antal"


@dataclass
class RoundCounts:
    """What one round contributes: its period start, categories, how many reports it has
    and their lines."""

    period_start: date
    categories: list[tuple[str, str]]
    reports: int = 0
    lines: list[dict] = field(default_factory=list)


def series_code(key: str) -> str:
    """``core.rounds.<key>``, at most 40 characters of the letters expressions accept.

    A key that fits and needs no change is used as it is (readable codes for the EST
    categories). Otherwise (a long key, or a municipality's own key with å, ä, ö, which
    ``add_category`` keeps) the key is folded to ASCII, cut, and given a short hash of the
    *original* key, so two keys that fold or cut alike still get different codes, and the
    same key always the same code."""
    plain = PREFIX + key
    if len(plain) <= MAX_CODE and set(key) <= CODE_CHARS:
        return plain
    folded = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode("ascii")
    safe = "".join(c if c in CODE_CHARS else "_" for c in folded)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:HASH_LENGTH]
    room = MAX_CODE - len(PREFIX) - 1 - HASH_LENGTH
    return f"{PREFIX}{safe[:room]}_{digest}"


def sum_rounds(rounds_: Iterable[RoundCounts]) -> list[PublishedSeries]:
    """The series of ``rounds_`` (pure: no database), sorted by code.

    The label of a category is the one of the latest round listing it (rounds keep the
    labels they were opened with, in the opener's language)."""
    values: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    labels: dict[str, tuple[date, str]] = {}
    for round_ in rounds_:
        if not round_.reports:
            continue
        month = round_.period_start.strftime("%Y%m")
        for key, label in round_.categories:
            if key not in labels or labels[key][0] <= round_.period_start:
                labels[key] = (round_.period_start, label)
            values[key][month] += 0.0
        for line in round_.lines:
            key, count = str(line.get("category", "")), line.get("count") or 0
            if not key:
                continue
            labels.setdefault(key, (date.min, key))
            values[key][month] += float(count)
    found = [
        PublishedSeries(series_code(key), labels[key][1], UNIT, dict(sorted(per.items())))
        for key, per in values.items()
    ]
    return sorted(found, key=lambda s: s.code)


def round_series(session: Session, tenant: Tenant) -> list[PublishedSeries]:
    """The series of ``tenant``'s own rounds, read in the session's (the tenant's) scope."""
    rows = session.execute(
        select(
            ReportingRound.id,
            ReportingRound.period_start,
            ReportingRound.categories,
            RoundReport.lines,
        )
        .join(RoundReport, RoundReport.round_id == ReportingRound.id)
        .where(ReportingRound.tenant_id == tenant.id, RoundReport.round_tenant_id == tenant.id)
        .order_by(ReportingRound.id, RoundReport.id)
    ).all()
    by_round: dict[int, RoundCounts] = {}
    for round_id, start, categories, lines in rows:
        counts = by_round.setdefault(
            round_id,
            RoundCounts(start, [(str(k), str(label)) for k, label in categories or []]),
        )
        counts.reports += 1
        counts.lines.extend(line for line in lines or [] if isinstance(line, dict))
    return sum_rounds(by_round.values())
