"""The plugin's tables (DHIS2's model): data elements, indicators over them, values per
tenant/element/period/gender, and uploaded import batches. Every row is tenant-owned (ORM
scoping and PostgreSQL row-level security come with :class:`TenantOwned`); definitions marked
``shared`` are read by the owner's consortium members through a widened read scope."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from samverka.toolkit import Base, TenantOwned

NAME = "indicators"
INFO = {"plugin": NAME}

AGGREGATIONS = ("sum", "average", "last")
STATUSES = ("preliminary", "final", "missing", "secret")
COUNTED = ("preliminary", "final")  # missing/secret are stored with NULL and never counted
GENDERS = ("T", "K", "M")
TERMS = ("short", "long")
DIRECTIONS = ("higher_better", "lower_better")
# a definition's own fields (what a copy or an edit form carries)
ELEMENT_FIELDS = ("code", "name", "unit", "aggregation", "source")
INDICATOR_FIELDS = (
    "code",
    "name",
    "numerator",
    "denominator",
    "factor",
    "term",
    "direction",
    "source",
    "attribution",
)


class DataElement(TenantOwned, Base):
    """Something counted or measured (reported violent crimes, population)."""

    __tablename__ = "indicators_data_elements"
    __table_args__ = (UniqueConstraint("tenant_id", "code"), {"info": INFO})

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="")
    aggregation: Mapped[str] = mapped_column(String(10), default="sum")
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(200), default="")


class Indicator(TenantOwned, Base):
    """``factor × numerator / denominator``, each side an expression over data elements,
    aggregated (over tenants, over periods) before dividing."""

    __tablename__ = "indicators_indicators"
    __table_args__ = (UniqueConstraint("tenant_id", "code"), {"info": INFO})

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    numerator: Mapped[str] = mapped_column(String(500))
    denominator: Mapped[str] = mapped_column(String(500), default="1")
    factor: Mapped[float] = mapped_column(Float, default=1.0)
    term: Mapped[str] = mapped_column(String(10), default="long")
    direction: Mapped[str] = mapped_column(String(20), default="lower_better")
    source: Mapped[str] = mapped_column(String(200), default="")
    attribution: Mapped[str] = mapped_column(String(200), default="")
    shared: Mapped[bool] = mapped_column(Boolean, default=False)


class DataValue(TenantOwned, Base):
    """One value; the upsert key is (tenant, element, period, gender)."""

    __tablename__ = "indicators_values"
    __table_args__ = (
        # (tenant, period) first: the consortium totals group by them in index order
        UniqueConstraint("tenant_id", "period", "element_id", "gender"),
        # covering, in the order of the consortium totals' GROUP BY element, period (SQLite
        # aggregates while scanning it); its first column serves the element foreign key
        Index(
            "ix_indicators_values_element_period",
            "element_id",
            "gender",
            "period",
            "tenant_id",
            "status",
            "value",
        ),
        {"info": INFO},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    element_id: Mapped[int] = mapped_column(
        ForeignKey("indicators_data_elements.id", ondelete="CASCADE")
    )
    period: Mapped[str] = mapped_column(String(6))
    gender: Mapped[str] = mapped_column(String(1), default="T")
    value: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12), default="final")
    # a year or quarter rolled up from its months or quarters when it has no value of its
    # own (services.refresh_roll_ups); a value imported for the period replaces it
    derived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ImportBatch(TenantOwned, Base):
    """An uploaded file waiting for (or done with) its import job."""

    __tablename__ = "indicators_import_batches"
    __table_args__ = {"info": INFO}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # csv | xlsx | bra_csv | bra_xlsx
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12), default="uploaded")
    stored: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Target(TenantOwned, Base):
    """A tenant's baseline and target for one indicator it follows (its own or a shared
    one): where it started (value, period) and where it wants to be (value, by period)."""

    __tablename__ = "indicators_targets"
    __table_args__ = (UniqueConstraint("tenant_id", "indicator_id"), {"info": INFO})

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators_indicators.id", ondelete="CASCADE"), index=True
    )
    baseline_period: Mapped[str] = mapped_column(String(6))
    baseline_value: Mapped[float] = mapped_column(Float)
    target_period: Mapped[str] = mapped_column(String(6))
    target_value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(500), default="")


class MeasureLink(TenantOwned, Base):
    """An indicator that follows up a measure of the tenant's action plan: the measure's
    follow-up shows the indicator's trend against the tenant's target."""

    __tablename__ = "indicators_measure_links"
    __table_args__ = (UniqueConstraint("tenant_id", "measure_id", "indicator_id"), {"info": INFO})

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators_indicators.id", ondelete="CASCADE"), index=True
    )
    # the core's plan measure (table ``plan_measures``, public through the facade)
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("plan_measures.id", ondelete="CASCADE"), index=True
    )
