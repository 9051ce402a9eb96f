"""Server-side sessions: the browser holds a random secret, the database holds the rest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from samverka.db import Base, Timestamped


class UserSession(Timestamped, Base):
    """One signed-in browser session.

    The cookie carries only the random secret; ``secret_hash`` is its SHA-256 (256 random
    bits: nothing to guess, so a fast hash suffices, as for API tokens). Everything that
    decides what the session may do lives here, where the server can end it: how it was
    established (``method``: ``password`` or ``sso``), the tenant whose identity provider
    vouched for it (``sso_tenant_id``: the session reaches that tenant only), and when a
    second factor was satisfied. Not a tenant-owned table: it is read before any scope exists
    (like ``users``), so its tenant column is deliberately not called ``tenant_id``.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    method: Mapped[str] = mapped_column(String(16))
    sso_tenant_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    second_factor_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(32))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    # The provider's ID token, kept only as the id_token_hint of the RP-initiated logout.
    sso_id_token: Mapped[str | None] = mapped_column(Text)
