"""API tokens: bound to one user in one tenant, stored hashed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from samverka.auth.models import User
from samverka.db import Base, TenantOwned, Timestamped


class ApiToken(TenantOwned, Timestamped, Base):
    """A bearer token for ``/api/v1``; its tenant is the only tenant it can reach.

    ``key`` is the public lookup part of the token; ``secret_hash`` the SHA-256 of the secret
    part (hex). The raw token is shown once, when it is issued, and never stored.
    A tenant-owned row: it is found only inside its tenant's scope (ORM criteria and RLS).
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(24), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role_cap: Mapped[str | None] = mapped_column(String(63))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
