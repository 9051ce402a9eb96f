"""Who an organisation may find: the directory scope of every look-up of a person.

A tenant's people name other people when they add a council member, give an assignment to
someone, or add a member to their own organisation. Such a look-up by e-mail or user id
must find only people of the organisations the tenant already works with — the tenant
itself, the other members of its consortia and those consortia's administrators — never any
account on the platform (another
consortium's staff, a platform administrator). And it must answer an address outside that
set exactly as it answers an address nobody has: the same ``None``, after the same SQL
statements (one to list the reachable tenants, one to find the user among their members),
so neither the message, the status nor the timing tells the two apart.

:func:`reachable_user` is the one place that decides; every door (pages, API, services)
calls it rather than querying ``users`` itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from samverka.auth.emails import normalise_email
from samverka.auth.models import ConsortiumAdmin, User
from samverka.db import SCOPE_FREE, SCOPE_SQL, SENT_KEY, TenantScope, get_scope
from samverka.errors import ValidationError
from samverka.tenants.models import Membership, Tenant, consortium_tenants

MAX_ID = 2**31 - 1  # ids are INTEGER: a larger one names nobody (and would not bind)


def reachable_tenant_ids(session: Session, tenant: Tenant) -> tuple[int, ...]:
    """The tenant and every tenant that shares a consortium with it (sorted ids).

    ``consortium_tenants`` is a directory table (no row-level security): which organisations
    work together is known to the whole platform.
    """
    rows = session.scalars(partner_ids_select((tenant.id,)).execution_options(**SCOPE_FREE))
    return tuple(sorted({tenant.id, *rows}))


def partner_ids_select(tenant_ids: Iterable[int]) -> Select:
    """The ids of the tenants sharing a consortium with one of ``tenant_ids`` (themselves
    included when they are in a consortium), as a SELECT to run or to embed in a query."""
    own = consortium_tenants.alias("own")
    return (
        select(consortium_tenants.c.tenant_id)
        .join(own, own.c.consortium_id == consortium_tenants.c.consortium_id)
        .where(own.c.tenant_id.in_(tuple(tenant_ids)))
    )


def reachable_user(session: Session, tenant: Tenant, ref: object) -> User | None:
    """The user ``ref`` names (an e-mail address, or a user id as int or digits) if they hold a
    role in ``tenant`` or in a tenant of one of its consortia, or administer one of its
    consortia; otherwise None.

    Unknown, malformed and unreachable references all give None after the same two
    statements (the user test runs even when the reference cannot name anyone).
    """
    tenant_ids = reachable_tenant_ids(session, tenant)
    # The candidate's id (NULL when nobody has the reference) and the membership test are
    # both evaluated whoever is named: the membership probe runs for id 0 when nobody is,
    # so an unknown reference does the same work as an account out of reach.
    candidate = select(User.id).where(_user_filter(ref)).scalar_subquery()
    member_there = (
        select(Membership.id)
        .where(
            Membership.user_id == func.coalesce(candidate, 0),
            Membership.tenant_id.in_(tenant_ids),
        )
        .exists()
    )
    administers_ours = (
        select(ConsortiumAdmin.id)
        .where(
            ConsortiumAdmin.user_id == func.coalesce(candidate, 0),
            ConsortiumAdmin.consortium_id.in_(
                select(consortium_tenants.c.consortium_id).where(
                    consortium_tenants.c.tenant_id == tenant.id
                )
            ),
        )
        .exists()
    )
    query = (
        select(User)
        .where(or_(member_there, administers_ours), User.id == candidate)
        .execution_options(**SCOPE_FREE)
    )
    with _database_reads(session, tenant_ids):
        return session.scalar(query)


def require_reachable_user(session: Session, tenant: Tenant, ref: object, field: str) -> User:
    """:func:`reachable_user`, or the one message for nobody-that-you-can-reach."""
    found = reachable_user(session, tenant, ref)
    if found is None:
        raise ValidationError(_l("No such user."), field)
    return found


def _user_filter(ref: object):
    """The WHERE clause for ``ref``; a reference that can name nobody matches no row (the
    statement still runs, so it costs what a real look-up costs)."""
    if isinstance(ref, User):
        ref = ref.id
    if isinstance(ref, int) and not isinstance(ref, bool):
        return User.id == ref if 0 < ref <= MAX_ID else User.id == -1
    text = str(ref or "").strip()
    if text.isdigit():
        number = int(text)
        return User.id == number if 0 < number <= MAX_ID else User.id == -1
    try:
        return User.email == normalise_email(text)
    except ValidationError:
        return User.id == -1


@contextmanager
def _database_reads(session: Session, tenant_ids: tuple[int, ...]) -> Iterator[None]:
    """Let the next (scope-free, read-only) statement see the memberships of ``tenant_ids``
    on PostgreSQL, then give the transaction back the session's own scope.

    Why not :func:`samverka.db.scoped`: switching the session's scope drops the tenant rows
    it has loaded from the identity map, and a look-up happens in the middle of a change
    (the council being edited must stay attached). Only the database's setting is widened,
    for one statement that reads one column of memberships (does this user work in one of
    these tenants); the ORM never sees another scope. SQLite has no row-level security: the
    explicit ``tenant_id IN (...)`` of the statement is the whole rule there.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    connection = session.connection()
    own = get_scope(session)
    _send_scope(connection, TenantScope(tenant_ids, own.user_id))
    try:
        yield
    finally:
        _send_scope(connection, own)


def _send_scope(connection, scope: TenantScope) -> None:
    connection.exec_driver_sql(
        SCOPE_SQL,
        {"tenants": scope.tenant_csv, "user": str(scope.user_id or "")},
        execution_options=SCOPE_FREE,
    )
    connection.info[SENT_KEY] = scope
