"""Decisions on records: which body decided a situation picture, an action plan or an
agreement, on which date, under which minute paragraph (Lag 2023:196 asks for a decided
action plan; Brå's survey asks when and by whom).

A decision belongs to its record: owned by the record's tenant, readable wherever the record
is shared (a consortium sees that a member's picture was decided), written only by the owner.
Decisions are never edited: a new decision (e.g. a revised plan adopted again) is a new row,
and the latest one counts. Each is recorded in the audit log as ``record.decision``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from samverka import clock
from samverka.audit import record_event
from samverka.clock import utcnow
from samverka.db import Base, ShareableTenantOwned
from samverka.errors import ValidationError
from samverka.records.models import Record
from samverka.records.services import require_owner, user_id_of

BODY_MAX = 200
PARAGRAPH_MAX = 50
#: "Today" for a decision date is the Swedish calendar day (at 00:30 in Sweden it is still
#: yesterday in UTC).
LOCAL_TIME = ZoneInfo("Europe/Stockholm")
WRITE = "tenant:records:write"


class Decision(ShareableTenantOwned, Base):
    """One decision on one record; readable wherever the record is (``share_key``)."""

    __tablename__ = "record_decisions"
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(String(BODY_MAX))
    decided_on: Mapped[date] = mapped_column(Date)
    minute_paragraph: Mapped[str | None] = mapped_column(String(PARAGRAPH_MAX))
    record_version: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def record_decision(
    session: Session,
    record: Record,
    *,
    body: Any,
    decided_on: Any,
    minute_paragraph: Any = None,
    user: Any,
) -> Decision:
    """Record that ``body`` decided ``record`` (as it stands now: its version is kept) on
    ``decided_on``. Refuses an empty body and a date in the future; the caller commits."""
    tenant = require_owner(session, record, user, WRITE)
    decision = Decision(
        tenant_id=tenant.id,
        record_id=record.id,
        body=_text(body, BODY_MAX, "body", required=True),
        decided_on=_past_date(decided_on),
        minute_paragraph=_text(minute_paragraph, PARAGRAPH_MAX, "minute_paragraph"),
        record_version=record.version,
        created_by_id=user_id_of(user),
    )
    session.add(decision)
    session.flush()
    record_event(
        session,
        "record.decision",
        tenant_id=tenant.id,
        target_type="record",
        target_id=record.id,
        details={"type": record.type_name, "decision": decision.id},
    )
    return decision


def decisions_of(session: Session, record: Record) -> list[Decision]:
    """The record's decisions, newest first (by decision date, then by entry)."""
    return list(
        session.scalars(
            select(Decision)
            .where(Decision.record_id == record.id)
            .order_by(Decision.decided_on.desc(), Decision.id.desc())
        )
    )


def latest_decision(session: Session, record: Record) -> Decision | None:
    """The decision that counts now (None: the record was never decided)."""
    found = decisions_of(session, record)
    return found[0] if found else None


def _text(value: Any, limit: int, field: str, *, required: bool = False) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    if not text:
        if required:
            raise ValidationError(_l("Enter the body that made the decision."), field)
        return None
    if len(text) > limit:
        raise ValidationError(_l("At most %(max)s characters.", max=limit), field)
    return text


def _past_date(value: Any) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(_l("Enter the date as YYYY-MM-DD."), "decided_on") from None
    if not isinstance(value, date):
        raise ValidationError(_l("Enter the date of the decision."), "decided_on")
    if value > clock.now().astimezone(LOCAL_TIME).date():
        raise ValidationError(_l("A decision cannot be dated in the future."), "decided_on")
    return value
