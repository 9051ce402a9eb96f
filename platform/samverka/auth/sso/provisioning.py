"""Turning a verified ID token into a user with roles in the provider's tenant.

A provider is trusted for the people it manages, not for e-mail addresses. Rules
(deliberately strict; each refusal changes nothing, and says why in a fixed word):

* The account is found by the binding, tenant + ``sub`` (:mod:`samverka.auth.sso.binding`),
  never by e-mail. A bound account signs in.
* Without a binding, the e-mail's domain must be *verified* for the tenant
  (:mod:`samverka.auth.sso.domains`); then the provider may create a new account, bound to
  it and without a password. It may not take an existing one: a password account is refused
  (its owner logs in with the password and may then link the account, :func:`link`), as is
  an account bound elsewhere or to another ``sub`` of this provider. The one exception is an
  account this tenant's SSO made before bindings existed (no password, no binding, roles SSO
  granted here): it is bound on its first login.
* Never, bound or not: a platform administrator, a consortium administrator, or an account
  that holds roles in another tenant. One organisation's provider must not hand out power
  over other organisations (a session covers every tenant its account belongs to).
* ``email_verified: false`` is refused. The groups claim must map to at least one role; no
  mapped group refuses the login and takes back the roles SSO granted earlier.
* Roles are synchronised in that tenant only: mapped roles the user lacks are granted and
  remembered as SSO grants; SSO grants no longer mapped are removed. Roles given by hand are
  never removed.
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
from samverka.auth.models import ConsortiumAdmin, User
from samverka.auth.permissions import PermissionRegistry
from samverka.auth.sso import binding
from samverka.auth.sso.domains import email_domain, verified_domains
from samverka.auth.sso.models import IdentityProvider, SsoRoleGrant
from samverka.db import SCOPE_FREE, TenantScope, scoped
from samverka.errors import SamverkaError
from samverka.tenants.models import Membership, Tenant

log = logging.getLogger(__name__)
NOT_OURS = _l("Your e-mail address does not belong to this organisation.")


class SsoRefused(SamverkaError):
    """The provider vouched for someone this tenant's SSO must not sign in (message: Swedish)."""

    def __init__(self, message: object, reason: str, user: User | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.reason = reason  # for the log: a fixed word, never claim values
        # the existing account the provider's word was about, named in the audit log by id:
        # the platform administrators see which accounts an organisation's provider tried
        self.user = user

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
    subject = _subject(claims)
    email = _verified_email(claims, provider)
    roles = mapped_roles(provider, claims)
    user = binding.bound_user(session, tenant, subject)
    how = None
    if user is not None:
        check_eligible(session, tenant, user)
    else:
        user, how = _unbound(session, tenant, email)
    if not roles:
        if user is not None:
            sync_roles(session, registry, tenant, user, set())  # the caller commits this
        raise SsoRefused(
            _l("Your organisation has not given you access to Samverka (no matching group)."),
            "no_mapped_group",
        )
    if user is None:
        user = accounts.create_user(session, email, _display_name(claims, email))
    if how is not None:
        binding.bind(session, user, tenant, subject, how=how)
    sync_roles(session, registry, tenant, user, roles)
    return user


def link(
    session: Session,
    tenant: Tenant,
    provider: IdentityProvider,
    claims: Mapping[str, Any],
    user: User,
) -> None:
    """Bind ``user`` (signed in with their password, who asked for it) to the tenant's
    provider: only if the provider vouches for the account's own e-mail, in a domain
    verified for the tenant, and the account may be bound at all (:func:`check_linkable`)."""
    subject = _subject(claims)
    email = _verified_email(claims, provider)
    if email != user.email:
        raise SsoRefused(
            _l("Your organisation's login vouched for another e-mail address than your account's."),
            "email_mismatch",
        )
    check_linkable(session, tenant, user)
    if binding.bound_user(session, tenant, subject) is not None:
        raise SsoRefused(_l("That login is already linked to another account."), "subject_taken")
    binding.bind(session, user, tenant, subject, how="linked")


def check_linkable(session: Session, tenant: Tenant, user: User) -> None:
    """May this account be linked to the tenant's provider? (Asked before the flow starts,
    and again when the provider answers.)"""
    if email_domain(user.email) not in verified_domains(session, tenant):
        raise SsoRefused(NOT_OURS, "foreign_domain")
    check_eligible(session, tenant, user)
    if user.is_bound:
        raise SsoRefused(
            _l("Your account is already linked to an organisation's login."), "already_bound"
        )


def check_eligible(session: Session, tenant: Tenant, user: User) -> None:
    """Accounts no organisation's provider may ever sign in (bound or not)."""
    if not user.is_active:
        raise SsoRefused(_l("Your account is switched off."), "inactive", user)
    if user.is_platform_admin:
        raise SsoRefused(
            _l("Platform administrators log in with their password, not through an organisation."),
            "platform_admin",
            user,
        )
    admin = session.scalar(
        select(ConsortiumAdmin.id)
        .where(ConsortiumAdmin.user_id == user.id)
        .limit(1)
        .execution_options(**SCOPE_FREE)
    )
    if admin is not None:
        raise SsoRefused(
            _l(
                "Consortium administrators log in with their password, not through an organisation."
            ),
            "consortium_admin",
            user,
        )
    if _roles_elsewhere(session, tenant, user):
        raise SsoRefused(
            _l(
                "Your account works in more than one organisation, so it logs in with its"
                " password, not through one organisation's login."
            ),
            "roles_elsewhere",
            user,
        )


def _unbound(session: Session, tenant: Tenant, email: str) -> tuple[User | None, str]:
    """No account is bound to this ``sub``: a new account (None, "created"), an account this
    tenant's SSO made before bindings existed (it, "adopted"), or a refusal."""
    if email_domain(email) not in verified_domains(session, tenant):
        raise SsoRefused(NOT_OURS, "foreign_domain")
    user = session.scalar(select(User).where(User.email == email).execution_options(**SCOPE_FREE))
    if user is None:
        return None, "created"
    check_eligible(session, tenant, user)
    if user.is_bound and user.idp_tenant_id == tenant.id:
        raise SsoRefused(
            _l("Your e-mail address is already linked to another login at your organisation."),
            "other_subject",
            user,
        )
    if user.is_bound:
        raise SsoRefused(NOT_OURS, "bound_elsewhere", user)
    if user.password_hash:
        raise SsoRefused(
            _l(
                "You already have an account with a password. Log in with your password;"
                " on your account page you can then link it to your organisation's login."
            ),
            "password_account",
            user,
        )
    if not _has_sso_grants(session, tenant, user):
        raise SsoRefused(NOT_OURS, "foreign_account", user)
    return user, "adopted"


def _roles_elsewhere(session: Session, tenant: Tenant, user: User) -> bool:
    """Does the account hold a role in another tenant? Its own memberships are visible to a
    scope naming the user (as for the login itself), whatever the tenant."""
    with scoped(session, TenantScope((), user.id)):
        other = session.scalar(
            select(Membership.id)
            .where(Membership.user_id == user.id, Membership.tenant_id != tenant.id)
            .limit(1)
        )
    return other is not None


def _has_sso_grants(session: Session, tenant: Tenant, user: User) -> bool:
    return (
        session.scalar(
            select(SsoRoleGrant.id)
            .where(SsoRoleGrant.tenant_id == tenant.id, SsoRoleGrant.user_id == user.id)
            .limit(1)
        )
        is not None
    )


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


def _subject(claims: Mapping[str, Any]) -> str:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > binding.MAX_SUBJECT:
        raise SsoRefused(_l("Your organisation's login did not identify you."), "no_subject")
    return subject


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


def _display_name(claims: Mapping[str, Any], email: str) -> str:
    name = claims.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()[:200]
    return email.split("@", 1)[0]
