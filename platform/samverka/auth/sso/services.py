"""Configuring a tenant's OpenID Connect provider and the e-mail domains it claims.

Every function expects the session to be scoped to the tenant concerned (the provider row is
tenant-owned); :func:`tenant_for_email` needs no scope (it reads the domain directory).
Validation happens before anything is written, so bad input changes nothing.

Two callers: the tenant's settings page (a tenant administrator: new domains are *pending*
until a platform administrator approves them, and domains other organisations' accounts use
are refused) and the operator's ``samverka idp set`` (``trusted``: the domains it lists are
verified at once). See :mod:`samverka.auth.sso.domains`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka.audit import record_event
from samverka.auth.permissions import PermissionRegistry
from samverka.auth.sso import domains as claims
from samverka.auth.sso.binding import clear_bindings
from samverka.auth.sso.domains import email_domain, tenant_for_email, verified_domains
from samverka.auth.sso.models import (
    DEFAULT_EMAIL_CLAIM,
    DEFAULT_GROUPS_CLAIM,
    DEFAULT_MFA_AMR,
    DEFAULT_SCOPES,
    IdentityProvider,
)
from samverka.db import TenantScope, scoped
from samverka.errors import ValidationError
from samverka.tenants.models import Tenant

__all__ = [  # re-exported: callers find the domain lookups here, as before
    "email_domain",
    "tenant_for_email",
    "verified_domains",
]

CLAIM_NAME = re.compile(r"^[A-Za-z0-9_:./\-]{1,100}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")  # RFC 6749 scope-token
ASSURANCE_VALUE = re.compile(r"^[\x21-\x7e]{1,255}$")  # an amr or acr value: no spaces
MAX_ASSURANCE_VALUES = 20
MAX_DOMAIN = 100  # longer than any real e-mail domain; fits an audit detail
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
    # ID token values that count as the provider vouching for a second factor
    mfa_amr: list[str] = field(default_factory=lambda: list(DEFAULT_MFA_AMR))
    mfa_acr: list[str] = field(default_factory=list)


def get_provider(session: Session, tenant: Tenant) -> IdentityProvider | None:
    return session.scalar(select(IdentityProvider).where(IdentityProvider.tenant_id == tenant.id))


def provider_enabled(session: Session, tenant: Tenant) -> bool:
    """Has the tenant an enabled provider? Asked under the tenant's own scope (the provider
    row is tenant-owned) by pages of someone not yet signed in to it: the yes or no only."""
    with scoped(session, TenantScope.for_tenant(tenant.id)):
        provider = get_provider(session, tenant)
        return provider is not None and bool(provider.enabled)


def tenant_domains(session: Session, tenant: Tenant) -> list[str]:
    """Every domain the tenant claims, pending or verified."""
    return [c.domain for c in claims.tenant_claims(session, tenant)]


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
        mfa_amr=list(provider.mfa_amr or []),
        mfa_acr=list(provider.mfa_acr or []),
    )


def set_provider(
    session: Session,
    registry: PermissionRegistry,
    tenant: Tenant,
    settings: ProviderSettings,
    *,
    trusted: bool = False,
) -> IdentityProvider:
    """Create or replace the tenant's provider settings (validated first, then written).

    ``trusted`` (the operator): the domains listed are verified at once, and may be domains
    other organisations' accounts use. Otherwise new domains are pending claims. A changed
    issuer unbinds the accounts bound to the old one (a ``sub`` is unique per issuer only).
    """
    has_secret = get_provider(session, tenant) is not None
    clean = _validated(session, registry, tenant, settings, has_secret=has_secret, trusted=trusted)
    provider = get_provider(session, tenant)  # again: the checks may have changed the scope
    old_issuer = provider.issuer if provider is not None else None
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
    provider.mfa_amr = clean.mfa_amr
    provider.mfa_acr = clean.mfa_acr
    session.flush()
    claims.sync_claims(session, tenant, clean.domains, trusted=trusted)
    if old_issuer is not None and old_issuer != clean.issuer:
        clear_bindings(session, tenant, reason="issuer_changed")
    record_event(
        session,
        "sso.provider_set",
        tenant_id=tenant.id,
        target_type="identity_provider",
        target_id=provider.id,
        details={
            "enabled": clean.enabled,
            "client_rotated": bool(clean.client_secret),
            "mfa_amr_count": len(clean.mfa_amr),  # counts: the values are free-form text
            "mfa_acr_count": len(clean.mfa_acr),
        },
    )
    return provider


def remove_provider(session: Session, tenant: Tenant) -> bool:
    """Forget the tenant's provider, its domains (their verification with them) and the
    accounts' bindings to it; SSO-granted roles stay until removed by hand."""
    provider = get_provider(session, tenant)
    claims.remove_claims(session, tenant)
    clear_bindings(session, tenant, reason="provider_removed")
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


def parse_values(text: str | None) -> list[str]:
    """``amr``/``acr`` values separated by commas, spaces or new lines."""
    return [v for v in re.split(r"[,\s]+", text or "") if v]


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
    trusted: bool,
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
        domains=_valid_domains(session, tenant, settings.domains, trusted=trusted),
        enabled=bool(settings.enabled),
        mfa_amr=_valid_assurance(settings.mfa_amr, "mfa_amr"),
        mfa_acr=_valid_assurance(settings.mfa_acr, "mfa_acr"),
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


def _valid_assurance(values: list[str], field_name: str) -> list[str]:
    clean = list(dict.fromkeys(v.strip() for v in values or [] if v and v.strip()))
    if len(clean) > MAX_ASSURANCE_VALUES or not all(ASSURANCE_VALUE.match(v) for v in clean):
        raise ValidationError(
            _l("Enter at most 20 values without spaces, e.g. mfa or otp."), field_name
        )
    return clean


def _valid_domains(
    session: Session, tenant: Tenant, domains: list[str], *, trusted: bool
) -> list[str]:
    clean = list(dict.fromkeys(d.strip().lower().rstrip(".") for d in domains if d.strip()))
    for domain in clean:
        if len(domain) > MAX_DOMAIN or not DOMAIN.match(domain):
            raise ValidationError(
                _l("“%(domain)s” is not an e-mail domain such as sunne.se.", domain=domain[:120]),
                "domains",
            )
    claims.check_claimable(session, tenant, clean, trusted=trusted)
    return clean
