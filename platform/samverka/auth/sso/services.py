"""Configuring a tenant's OpenID Connect provider, and finding a tenant by e-mail domain.

Every function expects the session to be scoped to the tenant concerned (the provider row is
tenant-owned); :func:`tenant_for_email` needs no scope (it reads the domain directory).
Validation happens before anything is written, so bad input changes nothing.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from samverka.audit import record_event
from samverka.auth.permissions import PermissionRegistry
from samverka.auth.sso.models import (
    DEFAULT_EMAIL_CLAIM,
    DEFAULT_GROUPS_CLAIM,
    DEFAULT_SCOPES,
    IdentityProvider,
    SsoDomain,
)
from samverka.db import SCOPE_FREE
from samverka.errors import ValidationError
from samverka.tenants.models import Tenant

CLAIM_NAME = re.compile(r"^[A-Za-z0-9_:./\-]{1,100}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")  # RFC 6749 scope-token
LOOPBACK_HOSTS = {"localhost"}


@dataclass
class ProviderSettings:
    """What an administrator sets; ``client_secret`` None or empty keeps the stored one."""

    issuer: str
    client_id: str
    client_secret: str | None = None
    scopes: str = DEFAULT_SCOPES
    email_claim: str = DEFAULT_EMAIL_CLAIM
    groups_claim: str = DEFAULT_GROUPS_CLAIM
    role_map: dict[str, str] = field(default_factory=dict)
    domains: list[str] = field(default_factory=list)
    enabled: bool = True


def get_provider(session: Session, tenant: Tenant) -> IdentityProvider | None:
    return session.scalar(select(IdentityProvider).where(IdentityProvider.tenant_id == tenant.id))


def tenant_domains(session: Session, tenant: Tenant) -> list[str]:
    return list(
        session.scalars(
            select(SsoDomain.domain).where(SsoDomain.tenant_id == tenant.id).order_by("domain")
        )
    )


def current_settings(session: Session, tenant: Tenant) -> ProviderSettings | None:
    """The stored settings without the secret (for forms and ``idp show``)."""
    provider = get_provider(session, tenant)
    if provider is None:
        return None
    return ProviderSettings(
        issuer=provider.issuer,
        client_id=provider.client_id,
        scopes=provider.scopes,
        email_claim=provider.email_claim,
        groups_claim=provider.groups_claim,
        role_map=dict(provider.role_map or {}),
        domains=tenant_domains(session, tenant),
        enabled=provider.enabled,
    )


def set_provider(
    session: Session, registry: PermissionRegistry, tenant: Tenant, settings: ProviderSettings
) -> IdentityProvider:
    """Create or replace the tenant's provider settings (validated first, then written)."""
    provider = get_provider(session, tenant)
    clean = _validated(session, registry, tenant, settings, has_secret=provider is not None)
    if provider is None:
        provider = IdentityProvider(tenant_id=tenant.id)
        session.add(provider)
    provider.issuer = clean.issuer
    provider.client_id = clean.client_id
    if clean.client_secret:
        provider.client_secret = clean.client_secret
    provider.scopes = clean.scopes
    provider.email_claim = clean.email_claim
    provider.groups_claim = clean.groups_claim
    provider.role_map = clean.role_map
    provider.enabled = clean.enabled
    session.execute(delete(SsoDomain).where(SsoDomain.tenant_id == tenant.id))
    session.add_all(SsoDomain(domain=d, tenant_id=tenant.id) for d in clean.domains)
    session.flush()
    record_event(
        session,
        "sso.provider_set",
        tenant_id=tenant.id,
        target_type="identity_provider",
        target_id=provider.id,
        details={"enabled": clean.enabled, "client_rotated": bool(clean.client_secret)},
    )
    return provider


def remove_provider(session: Session, tenant: Tenant) -> bool:
    """Forget the tenant's provider and domains; SSO-granted roles stay until removed by hand."""
    provider = get_provider(session, tenant)
    session.execute(delete(SsoDomain).where(SsoDomain.tenant_id == tenant.id))
    if provider is None:
        return False
    session.delete(provider)
    session.flush()
    record_event(
        session,
        "sso.provider_remove",
        tenant_id=tenant.id,
        target_type="identity_provider",
        target_id=provider.id,
    )
    return True


def tenant_for_email(session: Session, email: str) -> Tenant | None:
    """The tenant whose provider signs in people with this e-mail's domain (no scope needed).

    Disabled providers keep their domains; the SSO start page then says so.
    """
    domain = email_domain(email)
    if not domain:
        return None
    return session.scalar(
        select(Tenant)
        .join(SsoDomain, SsoDomain.tenant_id == Tenant.id)
        .where(SsoDomain.domain == domain)
        .execution_options(**SCOPE_FREE)
    )


