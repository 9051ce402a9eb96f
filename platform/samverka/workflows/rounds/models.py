"""Tables of the reporting rounds (rapporteringsomgångar) and the compiled figures.

Two tenants meet in a round: the municipality that opens it and the units that report, some
of which belong to other tenants (a police area, a housing company invited as partners). The
rows are owned by the tenant that writes them, and readable by exactly one other party:

* ``reporting_rounds`` and ``round_units``: owned by the round's tenant; a unit's reporting
  tenant reads the rounds it is invited to and its own unit rows (to fill its report);
* ``round_reports``: owned by the reporting unit's tenant; the round's tenant reads them.

Nobody else sees them. The ORM criteria (:class:`samverka.db.CounterpartReadable`, each
model's ``counterpart_rule``) and the PostgreSQL policies (``rls.py``,
``SHARED_READ_TABLES``: a read-only policy OR-ed with the owner policy) state the same rule;
writes are owner-only in both, like every tenant row.

``picture_figures`` holds the counts a compiled picture is made of, readable wherever the
picture record is shared, so a consortium picture sums them in SQL instead of parsing text.
Each row is one cell of a breakdown named by ``dimension``: ``area`` (category × area, the
original rows), ``when`` (category × weekday × time of day, the heat map) and ``total`` (one
row per category of the round, zero included, so that "which months had a picture" and "the
last 12 months per category" are one query). ``picture_summaries`` keeps the summary the
last compile generated, so a recompile can tell whether the coordinator edited it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from samverka.clock import utcnow
from samverka.db import Base, CounterpartReadable, ShareableTenantOwned, TenantOwned

OPEN = "open"
CLOSED = "closed"
#: ``picture_figures.dimension``: category × area, category × weekday × time of day, and
#: the per-category totals of the period.
AREA_FIGURES = "area"
WHEN_FIGURES = "when"
TOTAL_FIGURES = "total"


class ReportUnit(TenantOwned, Base):
    """A unit of the municipality that reports (school, social services, …) or a partner of
    another tenant invited to report (``partner_tenant_id``: it reports as that tenant)."""

    __tablename__ = "report_units"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40), default="other")
    partner_tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=True
    )
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportCategory(TenantOwned, Base):
    """An event category a municipality adds to the EST categories."""

    __tablename__ = "report_categories"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(120))


class ReportingRound(CounterpartReadable, Base):
    """A round open for one period; ``categories`` is the list the units report against,
    fixed at opening (``[[key, label], …]``) so partners see it without the owner's tables."""

    __tablename__ = "reporting_rounds"

    @classmethod
    def counterpart_rule(cls, tenant_ids: tuple[int, ...]) -> ColumnElement[bool]:
        """The rounds a tenant is invited to report in."""
        units = RoundUnit.__table__
        return cls.id.in_(
            select(units.c.round_id).where(units.c.reporter_tenant_id.in_(tenant_ids))
        )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    cadence: Mapped[str] = mapped_column(String(20), default="monthly")
    period_start: Mapped[date] = mapped_column(Date, index=True)
    period_end: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    categories: Mapped[list] = mapped_column(JSON, default=list)
    picture_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("records.id", ondelete="SET NULL"), nullable=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RoundUnit(CounterpartReadable, Base):
    """A unit invited to one round; ``reporter_tenant_id`` reports (and reads this row)."""

    __tablename__ = "round_units"
    __table_args__ = (UniqueConstraint("round_id", "unit_id"),)

    @classmethod
    def counterpart_rule(cls, tenant_ids: tuple[int, ...]) -> ColumnElement[bool]:
        return cls.reporter_tenant_id.in_(tenant_ids)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_rounds.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("report_units.id", ondelete="SET NULL"), nullable=True
    )
    unit_name: Mapped[str] = mapped_column(String(120))
    reporter_tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    reminded_before_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    reminded_late_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )


class RoundReport(CounterpartReadable, Base):
    """One unit's report in one round, owned by the reporting tenant; ``lines`` is a list of
    ``{category, area, count, weekday, time_of_day, trend}``."""

    __tablename__ = "round_reports"

    @classmethod
    def counterpart_rule(cls, tenant_ids: tuple[int, ...]) -> ColumnElement[bool]:
        return cls.round_tenant_id.in_(tenant_ids)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_unit_id: Mapped[int] = mapped_column(
        ForeignKey("round_units.id", ondelete="CASCADE"), unique=True
    )
    round_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_rounds.id", ondelete="CASCADE"), index=True
    )
    round_tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    lines: Mapped[list] = mapped_column(JSON, default=list)
    observations: Mapped[str | None] = mapped_column(Text, nullable=True)
    sources: Mapped[str | None] = mapped_column(Text, nullable=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class PictureFigure(ShareableTenantOwned, Base):
    """A compiled count of a situation picture: readable wherever the picture is shared."""

    __tablename__ = "picture_figures"
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(60))
    area: Mapped[str] = mapped_column(String(120), default="")
    #: The register's area (:mod:`samverka.areas`); None for free text not (yet) mapped.
    area_id: Mapped[int | None] = mapped_column(
        ForeignKey("areas.id", ondelete="SET NULL"), nullable=True, index=True
    )
    count: Mapped[int] = mapped_column(Integer)
    dimension: Mapped[str] = mapped_column(
        String(16), default=AREA_FIGURES, server_default=AREA_FIGURES
    )
    weekday: Mapped[str | None] = mapped_column(String(10), nullable=True)
    time_of_day: Mapped[str | None] = mapped_column(String(20), nullable=True)


class PictureSummary(TenantOwned, Base):
    """The written summary the last compile generated for a picture: compiling again
    replaces the picture's text only while it still equals this (the coordinator's edit
    wins). Owner-only: receivers of a shared picture read the record's text itself."""

    __tablename__ = "picture_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), unique=True
    )
    generated: Mapped[str] = mapped_column(Text, default="")
    compiled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
