"""Users, memberships and administrators."""

from __future__ import annotations

from typing import Any, NamedTuple

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from samverka.audit import record_event
from samverka.auth.models import ConsortiumAdmin, User
from samverka.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from samverka.auth.permissions import PermissionRegistry
from samverka.errors import NotFound, ValidationError
from samverka.tenants.models import Consortium, Membership, Tenant


def _allow_test_domains() -> bool:
    """``.test`` addresses (demo, tests) are fine anywhere but in production."""
    from flask import current_app, has_app_context

    return not (has_app_context() and current_app.extensions["samverka"].settings.is_production)


def normalise_email(email: str) -> str:
    try:
        return validate_email(
            (email or "").strip(),
            check_deliverability=False,
            test_environment=_allow_test_domains(),
        ).normalized.lower()
    except EmailNotValidError:
        raise ValidationError(_l("Enter a valid e-mail address."), "email") from None


def validate_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _l("The password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            "password",
        )
    return password


def create_user(
    session: Session,
    email: str,
    name: str,
    password: str | None = None,
    *,
    platform_admin: bool = False,
) -> User:
    email = normalise_email(email)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_l("Enter a name."), "name")
    if session.scalar(select(User.id).where(User.email == email)):
        raise ValidationError(_l("A user with e-mail %(email)s exists.", email=email), "email")
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(validate_password(password)) if password else None,
        is_platform_admin=platform_admin,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        "user.create",
        tenant_id=None,
        target_type="user",
        target_id=user.id,
        details={"platform_admin": platform_admin},
    )
    return user


def find_user(session: Session, email: str) -> User | None:
    try:
        email = normalise_email(email)
    except ValidationError:
        return None
    return session.scalar(select(User).where(User.email == email))


def get_user(session: Session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise NotFound(_l("No user with e-mail %(email)s.", email=email))
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same time either way)."""
    user = find_user(session, email)
    ok = verify_password(user.password_hash if user else None, password)
    return user if ok and user is not None and user.is_active else None


def add_member(
    session: Session,
    registry: PermissionRegistry,
    user: User,
    tenant: Tenant,
    role: str,
    *,
    via_consortium: Consortium | None = None,
) -> Membership:
    """Give ``user`` the ``role`` in ``tenant``. ``via_consortium``: granted through that
    consortium's power, so it ends when the tenant leaves it
    (:func:`samverka.auth.consortium_grants.grant_source` says which)."""
    known = registry.roles.get(role)
    if known is None or known.level != "tenant":
        tenant_roles = ", ".join(
            sorted(r.name for r in registry.roles.values() if r.level == "tenant")
        )
        raise ValidationError(
            _l("Unknown role “%(role)s”; choose one of: %(roles)s.", role=role, roles=tenant_roles),
            "role",
        )
    existing = session.scalar(
        select(Membership).where(
            Membership.tenant_id == tenant.id,
            Membership.user_id == user.id,
            Membership.role == role,
        )
    )
    if existing is not None:
        return existing
    via_id = via_consortium.id if via_consortium is not None else None
    membership = Membership(
        tenant_id=tenant.id, user_id=user.id, role=role, via_consortium_id=via_id
    )
    session.add(membership)
    session.flush()
    details = {"role": role}
    if via_consortium is not None:
        details["via_consortium"] = via_consortium.slug
    record_event(
        session,
        "member.add",
        tenant_id=tenant.id,
        target_type="user",
        target_id=user.id,
        details=details,
    )
    return membership


def remove_member(session: Session, user_id: int, tenant: Tenant, role: str | None = None) -> int:
    query = delete(Membership).where(
        Membership.tenant_id == tenant.id, Membership.user_id == user_id
    )
    if role is not None:
        query = query.where(Membership.role == role)
    removed = session.execute(query).rowcount
    if removed:
        record_event(
            session,
            "member.remove",
            tenant_id=tenant.id,
            target_type="user",
            target_id=user_id,
            details={"role": role},
        )
    return removed


def tenant_members(session: Session, tenant: Tenant) -> list[tuple[User, list[str]]]:
    """Each member of the tenant with the roles held there, by name."""
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant.id)
        .order_by(User.name, Membership.role)
    )
    members: dict[int, tuple[User, list[str]]] = {}
    for user, role in rows:
        members.setdefault(user.id, (user, []))[1].append(role)
    return list(members.values())


class TenantLink(NamedTuple):
    slug: str
    name: str


def user_tenants(session: Session, user: User) -> list[TenantLink]:
    """The tenants the user belongs to (readable through the own-membership rule).

    Columns, not entities: this feeds the tenant switcher on every page.
    """
    return sorted_tenant_links(session.execute(user_tenants_query(user.id)))


def user_tenants_query(user_id: Any) -> Select:
    """(slug, name) of each tenant the user holds a role in, once each (``user_id`` may be a
    bind parameter)."""
    return (
        select(Tenant.slug, Tenant.name)
        .join(Membership, Membership.tenant_id == Tenant.id)
        .where(Membership.user_id == user_id)
        .distinct()
    )


def sorted_tenant_links(rows) -> list[TenantLink]:
    """Tenant links in the switcher's order: by name (then slug, for equal names)."""
    return sorted((TenantLink(slug, name) for slug, name in rows), key=lambda t: (t.name, t.slug))


def add_consortium_admin(session: Session, user: User, consortium: Consortium) -> ConsortiumAdmin:
    existing = session.scalar(
        select(ConsortiumAdmin).where(
            ConsortiumAdmin.user_id == user.id, ConsortiumAdmin.consortium_id == consortium.id
        )
    )
    if existing is not None:
        return existing
    admin = ConsortiumAdmin(user_id=user.id, consortium_id=consortium.id)
    session.add(admin)
    session.flush()
    record_event(
        session,
        "consortium.admin_add",
        tenant_id=None,
        target_type="user",
        target_id=user.id,
        details={"consortium_id": consortium.id},
    )
    return admin


def consortium_admins(session: Session, consortium: Consortium) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(ConsortiumAdmin, ConsortiumAdmin.user_id == User.id)
            .where(ConsortiumAdmin.consortium_id == consortium.id)
            .order_by(User.name)
        )
    )


def remove_consortium_admin(session: Session, user_id: int, consortium: Consortium) -> int:
    removed = session.execute(
        delete(ConsortiumAdmin).where(
            ConsortiumAdmin.user_id == user_id, ConsortiumAdmin.consortium_id == consortium.id
        )
    ).rowcount
    if removed:
        record_event(
            session,
            "consortium.admin_remove",
            tenant_id=None,
            target_type="user",
            target_id=user_id,
            details={"consortium_id": consortium.id},
        )
    return removed


def administered_consortia(session: Session, user: User) -> list[Consortium]:
    if user.is_platform_admin:
        return list(session.scalars(select(Consortium).order_by(Consortium.name)))
    return list(
        session.scalars(
            select(Consortium)
            .join(ConsortiumAdmin, ConsortiumAdmin.consortium_id == Consortium.id)
            .where(ConsortiumAdmin.user_id == user.id)
            .order_by(Consortium.name)
        )
    )
