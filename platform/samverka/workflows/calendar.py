"""The annual calendar (årshjul): one list of the year's dated events of the cycle for a
tenant — council meetings, measures' due dates, reporting rounds, agreement reviews, and
whatever the enabled plugins add.

Every area of the cycle answers the hook ``cycle_calendar_entries`` as a plugin does, with
:class:`~samverka.plugins.manifest.CalendarEntry` dicts ``{"date", "title", "kind",
"url"}``; this module only collects, groups and writes them. The calendar is also offered as
iCalendar (RFC 5545) so it can be subscribed to in Outlook.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import icalendar
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka import clock
from samverka.plugins.services import enabled_plugins
from samverka.records.models import Record
from samverka.runtime import runtime
from samverka.tenants.models import Tenant


def url_or_none(endpoint: str, **values: Any) -> str | None:
    """``url_for`` when a request or app context can build it (jobs may have none)."""
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for(endpoint, **values)
    except (BuildError, RuntimeError):
        return None


def own_records(session: Session, tenant: Tenant, type_name: str) -> list[Record]:
    return list(
        session.scalars(
            select(Record).where(
                Record.tenant_id == tenant.id,
                Record.type_name == type_name,
                Record.deleted_at.is_(None),
            )
        )
    )


def record_entry(
    when: date, title: str, kind: str, tenant: Tenant, record: Record, link: tuple[str, str]
) -> dict:
    """An entry for one of ``tenant``'s records; ``link`` is (endpoint, the id's argument)."""
    endpoint, key = link
    url = url_or_none(endpoint, tenant_slug=tenant.slug, **{key: record.id})
    return {"date": when, "title": title, "kind": kind, "url": url}


def calendar_entries(session: Session, tenant: Tenant, year: int) -> list[dict]:
    """The entries of every area of the cycle and every enabled plugin for the year, by
    date: each answers the hook ``cycle_calendar_entries``, so the calendar knows none."""

    entries: list[dict] = []
    host = runtime().host
    hooks = host.hooks_for(enabled_plugins(session, host, tenant))
    for found in hooks.cycle_calendar_entries(session=session, tenant=tenant, year=year):
        entries.extend(found or [])
    return sorted(
        (e for e in entries if isinstance(e.get("date"), date) and e["date"].year == year),
        key=lambda e: (e["date"], str(e.get("title", ""))),
    )


def by_month(entries: list[dict]) -> list[tuple[int, list[dict]]]:
    """Entries grouped by month 1–12 (empty months included: the wheel has twelve)."""
    months: dict[int, list[dict]] = {m: [] for m in range(1, 13)}
    for entry in entries:
        months[entry["date"].month].append(entry)
    return list(months.items())


def to_ics(entries: list[dict], *, tenant: Tenant, year: int, base_url: str = "") -> str:
    """The entries as an iCalendar file of all-day events (CRLF line ends).

    Built with the ``icalendar`` library, never by joining strings: titles come from users
    (a measure's, a meeting body's), and a bare CR or a fake ``END:VEVENT`` in one must stay
    text inside its property, not start a line of its own (RFC 5545 §3.3.11 escaping and
    §3.1 folding are the library's).
    """
    stamp = clock.now().replace(microsecond=0)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Samverka//Arshjul//SV")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Annual calendar %(year)s", year=year) + " " + tenant.name)
    for index, entry in enumerate(entries):
        day: date = entry["date"]
        kind = str(entry.get("kind", "entry"))
        event = icalendar.Event()
        event.add("uid", f"{tenant.slug}-{year}-{kind}-{index}-{day:%Y%m%d}@samverka")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", str(entry.get("title", "")))
        event.add("categories", [str(entry.get("kind", ""))])
        if entry.get("url"):
            event.add("url", f"{base_url}{entry['url']}")
        cal.add_component(event)
    return cal.to_ical().decode()
