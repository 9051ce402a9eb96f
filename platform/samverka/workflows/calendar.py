"""The annual calendar (årshjul): one list of the year's dated events of the cycle for a
tenant — council meetings, measures' due dates, and (from other workflows and plugins)
reporting rounds and agreement reviews.

Built on a list of entry providers, ``provider(session, tenant, year) -> list[dict]`` with
dicts ``{"date": date, "title": str, "kind": str, "url": str | None}``: workflows register
theirs with :func:`register_provider` (the councils' and the action plans' are registered
here); plugins contribute through the hook ``cycle_calendar_entries``. The calendar is
also offered as iCalendar (RFC 5545) so it can be subscribed to in Outlook.
"""

from __future__ import annotations

from collections.abc import Callable
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

Provider = Callable[[Session, Tenant, int], list[dict]]
PROVIDERS: list[Provider] = []


def register_provider(provider: Provider) -> Provider:
    """Add a provider (idempotent); usable as a decorator."""
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)
    return provider


def url_or_none(endpoint: str, **values: Any) -> str | None:
    """``url_for`` when a request or app context can build it (jobs may have none)."""
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for(endpoint, **values)
    except (BuildError, RuntimeError):
        return None


@register_provider
def council_meetings(session: Session, tenant: Tenant, year: int) -> list[dict]:
    """Meetings of every body visible to the tenant (its own and those shared with it)."""
    from samverka.workflows.councils.services import meetings_in_year

    return [
        {
            "date": meeting.meeting_on,
            "title": _("Meeting: %(body)s", body=council.title),
            "kind": "meeting",
            "url": url_or_none(
                "council_pages.meeting", tenant_slug=tenant.slug, meeting_id=meeting.id
            ),
        }
        for meeting, council in meetings_in_year(session, year)
    ]


@register_provider
def measures_due(session: Session, tenant: Tenant, year: int) -> list[dict]:
    """Due dates of the tenant's own plans' measures."""
    from samverka.workflows.action_plans.services import PlanMeasure

    rows = session.execute(
        select(PlanMeasure, Record)
        .join(Record, Record.id == PlanMeasure.record_id)
        .where(
            Record.tenant_id == tenant.id,
            Record.deleted_at.is_(None),
            PlanMeasure.due_on >= date(year, 1, 1),
            PlanMeasure.due_on <= date(year, 12, 31),
        )
        .order_by(PlanMeasure.due_on)
    )
    return [
        {
            "date": measure.due_on,
            "title": _("Measure due: %(title)s", title=measure.title),
            "kind": "measure",
            "url": url_or_none("plan_pages.detail", tenant_slug=tenant.slug, plan_id=plan.id),
        }
        for measure, plan in rows
    ]


@register_provider
def reporting_rounds(session: Session, tenant: Tenant, year: int) -> list[dict]:
    """The tenant's reporting rounds' deadlines (:mod:`samverka.workflows.pictures.services`)."""
    from samverka.workflows.pictures import services as pictures

    return pictures.calendar_entries(session, tenant, year)


@register_provider
def agreement_dates(session: Session, tenant: Tenant, year: int) -> list[dict]:
    """The tenant's own agreements' reviews and ends, and its pledges' yearly follow-ups."""
    from samverka.workflows.agreements import services as agreements
    from samverka.workflows.overview.services import follow_ups_due

    entries = []
    for record in _own_records(session, tenant, agreements.AGREEMENT_TYPE):
        data, link = record.data or {}, ("agreement_pages.show", "agreement_id")
        review, end = agreements.as_date(data.get("review_on")), agreements.end_of(data)
        if review:
            entries.append(
                _entry(
                    review,
                    _("Agreement review: %(title)s", title=record.title),
                    "agreement",
                    tenant,
                    record,
                    link,
                )
            )
        if end:
            entries.append(
                _entry(
                    end,
                    _("Agreement ends: %(title)s", title=record.title),
                    "agreement",
                    tenant,
                    record,
                    link,
                )
            )
    for record in _own_records(session, tenant, agreements.PLEDGE_TYPE):
        for due in follow_ups_due(record.data or {}, date(year, 12, 31)):
            entries.append(
                _entry(
                    due,
                    _("Pledge follow-up: %(title)s", title=record.title),
                    "pledge",
                    tenant,
                    record,
                    ("pledge_pages.show", "pledge_id"),
                )
            )
    return entries


def _own_records(session: Session, tenant: Tenant, type_name: str) -> list[Record]:
    return list(
        session.scalars(
            select(Record).where(
                Record.tenant_id == tenant.id,
                Record.type_name == type_name,
                Record.deleted_at.is_(None),
            )
        )
    )


def _entry(when: date, title: str, kind: str, tenant: Tenant, record: Record, link) -> dict:
    endpoint, key = link
    url = url_or_none(endpoint, tenant_slug=tenant.slug, **{key: record.id})
    return {"date": when, "title": title, "kind": kind, "url": url}


def calendar_entries(session: Session, tenant: Tenant, year: int) -> list[dict]:
    """Every provider's and every enabled plugin's entries for the year, by date."""

    entries: list[dict] = []
    for provider in PROVIDERS:
        entries.extend(provider(session, tenant, year))
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
