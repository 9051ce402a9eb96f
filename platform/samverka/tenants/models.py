"""Tenancy model: consortia group tenants; users hold roles in tenants through memberships."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    DateTime,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from samverka.db import Base, MemberScoped, Timestamped


class TenantKind(enum.StrEnum):
    """The kinds of organisation that work together in crime prevention."""

    MUNICIPALITY = "municipality"
    COUNTY_BOARD = "county_board"
    POLICE = "police"
    REGION = "region"
    NGO = "ngo"
    OTHER = "other"


#: What the pages call each kind (translated when shown).
KIND_LABELS = {
    TenantKind.MUNICIPALITY: _l("Municipality"),
    TenantKind.COUNTY_BOARD: _l("County administrative board"),
    TenantKind.POLICE: _l("Police"),
    TenantKind.REGION: _l("Region"),
    TenantKind.NGO: _l("Non-profit organisation"),
    TenantKind.OTHER: _l("Other"),
}


consortium_tenants = Table(
    "consortium_tenants",
    Base.metadata,
    Column("consortium_id", ForeignKey("consortia.id", ondelete="CASCADE"), primary_key=True),
    Column("tenant_id", ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
)


class Consortium(Timestamped, Base):
    """A cooperation of tenants, e.g. SuToHaMu or Göteborgsregionen."""

    __tablename__ = "consortia"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    county_code: Mapped[str | None] = mapped_column(String(2))

    tenants: Mapped[list[Tenant]] = relationship(
        secondary=consortium_tenants, back_populates="consortia", order_by="Tenant.name"
    )


class Tenant(Timestamped, Base):
    """An organisation: a municipality, county board, police area, region, NGO or other."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TenantKind] = mapped_column(
        Enum(
            TenantKind,
            native_enum=False,
            length=20,
            validate_strings=True,
            values_callable=lambda kinds: [k.value for k in kinds],
        )
    )
    municipality_code: Mapped[str | None] = mapped_column(String(4), unique=True)
    population: Mapped[int | None] = mapped_column(Integer)
    # A scheduled deletion (see samverka.lifecycle.deletion): when it was asked for, by whom
    # (None: the operator; no foreign key, like the audit log's actor: a record of who asked
    # outlives the account), and when the periodic job deletes the tenant and all it owns.
    deletion_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deletion_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    deletion_requested_by: Mapped[int | None] = mapped_column(Integer)

    consortia: Mapped[list[Consortium]] = relationship(
        secondary=consortium_tenants, back_populates="tenants", order_by="Consortium.name"
    )


class Membership(MemberScoped, Timestamped, Base):
    """A user's role in a tenant; one row per role.

    Not a :class:`~samverka.db.TenantOwned` row: besides the tenant's own scope, a user may
    always read their own memberships (to log in and switch tenants). The ORM criteria and the
    PostgreSQL policy both encode exactly that rule.
    """

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "role", name="uq_membership"),
        # A role granted through a consortium exists only while the tenant is its member: the
        # database itself ends it with the membership row (a grant racing the tenant's
        # leaving cannot outlive it); the service revokes them first, with an audit entry.
        ForeignKeyConstraint(
            ["via_consortium_id", "tenant_id"],
            ["consortium_tenants.consortium_id", "consortium_tenants.tenant_id"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(63))
    #: The consortium whose administrator granted this role, acting through the consortium's
    #: power rather than a role of their own here: the role ends when the tenant leaves that
    #: consortium (:mod:`samverka.auth.consortium_grants`). NULL: the organisation's own grant.
    via_consortium_id: Mapped[int | None] = mapped_column(index=True, default=None)

    tenant: Mapped[Tenant] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821, UP037 - resolved by the registry


class InvitationStatus(enum.StrEnum):
    """Where an invitation to join a consortium stands; only ``pending`` may still change."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


PENDING_ONLY = text("status = 'pending'")


class ConsortiumInvitation(Base):
    """A consortium's invitation to an existing organisation (see
    :mod:`samverka.tenancy.invitations`): the organisation joins only when its own
    administrator (or a platform administrator, on its behalf) accepts.

    Not a :class:`~samverka.db.TenantScoped` row: both sides read and write it, the invited
    tenant (its scope) and the consortium's administrators (whose scope holds no tenant).
    The services always filter by one side; on PostgreSQL the table gets the tenant policy
    plus one for the consortium's administrators and platform administrators
    (:data:`samverka.rls.INVITATION_POLICY`). Actor ids carry no foreign key, like the audit
    log's: a record of who invited or decided outlives the account.
    """

    __tablename__ = "consortium_invitations"
    __table_args__ = (
        # at most one open invitation per consortium and organisation
        Index(
            "uq_consortium_invitations_pending",
            "consortium_id",
            "tenant_id",
            unique=True,
            sqlite_where=PENDING_ONLY,
            postgresql_where=PENDING_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(
        ForeignKey("consortia.id", ondelete="CASCADE"), index=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    status: Mapped[InvitationStatus] = mapped_column(
        Enum(
            InvitationStatus,
            native_enum=False,
            length=20,
            validate_strings=True,
            values_callable=lambda statuses: [s.value for s in statuses],
        ),
        default=InvitationStatus.PENDING,
    )
    invited_by: Mapped[int | None] = mapped_column(Integer)
    invited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    consortium: Mapped[Consortium] = relationship()
    tenant: Mapped[Tenant] = relationship()
