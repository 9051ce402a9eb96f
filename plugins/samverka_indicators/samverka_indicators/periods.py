"""Periods as DHIS2 writes them: a year ``2024``, a quarter ``2024Q1``, a month ``202401``."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from samverka.toolkit import ValidationError

PERIOD = re.compile(r"^(?P<year>(19|20)\d\d)(?:Q(?P<q>[1-4])|(?P<m>0[1-9]|1[0-2]))?$")


def check_period(text: str) -> str:
    """``text`` stripped if it is a valid period, else a ValidationError."""
    period = (text or "").strip()
    if not PERIOD.match(period):
        raise ValidationError(
            _l(
                "The period %(period)s is not a year (2024), quarter (2024Q1) or month (202401).",
                period=period[:20],
            ),
            "period",
        )
    return period


def kind(period: str) -> str:
    """``"year"``, ``"quarter"`` or ``"month"``."""
    if len(period) == 4:
        return "year"
    return "quarter" if "Q" in period else "month"


def years_back(year: str, count: int) -> list[str]:
    """``count`` years ending with ``year`` (for multi-year averages), oldest first."""
    end = int(year[:4])
    return [str(y) for y in range(end - count + 1, end + 1)]


def between(start: str, end: str) -> list[str]:
    """The periods of ``start``'s kind from ``start`` to ``end`` (inclusive), oldest first;
    ``end`` is read as the last period of its year when it is a year and ``start`` is not."""
    ordinal, back = _codec(kind(start))
    first = ordinal(start)
    last = ordinal(end if kind(end) == kind(start) else _last_of_year(end, kind(start)))
    return [back(n) for n in range(first, last + 1)]


def _last_of_year(period: str, wanted: str) -> str:
    year = period[:4]
    return {"year": year, "quarter": f"{year}Q4", "month": f"{year}12"}[wanted]


def _codec(which: str):
    """(period → ordinal, ordinal → period) for periods of one kind."""
    if which == "year":
        return (lambda p: int(p)), (lambda n: str(n))
    if which == "quarter":
        return (
            lambda p: int(p[:4]) * 4 + int(p[5]) - 1,
            lambda n: f"{n // 4}Q{n % 4 + 1}",
        )
    return (
        lambda p: int(p[:4]) * 12 + int(p[4:6]) - 1,
        lambda n: f"{n // 12}{n % 12 + 1:02d}",
    )
