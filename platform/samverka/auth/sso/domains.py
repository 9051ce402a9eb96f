"""E-mail domains for single sign-on: who may claim one, and how a claim becomes verified.

A domain does two things once *verified* for a tenant: the login page sends people with that
address to the tenant's provider (:func:`tenant_for_email`), and the provider may create new
accounts with that address (:mod:`samverka.auth.sso.provisioning`). It never lets a provider
sign in an existing account: that takes a binding (:mod:`samverka.auth.sso.binding`).

* A domain belongs to at most one organisation (one row per domain, pending or verified).
* From the tenant's settings page a claim is *pending* until proven; pending claims do
  nothing. The proof today is a platform administrator's approval (``/admin/sso-domains``)
  or the operator's word (``samverka idp set --domains``, ``samverka idp domain approve``):
  no outbound DNS is possible from many municipal clusters, and an operator who checks with
  the agency is what public-sector tenants expect. A DNS TXT check would be one more
  ``verified_via`` value set by a job; nothing that *uses* domains would change.
* A tenant administrator cannot claim at all a domain that other organisations' accounts
  use (someone with that domain holding a role in another tenant, a consortium or platform
  administrator): only the operator can list such a domain.
* Removing a domain (or the provider) removes its verification; claiming it again starts over.

Approval and rejection are recorded in the tenant's audit chain and the platform's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from samverka import clock
from samverka.audit import record_event
from samverka.auth.models import ConsortiumAdmin, User
from samverka.auth.sso.models import VERIFIED_BY_OPERATOR, SsoDomain
from samverka.db import SCOPE_FREE, TenantScope, scoped
from samverka.errors import NotFound, ValidationError
from samverka.tenants.models import Membership, Tenant


@dataclass(frozen=True)
class DomainClaim:
    """A claim as the pages and the CLI show it (with its tenant's names)."""

    id: int
    domain: str
    tenant_id: int
    tenant_slug: str
    tenant_name: str
    claimed_at: datetime
    verified_at: datetime | None
    verified_via: str | None

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @property
    def status(self) -> str:
        return "verified" if self.verified else "pending"

    def as_dict(self) -> dict:
        return {
            "domain": self.domain,
            "tenant": self.tenant_slug,
            "status": self.status,
            "verified_via": self.verified_via,
            "claimed_at": self.claimed_at.isoformat(),
            "verified_at": self.verified_at.isoformat() if self.verified_at else None,
        }


def email_domain(email: str) -> str:
    _, at, domain = (email or "").strip().rpartition("@")
    return domain.lower().rstrip(".") if at else ""


def tenant_claims(session: Session, tenant: Tenant) -> list[SsoDomain]:
    return list(
        session.scalars(
            select(SsoDomain).where(SsoDomain.tenant_id == tenant.id).order_by(SsoDomain.domain)
        )
    )


def verified_domains(session: Session, tenant: Tenant) -> list[str]:
    """The domains that count: only these route logins and let a provider create accounts."""
    return list(
        session.scalars(
            select(SsoDomain.domain)
            .where(SsoDomain.tenant_id == tenant.id, SsoDomain.verified_at.is_not(None))
            .order_by(SsoDomain.domain)
        )
    )


def tenant_for_email(session: Session, email: str) -> Tenant | None:
    """The tenant whose provider signs in people with this e-mail's domain, once verified
    (no scope needed: the domain directory is exempt from row-level security).

    Disabled providers keep their domains; the SSO start page then says so.
    """
    domain = email_domain(email)
    if not domain:
        return None
    return session.scalar(
        select(Tenant)
        .join(SsoDomain, SsoDomain.tenant_id == Tenant.id)
        .where(SsoDomain.domain == domain, SsoDomain.verified_at.is_not(None))
        .execution_options(**SCOPE_FREE)
    )


def all_claims(session: Session, *, pending_only: bool = False) -> list[DomainClaim]:
    """Every claim with its tenant, pending first, for the platform administrators."""
    query = (
        select(SsoDomain, Tenant.slug, Tenant.name)
        .join(Tenant, Tenant.id == SsoDomain.tenant_id)
        .order_by(SsoDomain.verified_at.is_not(None), SsoDomain.created_at, SsoDomain.domain)
        .execution_options(**SCOPE_FREE)
    )
    if pending_only:
        query = query.where(SsoDomain.verified_at.is_(None))
    return [_claim(row, slug, name) for row, slug, name in session.execute(query)]


def get_claim(session: Session, domain: str) -> SsoDomain:
    claim = session.scalar(
        select(SsoDomain)
        .where(SsoDomain.domain == (domain or "").strip().lower().rstrip("."))
        .execution_options(**SCOPE_FREE)
    )
    if claim is None:
        raise NotFound(_l("No organisation has claimed the domain %(domain)s.", domain=domain))
    return claim


def get_claim_by_id(session: Session, claim_id: int) -> SsoDomain:
    claim = session.get(SsoDomain, claim_id)
    if claim is None:
        raise NotFound(_l("No such domain claim."))
    return claim


def describe(session: Session, claim: SsoDomain) -> DomainClaim:
    tenant = session.get(Tenant, claim.tenant_id)
    return _claim(claim, tenant.slug, tenant.name)


# --- changing claims -------------------------------------------------------------------------


def check_claimable(session: Session, tenant: Tenant, domains: list[str], *, trusted: bool) -> None:
    """Refuse (before anything is written) a domain another tenant has claimed, and, unless
    the operator asks (``trusted``), a domain new to this tenant that other organisations'
    accounts use. Domains the tenant already has are not checked again."""
    taken = session.scalar(
        select(SsoDomain.domain).where(
            SsoDomain.domain.in_(domains), SsoDomain.tenant_id != tenant.id
        )
    )
    if taken:
        raise ValidationError(
            _l("The domain %(domain)s already belongs to another organisation.", domain=taken),
            "domains",
        )
    if trusted:
        return
    held = {c.domain for c in tenant_claims(session, tenant)}
    for domain in domains:
        if domain not in held and used_elsewhere(session, tenant, domain):
            raise ValidationError(
                _l(
                    "The domain %(domain)s is used by accounts of another organisation, so it"
                    " cannot be added here. Ask the platform administrators.",
                    domain=domain,
                ),
                "domains",
            )


def used_elsewhere(session: Session, tenant: Tenant, domain: str) -> bool:
    """Does anyone with an address at ``domain`` hold a role in another tenant, administer a
    consortium or the platform?

    Other tenants' memberships are hidden by row-level security, so the question is asked
    under an explicit scope of every tenant: read-only, inside this function, and answering
    one yes or no (the same the refusal tells the administrator). Users and consortium
    administrators are not tenant rows.
    """
    addresses = User.email.like(f"%@{domain}")  # the domain is validated: no LIKE wildcards
    admins = session.scalar(
        select(User.id)
        .where(
            addresses,
            or_(
                User.is_platform_admin.is_(True),
                User.id.in_(select(ConsortiumAdmin.user_id)),
            ),
        )
        .limit(1)
        .execution_options(**SCOPE_FREE)
    )
    if admins is not None:
        return True
    every_tenant = tuple(session.scalars(select(Tenant.id).execution_options(**SCOPE_FREE)))
    with scoped(session, TenantScope(every_tenant)):
        elsewhere = session.scalar(
            select(Membership.id)
            .join(User, User.id == Membership.user_id)
            .where(addresses, Membership.tenant_id != tenant.id)
            .limit(1)
        )
    return elsewhere is not None


def sync_claims(session: Session, tenant: Tenant, wanted: list[str], *, trusted: bool) -> None:
    """Make the tenant's claims ``wanted`` (already validated and checked): drop the others
    (verification with them), add new ones pending, or verified when ``trusted``; the
    operator's word also verifies the tenant's pending ones it lists."""
    current = {c.domain: c for c in tenant_claims(session, tenant)}
    for name in sorted(set(current) - set(wanted)):
        _drop(session, current[name], "sso.domain_remove")
    for name in wanted:
        claim = current.get(name)
        if claim is None:
            claim = SsoDomain(domain=name, tenant_id=tenant.id)
            session.add(claim)
            session.flush()
            record_event(
                session,
                "sso.domain_claim",
                tenant_id=tenant.id,
                target_type="sso_domain",
                target_id=claim.id,
                details={"domain": name, "pending": not trusted},
            )
        if trusted and not claim.verified:
            verify(session, claim, via=VERIFIED_BY_OPERATOR)
    session.flush()


def remove_claims(session: Session, tenant: Tenant) -> None:
    for claim in tenant_claims(session, tenant):
        _drop(session, claim, "sso.domain_remove")
    session.flush()


def verify(session: Session, claim: SsoDomain, *, via: str) -> SsoDomain:
    """Mark a pending claim proven (``via``: who or what proved it)."""
    if claim.verified:
        raise ValidationError(
            _l("The domain %(domain)s is already verified.", domain=claim.domain), "domain"
        )
    claim.verified_at = clock.now()
    claim.verified_via = via
    session.flush()
    _record_both(session, "sso.domain_verify", claim, {"domain": claim.domain, "via": via})
    return claim


def reject(session: Session, claim: SsoDomain) -> None:
    """Refuse a claim (or withdraw a verified one): the row goes, so the domain is free."""
    _record_both(
        session,
        "sso.domain_reject",
        claim,
        {"domain": claim.domain, "was_verified": claim.verified},
    )
    session.delete(claim)
    session.flush()


def _drop(session: Session, claim: SsoDomain, action: str) -> None:
    record_event(
        session,
        action,
        tenant_id=claim.tenant_id,
        target_type="sso_domain",
        target_id=claim.id,
        details={"domain": claim.domain, "was_verified": claim.verified},
    )
    session.delete(claim)


def _record_both(session: Session, action: str, claim: SsoDomain, details: dict) -> None:
    """In the tenant's chain (its administrators see it) and the platform's (who decided)."""
    for chain_tenant in (claim.tenant_id, None):
        record_event(
            session,
            action,
            tenant_id=chain_tenant,
            target_type="sso_domain",
            target_id=claim.id,
            details={**details, "tenant_id": claim.tenant_id},
        )


def _claim(row: SsoDomain, slug: str, name: str) -> DomainClaim:
    return DomainClaim(
        id=row.id,
        domain=row.domain,
        tenant_id=row.tenant_id,
        tenant_slug=slug,
        tenant_name=name,
        claimed_at=row.created_at,
        verified_at=row.verified_at,
        verified_via=row.verified_via,
    )
