"""Reading a tenant's audit log: filters, keyset pages and the export stream.

Shared by the review page, its CSV export and the API, so the three show the same entries
for the same filters. Entries are read in the session's scope (ORM criteria and RLS); the
tenant is also named explicitly, so a wider scope (a platform administrator's) shows one
tenant's log at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from samverka.audit.events import DETAIL_TEXT, OUTCOMES
from samverka.audit.models import AuditEntry

EXPORT_BATCH = 1000


@dataclass(frozen=True)
class Filters:
    """What the reviewer asks for; every field optional. ``action`` matches a whole action
    (``auth.login``) or an area (``auth``)."""

    start: date | None = None
    end: date | None = None  # inclusive
    action: str | None = None
    actor_user_id: int | None = None
    outcome: str | None = None
    target_type: str | None = None
    target_id: str | None = None

    def as_details(self) -> dict:
        """The filters as audit details of the read itself (dates as text; a filter that is
        not a plain name is left out rather than stored as typed)."""
        details = {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "filter_action": self.action,
            "filter_actor": self.actor_user_id,
            "filter_outcome": self.outcome,
            "filter_target_type": self.target_type,
        }
        return {
            key: value
            for key, value in details.items()
            if not isinstance(value, str) or DETAIL_TEXT.match(value)
        }


def statement(tenant_id: int, filters: Filters) -> Select:
    """Newest first (by id: the order entries were written)."""
    query = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
    if filters.start:
        query = query.where(AuditEntry.occurred_at >= _midnight(filters.start))
    if filters.end:
        query = query.where(AuditEntry.occurred_at < _midnight(filters.end + timedelta(days=1)))
    if filters.action:
        if "." in filters.action:
            query = query.where(AuditEntry.action == filters.action)
        else:
            query = query.where(AuditEntry.action.startswith(f"{filters.action}.", autoescape=True))
    if filters.actor_user_id is not None:
        query = query.where(AuditEntry.actor_user_id == filters.actor_user_id)
    if filters.outcome in OUTCOMES:
        query = query.where(AuditEntry.outcome == filters.outcome)
    if filters.target_type:
        query = query.where(AuditEntry.target_type == filters.target_type)
    if filters.target_id:
        query = query.where(AuditEntry.target_id == filters.target_id)
    return query.order_by(AuditEntry.id.desc())


def page(
    session: Session, tenant_id: int, filters: Filters, before_id: int | None, limit: int
) -> tuple[list[AuditEntry], int | None]:
    """One page and the id the next page starts before (None on the last page); keyset on
    the primary key, so page 1000 costs what page 1 does."""
    query = statement(tenant_id, filters)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    rows = list(session.scalars(query.limit(limit + 1)))
    following = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], following


def stream(session: Session, tenant_id: int, filters: Filters) -> Iterator[AuditEntry]:
    """Every matching entry, newest first, in batches (an export may be large)."""
    before: int | None = None
    while True:
        batch, before = page(session, tenant_id, filters, before, EXPORT_BATCH)
        yield from batch
        for entry in batch:  # an export of millions must not fill the identity map
            session.expunge(entry)
        if before is None:
            return


def _midnight(day: date) -> datetime:
    """Days are UTC days, as every time in the log is UTC (and shown as such)."""
    return datetime.combine(day, time.min, tzinfo=UTC)
