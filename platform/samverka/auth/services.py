"""Users, memberships and administrators."""

from __future__ import annotations

from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, select, text
from sqlalchemy.orm import Session

from samverka.audit import record_event
from samverka.auth.directory import reachable_user
from samverka.auth.emails import normalise_email
from samverka.auth.models import ConsortiumAdmin, User
from samverka.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from samverka.auth.permissions import PermissionRegistry
from samverka.errors import Conflict, NotFound, ValidationError
from samverka.tenants.models import Consortium, Membership, Tenant


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


ADMIN_ROLE = "tenant_admin"
#: Who may deliberately leave an organisation without an administrator (registry: platform
#: administrators and the operator).
LEAVE_WITHOUT_ADMIN = "tenant:members:leave_without_admin"


class LastAdministrator(Conflict):
    """The change would leave the organisation without an administrator (nothing changed).

    A tenant must always keep someone who can manage its members, modules, tokens and single
    sign-on; otherwise only a platform administrator can repair it. Refused for everyone
    unless the caller passes ``leave_without_admin`` after authorising
    :data:`LEAVE_WITHOUT_ADMIN`.
    """

    def __init__(self, tenant: Tenant, user_id: int, role: str | None) -> None:
        super().__init__(
            _l(
                "%(tenant)s must keep at least one administrator: appoint another "
                "administrator before removing this one.",
                tenant=tenant.name,
            )
        )
        self.tenant_id = tenant.id
        self.user_id = user_id
        self.role = role


def remove_member(
    session: Session,
    user_id: int,
    tenant: Tenant,
    role: str | None = None,
    *,
    leave_without_admin: bool = False,
) -> int:
    """Take ``role`` (every role when None) from the user in ``tenant``; the number of roles
    removed (0: the user held none of them).

    The one rule for every door (pages, API, CLI, SSO): the tenant's last active
    administrator is never removed or demoted — :class:`LastAdministrator` — unless
    ``leave_without_admin`` (the caller has authorised :data:`LEAVE_WITHOUT_ADMIN`), which
    is audited as such. The session must be scoped to ``tenant``.
    """
    orphaned = False
    if role in (None, ADMIN_ROLE):
        orphaned = _would_leave_without_admin(session, tenant, user_id)
        if orphaned and not leave_without_admin:
            raise LastAdministrator(tenant, user_id, role)
    query = delete(Membership).where(
        Membership.tenant_id == tenant.id, Membership.user_id == user_id
    )
    if role is not None:
        query = query.where(Membership.role == role)
    removed = session.execute(query).rowcount
    if removed:
        details: dict[str, Any] = {"role": role}
        if orphaned:
            details["left_without_admin"] = True
        record_event(
            session,
            "member.remove",
            tenant_id=tenant.id,
            target_type="user",
            target_id=user_id,
            details=details,
        )
    return removed


def record_refusal(session: Session, error: LastAdministrator) -> None:
    """Audit a refused removal of the last administrator, in a transaction of its own (the
    caller has rolled the change back; this commits only the audit entry)."""
    session.rollback()
    record_event(
        session,
        "member.remove",
        tenant_id=error.tenant_id,
        target_type="user",
        target_id=error.user_id,
        outcome="denied",
        details={"role": error.role, "reason": "last_admin"},
    )
    session.commit()


def _would_leave_without_admin(session: Session, tenant: Tenant, user_id: int) -> bool:
    """Whether ``user_id`` is the tenant's only active administrator (deactivated accounts
    administer nothing: they cannot sign in).

    First every change of the tenant's administrators is serialised on the tenant's row
    (:func:`_lock_tenant`), so the count that follows sees whatever a concurrent removal has
    committed: two administrators demoting each other at the same moment cannot both
    succeed — the second one waits, counts again and is refused.
    """
    _lock_tenant(session, tenant)
    rows = session.execute(
        select(Membership.user_id, User.is_active)
        .join(User, User.id == Membership.user_id)
        .where(Membership.tenant_id == tenant.id, Membership.role == ADMIN_ROLE)
    ).all()
    active = {uid for uid, is_active in rows if is_active}
    return user_id in active and not (active - {user_id})


def _lock_tenant(session: Session, tenant: Tenant) -> None:
    """Hold the tenant's row until the transaction ends, with a no-op UPDATE.

    One statement for both databases: on PostgreSQL it takes the row's lock (``FOR NO KEY
    UPDATE`` strength, as the key does not change: rows that merely reference the tenant are
    not blocked), and under READ COMMITTED the next statement sees what the previous holder
    committed; on SQLite (whose driver opens no transaction for plain SELECTs) it takes the
    database's write lock, waiting out the busy timeout for a concurrent writer.
    """
    session.execute(text("UPDATE tenants SET id = id WHERE id = :id"), {"id": tenant.id})


def member_account(
    session: Session, tenant: Tenant, email: str, name: str | None, *, everyone: bool = False
) -> User:
    """The account a tenant's administrator adds by e-mail: a reachable user
    (:func:`samverka.auth.directory.reachable_user`), or a new user when a name is given.

    An address held by an account outside the tenant's reach is treated as not found: with
    no name the answer is the same as for an unknown address; with a name it cannot be
    created again (the address is taken) and the refusal names no one. Only a platform
    administrator (``everyone``: the caller has authorised ``platform:users:manage``, who
    sees every account anyway) or the operator links an account across consortia.
    """
    email = normalise_email(email)
    user = find_user(session, email) if everyone else reachable_user(session, tenant, email)
    if user is not None:
        return user
    if not (name or "").strip():
        raise ValidationError(_l("Enter a name: there is no user with that e-mail yet."), "name")
    if session.scalar(
        select(User.id).where(User.email == email).execution_options(samverka_scope_free=True)
    ):
        raise ValidationError(
            _l(
                "This address cannot be added here. If the person already uses Samverka in "
                "another organisation, ask a platform administrator to add them."
            ),
            "email",
        )
    return create_user(session, email, name)


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
