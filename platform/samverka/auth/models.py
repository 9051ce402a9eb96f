"""Users and administrators above the tenant level."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from samverka.db import Base, Timestamped
from samverka.tenants.models import Consortium


class User(Timestamped, Base):
    """A person; e-mail is stored lower-cased and is unique across the platform."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5))


class ConsortiumAdmin(Timestamped, Base):
    """A user who administers a consortium: its members and the plugins they may enable."""

    __tablename__ = "consortium_admins"
    __table_args__ = (UniqueConstraint("consortium_id", "user_id", name="uq_consortium_admin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(
        ForeignKey("consortia.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    consortium: Mapped[Consortium] = relationship()
    user: Mapped[User] = relationship()