def email_domain(email: str) -> str:
    _, at, domain = (email or "").strip().rpartition("@")
    return domain.lower().rstrip(".") if at else ""


# --- parsing the CLI's and the form's text ---------------------------------------------------


def parse_role_map(text: str | None) -> dict[str, str]:
    """``group=role`` pairs separated by commas or new lines."""
    mapping: dict[str, str] = {}
    for item in re.split(r"[,\n]", text or ""):
        if not item.strip():
            continue
        group, sep, role = item.partition("=")
        if not sep or not group.strip() or not role.strip():
            raise ValidationError(
                _l("Write each mapping as group=role (got “%(item)s”).", item=item.strip()),
                "role_map",
            )
        mapping[group.strip()] = role.strip()
    return mapping


def parse_domains(text: str | None) -> list[str]:
    """Domains separated by commas, spaces or new lines."""
    return [d for d in re.split(r"[,\s]+", text or "") if d]


def format_role_map(mapping: dict[str, str]) -> str:
    return "\n".join(f"{group}={role}" for group, role in sorted(mapping.items()))


# --- validation ------------------------------------------------------------------------------


def _validated(
    session: Session,
    registry: PermissionRegistry,
    tenant: Tenant,
    settings: ProviderSettings,
    *,
    has_secret: bool,
) -> ProviderSettings:
    secret = (settings.client_secret or "").strip()
    if not secret and not has_secret:
        raise ValidationError(_l("Enter the client secret."), "client_secret")
    client_id = (settings.client_id or "").strip()
    if not client_id or len(client_id) > 255:
        raise ValidationError(_l("Enter the client ID (at most 255 characters)."), "client_id")
    return ProviderSettings(
        issuer=_valid_issuer(settings.issuer),
        client_id=client_id,
        client_secret=secret or None,
        scopes=_valid_scopes(settings.scopes),
        email_claim=_valid_claim(settings.email_claim, "email_claim"),
        groups_claim=_valid_claim(settings.groups_claim, "groups_claim"),
        role_map=_valid_role_map(registry, settings.role_map),
        domains=_valid_domains(session, tenant, settings.domains),
        enabled=bool(settings.enabled),
    )


def _valid_issuer(issuer: str) -> str:
    """HTTPS, or plain HTTP on a loopback address (tests, a provider on the same host)."""
    issuer = (issuer or "").strip()
    parts = urlsplit(issuer)
    secure = parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname))
    if not (secure and parts.hostname) or parts.query or parts.fragment or len(issuer) > 500:
        raise ValidationError(
            _l("Enter the issuer as an https:// address, e.g. https://login.example.se."),
            "issuer",
        )
    return issuer


def _is_loopback(host: str | None) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _valid_scopes(scopes: str) -> str:
    items = (scopes or "").split()
    if "openid" not in items or not all(SCOPE.match(s) for s in items):
        raise ValidationError(_l("The scopes must include “openid”."), "scopes")
    return " ".join(dict.fromkeys(items))


def _valid_claim(name: str, field_name: str) -> str:
    name = (name or "").strip()
    if not CLAIM_NAME.match(name):
        raise ValidationError(_l("Enter a claim name such as “email”."), field_name)
    return name


def _valid_role_map(registry: PermissionRegistry, mapping: dict[str, str]) -> dict[str, str]:
    tenant_roles = sorted(r.name for r in registry.roles.values() if r.level == "tenant")
    for group, role in mapping.items():
        if not group.strip() or len(group) > 255:
            raise ValidationError(_l("A group name is empty or too long."), "role_map")
        if role not in tenant_roles:
            raise ValidationError(
                _l(
                    "Unknown role “%(role)s” for group “%(group)s”; choose one of: %(roles)s.",
                    role=role,
                    group=group,
                    roles=", ".join(tenant_roles),
                ),
                "role_map",
            )
    return {group.strip(): role for group, role in mapping.items()}


def _valid_domains(session: Session, tenant: Tenant, domains: list[str]) -> list[str]:
    clean = list(dict.fromkeys(d.strip().lower().rstrip(".") for d in domains if d.strip()))
    for domain in clean:
        if not DOMAIN.match(domain):
            raise ValidationError(
                _l("“%(domain)s” is not an e-mail domain such as sunne.se.", domain=domain),
                "domains",
            )
    taken = session.scalar(
        select(SsoDomain.domain).where(
            SsoDomain.domain.in_(clean), SsoDomain.tenant_id != tenant.id
        )
    )
    if taken:
        raise ValidationError(
            _l("The domain %(domain)s already belongs to another organisation.", domain=taken),
            "domains",
        )
    return clean
