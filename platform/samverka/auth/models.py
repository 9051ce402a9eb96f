"""Users and administrators above the tenant level."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from samverka.db import Base, Timestamped
from samverka.security.crypto import EncryptedText
from samverka.tenants.models import Consortium


class User(Timestamped, Base):
    """A person; e-mail is stored lower-cased and is unique across the platform.

    An account is bound to where it logs in: its password, and at most one organisation's
    OpenID Connect provider (``idp_tenant_id`` + ``idp_subject``, the ID token's ``sub``).
    A provider signs in only the accounts bound to it, found by that pair and never by
    e-mail (see :mod:`samverka.auth.sso.provisioning`).
    """

    __tablename__ = "users"
    __table_args__ = (
        # A unique index rather than a constraint: SQLite can add one to an existing table.
        Index("uq_users_idp_binding", "idp_tenant_id", "idp_subject", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    # Bumped by "log out everywhere", password change and reset: part of every session's
    # auth version, so all sessions made before the bump end at their next request.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # TOTP (RFC 6238): the seed encrypted at rest; set but unconfirmed while enrolling.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last accepted time step: a code is never accepted twice (nor an older one).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # The organisation whose provider signs this account in, and the provider's subject.
    # Removing the provider, changing its issuer or deleting the tenant unbinds first
    # (samverka.auth.sso.services.clear_bindings); the key has no ON DELETE action (SQLite
    # cannot add one to an existing table in a way it reflects), so a forgotten binding
    # stops a tenant's deletion rather than passing to a tenant that reuses the id.
    idp_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    idp_subject: Mapped[str | None] = mapped_column(String(255))

    @property
    def is_bound(self) -> bool:
        """Bound to an organisation's provider (a binding survives only with its tenant)."""
        return self.idp_tenant_id is not None and self.idp_subject is not None

    @property
    def mfa_enabled(self) -> bool:
        return self.totp_confirmed_at is not None and self.totp_secret is not None


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


class RecoveryCode(Timestamped, Base):
    """A single-use MFA recovery code, stored as a SHA-256 digest (the codes carry 80 random
    bits, so a fast hash is safe against offline guessing)."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PasswordResetToken(Timestamped, Base):
    """A password-reset link: the token's SHA-256 digest, bound to the user and to the password
    it may replace (a changed password kills it), short-lived and single use."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    password_marker: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """A failed log-in (password or MFA code), counted per account and per client address
    in a time window; in the database so that every web process sees the same count."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
