"""The platform's one clock: every module asks it for the time, so tests stop and move time
here (``monkeypatch.setattr(samverka.clock, "now", ...)``, the ``frozen_clock`` fixture)
instead of sleeping, and no module can disagree with another about what "now" is.

The bottom layer: it imports nothing of samverka. Times are aware and in UTC (what the
database stores); :func:`today` is the Swedish calendar day (validity, due dates, the date in
an export's name), which differs from the UTC date for an hour or two around midnight.
Callers read ``clock.now()`` through the module at call time, never ``from samverka.clock
import now``: a copied reference would not see a test's frozen clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def now() -> datetime:
    """The current moment, aware, in UTC."""
    return datetime.now(UTC)


def utcnow() -> datetime:
    """:func:`now` for column defaults (``default=utcnow``): SQLAlchemy keeps the function it
    is given, so this one looks ``now`` up at each call and a test's frozen clock reaches the
    rows it creates."""
    return now()


def local_now() -> datetime:
    """The current moment in Swedish time (for what people read: a page's "now")."""
    return now().astimezone(STOCKHOLM)


def today() -> date:
    """The Swedish calendar day."""
    return local_now().date()


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
