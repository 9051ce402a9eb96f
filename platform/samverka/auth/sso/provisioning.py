"""Turning a verified ID token into a user with roles in the provider's tenant.

Rules (deliberately strict; each refusal changes nothing):

* The e-mail comes from the configured claim; ``email_verified: false`` is refused.
* When the tenant lists e-mail domains, the e-mail must be in one of them.
* An existing account is accepted only if its domain is one of the tenant's, or it already
  holds a role in the tenant: a provider must never sign in someone else's account (e.g. a
  platform administrator) just by asserting their address.
* Platform administrators are refused: one organisation's provider must not be able to hand
  out platform-wide power; they log in with their password.
* The groups claim must map to at least one role; no mapped group refuses the login (rather
  than granting ``reader`` by default) and takes back the roles SSO granted earlier.
* Roles are synchronised in that tenant only: mapped roles the user lacks are granted and
  remembered as SSO grants; SSO grants no longer mapped are removed. Roles given by hand are
  never removed.
* New users are created without a password (they can only sign in through their provider).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from samverka.audit import record_event
from samverka.auth import services as accounts
from samverka.auth.models import User
from samverka.auth.permissions import PermissionRegistry
from samverka.auth.sso.models import IdentityProvider, SsoRoleGrant
from samverka.auth.sso.services import email_domain, tenant_domains
from samverka.db import SCOPE_FREE
from samverka.errors import SamverkaError
from samverka.tenants.models import Membership, Tenant

log = logging.getLogger(__name__)


class SsoRefused(SamverkaError):
    """The provider vouched for someone this tenant's SSO must not sign in (message: Swedish)."""

    def __init__(self, message: object, reason: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.reason = reason  # for the log: a fixed word, never claim values

    def __str__(self) -> str:
        return str(self.message)


def sign_in(
    session: Session,
    registry: PermissionRegistry,
    tenant: Tenant,
    provider: IdentityProvider,
    claims: Mapping[str, Any],
) -> User:
    """The user these claims describe, provisioned and with roles synchronised.

    The session must be scoped to ``tenant``. Raises :class:`SsoRefused`; on a refusal only
    the revocation of earlier SSO grants (no mapped group) is left in the session, for the
    caller to commit: every other refusal happens before anything is written.
    """
    email = _verified_email(claims, provider)
    domains = tenant_domains(session, tenant)
    if domains and email_domain(email) not in domains:
        raise SsoRefused(
            _l("Your e-mail address does not belong to this organisation."), "foreign_domain"
        )
    roles = mapped_roles(provider, claims)
    user = session.scalar(select(User).where(User.email == email).execution_options(**SCOPE_FREE))
    if user is not None:
        _check_existing(session, tenant, user, email, domains)
    if not roles:
        if user is not None:
            sync_roles(session, registry, tenant, user, set())  # the caller commits this
        raise SsoRefused(
            _l("Your organisation has not given you access to Samverka (no matching group)."),
            "no_mapped_group",
        )
    if user is None:
        user = accounts.create_user(session, email, _display_name(claims, email))
    sync_roles(session, registry, tenant, user, roles)
    return user


def mapped_roles(provider: IdentityProvider, claims: Mapping[str, Any]) -> set[str]:
    groups = claims.get(provider.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    mapping = provider.role_map or {}
    return {mapping[g] for g in groups if isinstance(g, str) and g in mapping}


def sync_roles(
    session: Session, registry: PermissionRegistry, tenant: Tenant, user: User, wanted: set[str]
) -> None:
    held = set(
        session.scalars(
            select(Membership.role).where(
                Membership.tenant_id == tenant.id, Membership.user_id == user.id
            )
        )
    )
    granted = set(
        session.scalars(
            select(SsoRoleGrant.role).where(
                SsoRoleGrant.tenant_id == tenant.id, SsoRoleGrant.user_id == user.id
            )
        )
    )
    for role in sorted(wanted - held):
        accounts.add_member(session, registry, user, tenant, role)
        session.add(SsoRoleGrant(tenant_id=tenant.id, user_id=user.id, role=role))
    for role in sorted(granted - wanted):
        try:  # refused before anything is written
            accounts.remove_member(session, user.id, tenant, role)
        except accounts.LastAdministrator:
            _keep_last_admin(session, tenant, user, role)
            continue  # the grant stays: a later sync takes the role once another admin exists
        session.execute(
            delete(SsoRoleGrant).where(
                SsoRoleGrant.tenant_id == tenant.id,
                SsoRoleGrant.user_id == user.id,
                SsoRoleGrant.role == role,
            )
        )
    session.flush()


def _keep_last_admin(session: Session, tenant: Tenant, user: User, role: str) -> None:
    """The provider no longer maps this user to the administrator role, but they are the
    tenant's last administrator: keep the role (an organisation always keeps one), warn
    and audit, so that someone appoints another administrator."""
    log.warning(
        "SSO kept the last administrator role of user %s in tenant %s", user.id, tenant.slug
    )
    record_event(
        session,
        "sso.last_admin_kept",
        tenant_id=tenant.id,
        target_type="user",
        target_id=user.id,
        details={"role": role},
    )


def _verified_email(claims: Mapping[str, Any], provider: IdentityProvider) -> str:
    raw = claims.get(provider.email_claim)
    if not isinstance(raw, str) or not raw.strip():
        raise SsoRefused(_l("Your organisation's login did not tell us your e-mail."), "no_email")
    if claims.get("email_verified") is False:
        raise SsoRefused(
            _l("Your organisation's login has not verified your e-mail address."), "unverified"
        )
    try:
        return accounts.normalise_email(raw)
    except SamverkaError:
        raise SsoRefused(
            _l("Your organisation's login sent an invalid e-mail."), "bad_email"
        ) from None


def _check_existing(
    session: Session, tenant: Tenant, user: User, email: str, domains: list[str]
) -> None:
    if not user.is_active:
        raise SsoRefused(_l("Your account is switched off."), "inactive")
    if user.is_platform_admin:
        raise SsoRefused(
            _l("Platform administrators log in with their password, not through an organisation."),
            "platform_admin",
        )
    member = session.scalar(
        select(Membership.id).where(
            Membership.tenant_id == tenant.id, Membership.user_id == user.id
        )
    )
    if member is None and email_domain(email) not in domains:
        raise SsoRefused(
            _l("Your e-mail address does not belong to this organisation."), "foreign_account"
        )


def _display_name(claims: Mapping[str, Any], email: str) -> str:
    name = claims.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()[:200]
    return email.split("@", 1)[0]
