"""A tenant's OpenID Connect provider, the e-mail domains it answers for, and SSO's grants.

``sso_domains`` is a *directory* table, exempt from row-level security (see
:data:`samverka.rls.DIRECTORY_TABLES`): the login page must find the tenant that owns an
e-mail domain before anyone is signed in and before any tenant scope exists. The rows say only
"this domain logs in through that organisation", which the redirect to the organisation's SSO
start page reveals anyway. The alternative, probing each tenant inside ``scoped(...)``, would
cost one query per tenant (hundreds of municipalities) on every lookup. The provider settings
themselves (issuer, client, secret, role mapping) stay tenant-owned under RLS.

A domain claimed from the tenant's settings page is *pending* until proven; only verified
domains route logins and let a provider create accounts. Today proof is a platform
administrator's approval or the operator's word (``verified_via``); a DNS TXT record would be
one more ``verified_via`` value, found by a job, with no change to how domains are used.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from samverka.clock import utcnow
from samverka.db import Base, TenantOwned, Timestamped
from samverka.security.crypto import EncryptedText

DEFAULT_SCOPES = "openid email profile"
DEFAULT_EMAIL_CLAIM = "email"
DEFAULT_GROUPS_CLAIM = "groups"
# RFC 8176 authentication method reference that counts as the provider vouching for a second
# factor; an organisation may list others (``otp``, ``hwk``…) or ``acr`` values instead.
DEFAULT_MFA_AMR = ("mfa",)
# How a domain was verified (the column allows more, e.g. "dns").
VERIFIED_BY_OPERATOR = "operator"
VERIFIED_BY_PLATFORM_ADMIN = "platform_admin"


def _default_mfa_amr() -> list[str]:
    return list(DEFAULT_MFA_AMR)


class IdentityProvider(TenantOwned, Timestamped, Base):
    """One OpenID Connect provider per tenant; the client secret is encrypted at rest."""

    __tablename__ = "sso_providers"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_sso_providers_tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret: Mapped[str] = mapped_column(EncryptedText())
    scopes: Mapped[str] = mapped_column(String(255), default=DEFAULT_SCOPES)
    email_claim: Mapped[str] = mapped_column(String(100), default=DEFAULT_EMAIL_CLAIM)
    groups_claim: Mapped[str] = mapped_column(String(100), default=DEFAULT_GROUPS_CLAIM)
    role_map: Mapped[dict] = mapped_column(JSON, default=dict)  # group -> tenant role
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # ID token values that count as the provider vouching for a second factor (amr: any
    # listed method among the token's; acr: the token's value listed).
    mfa_amr: Mapped[list] = mapped_column(JSON, default=_default_mfa_amr)
    mfa_acr: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class SsoDomain(Timestamped, Base):
    """An e-mail domain and the one tenant whose provider signs its people in (directory).

    One row per domain: a pending claim, too, keeps others from claiming it meanwhile (the
    platform administrators see it and reject a squatter's claim).
    """

    __tablename__ = "sso_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    tenant_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    # None while pending; then when and how it was proven (see VERIFIED_BY_*).
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_via: Mapped[str | None] = mapped_column(String(20))

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


class SsoRoleGrant(TenantOwned, Timestamped, Base):
    """A role SSO granted from the groups claim; only these does a later login take away.

    Roles an administrator gave by hand have no row here and are never removed by SSO.
    """

    __tablename__ = "sso_role_grants"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "role", name="uq_sso_role_grants"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(63))
