"""Tables of the register of areas: ``areas`` and their border versions ``area_boundaries``.

Both are owned by the municipality (tenant) that keeps them and readable by the tenants that
share a consortium with it (a consortium picture, a partner's module need the places; the
rows hold no personal data). The ORM criteria (:class:`samverka.db.CounterpartReadable`,
``counterpart_rule``) and the PostgreSQL policies (``rls.py``, ``SHARED_READ_TABLES``) state
the same rule; writes are owner-only in both.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    String,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from samverka.clock import utcnow
from samverka.db import Base, CounterpartReadable
from samverka.tenants.models import consortium_tenants

#: The kinds of area, with their labels in :mod:`samverka.areas.services`.
KINDS = ("district", "village", "school_catchment", "municipality", "other")


def consortium_partners(tenant_ids: tuple[int, ...]):
    """The ids of the tenants that share a consortium with one of ``tenant_ids``."""
    mine = consortium_tenants.alias("mine")
    theirs = consortium_tenants.alias("theirs")
    return (
        select(theirs.c.tenant_id)
        .select_from(theirs)
        .join(mine, mine.c.consortium_id == theirs.c.consortium_id)
        .where(mine.c.tenant_id.in_(tenant_ids))
    )


class Area(CounterpartReadable, Base):
    """A named place of a municipality; archived (never deleted) when no longer used, so old
    reports and pictures keep their area."""

    __tablename__ = "areas"
    __table_args__ = (
        # a name is unique among the tenant's live areas; an archived one frees it
        Index(
            "uq_areas_live_name",
            "tenant_id",
            "name",
            unique=True,
            sqlite_where=text("archived = 0"),
            postgresql_where=text("NOT archived"),
        ),
    )

    @classmethod
    def counterpart_rule(cls, tenant_ids: tuple[int, ...]) -> ColumnElement[bool]:
        """Areas of the tenants that share a consortium with the scope."""
        return cls.tenant_id.in_(consortium_partners(tenant_ids))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30), default="other")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AreaBoundary(CounterpartReadable, Base):
    """One version of an area's border: a GeoJSON Polygon or MultiPolygon (WGS84 lon/lat);
    ``valid_to`` NULL is the current one. A new upload closes the previous version."""

    __tablename__ = "area_boundaries"

    @classmethod
    def counterpart_rule(cls, tenant_ids: tuple[int, ...]) -> ColumnElement[bool]:
        return cls.tenant_id.in_(consortium_partners(tenant_ids))

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), index=True)
    geometry: Mapped[dict] = mapped_column(JSON)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
