"""Database engine, sessions and the central tenant scoping.

Tenant isolation is layered (see ARCHITECTURE.md, "Tenancy"):

1. The ORM adds ``tenant_id IN (:scope)`` to every SELECT, UPDATE and DELETE of a tenant-owned
   model (``do_orm_execute`` + ``with_loader_criteria``) and stamps ``tenant_id`` on insert.
2. On PostgreSQL, row-level security enforces the same rule in the database; the scope is sent
   per transaction with ``set_config(..., true)`` (see :mod:`samverka.rls`).

The scope lives in ``session.info``. A session without a scope sees no tenant rows at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, ClassVar

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    create_engine,
    event,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from samverka.clock import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SCOPE_KEY = "samverka.scope"
# On a PostgreSQL connection: the scope its transaction should have, and the one last sent.
WANTED_KEY = "samverka.scope_wanted"
SENT_KEY = "samverka.scope_sent"
CACHE_KEY = "samverka.cache"


class Base(DeclarativeBase):
    """Declarative base for the core and for plugins (one MetaData, so foreign keys resolve).

    Plugin tables carry ``info={"plugin": name}`` so each migration history sees only its own.
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TenantScoped:
    """Marker for rows that carry a ``tenant_id`` and are visible only within a scope."""


class TenantOwned(TenantScoped):
    """Mixin for rows owned by one tenant: scoped on read/write, stamped on insert."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(
            Integer, ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False
        )


#: Stands for "the platform" in a scope's tenant ids: rows without a tenant (platform jobs,
#: platform audit entries) are visible only to a scope that includes it. Tenant ids start at
#: 1, so 0 never names a tenant.
PLATFORM_SCOPE_ID = 0


class TenantOrPlatformOwned(TenantScoped):
    """Mixin for rows owned by one tenant or, with ``tenant_id`` NULL, by the platform.

    ``tenant_id`` defaults to a nullable, indexed foreign key to ``tenants`` (a model may
    declare its own, e.g. the audit log's, which has no foreign key).
    Read, update and delete are scoped by ``coalesce(tenant_id, 0) IN (:scope)``: a tenant's
    scope sees neither another tenant's rows nor the platform's; platform work must say so by
    putting :data:`PLATFORM_SCOPE_ID` in its scope (:func:`platform_scope`). On insert a
    missing ``tenant_id`` is stamped from a single-tenant scope; it may stay NULL only when
    the scope includes the platform. PostgreSQL applies the same rule (:mod:`samverka.rls`).

    ``append_from_any_scope``: new rows skip the write check (the audit log records events
    where they happen, often outside the tenant concerned; its RLS admits every append).
    """

    append_from_any_scope: ClassVar[bool] = False

    @declared_attr
    def tenant_id(cls) -> Mapped[int | None]:
        return mapped_column(
            Integer, ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=True
        )


class ShareableTenantOwned(TenantScoped):
    """Owned by one tenant like :class:`TenantOwned`, but also *readable* where a record is
    shared (records and their attachments; see :mod:`samverka.records.models`).

    Reads see the scope's own rows OR rows whose ``share_key`` column (the record id) is in
    the ids shared into the scope: an active share naming a tenant of the scope, or naming a
    consortium one of whose members is in the scope. Bulk UPDATE/DELETE and every flush see
    the owner's rows only (stamped and checked like TenantOwned): shares never move
    ownership, and receivers never write. PostgreSQL's policies say the same (``rls.py``).
    """

    share_key: str = "id"
    #: Which record ids are shared into a scope: ``rule(tenant_ids)`` answers a SELECT of
    #: ids. Sharing is the records package's rule (:mod:`samverka.records.models` sets it
    #: when it is imported); until then nothing is shared (deny by default).
    shared_ids_rule: ClassVar[Callable[[tuple[int, ...]], Any] | None] = None

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(
            Integer, ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False
        )


class MemberScoped(TenantScoped):
    """A row of a tenant that its user may also read from any scope: a membership (a user
    must see their own roles to log in and switch tenants). Reads see the scope's rows OR the
    scope user's; writes follow the tenant like every tenant row. The PostgreSQL policy on
    ``memberships`` says the same."""


class CounterpartReadable(TenantScoped):
    """Owned by one tenant like :class:`TenantOwned`, and *readable* by one other party named
    on the row: :meth:`counterpart_rule` says which rows a scope reads without owning them
    (a reporting round's invited units read the round; the round's tenant reads the units'
    reports). Flushes and bulk UPDATE/DELETE see the owner's rows only, as for shares;
    PostgreSQL's policies say the same (``rls.py``, ``SHARED_READ_TABLES``)."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(
            Integer, ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False
        )

    @classmethod
    def counterpart_rule(cls, tenant_ids: tuple[int, ...]) -> ColumnElement[bool]:
        """The rows the tenants ``tenant_ids`` may read without owning them."""
        raise NotImplementedError(f"{cls.__name__} must say who else reads its rows")


class db_now(FunctionElement):
    """The database's current UTC time, comparable with stored DateTime values on both
    backends (SQLite keeps them as ``YYYY-MM-DD HH:MM:SS.ffffff`` text). Used in scoping
    criteria, which are built once per scope and so cannot carry a Python ``now``."""

    type = DateTime(timezone=True)
    inherit_cache = True


@compiles(db_now)
def _db_now_default(_element, _compiler, **_kw) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(db_now, "sqlite")
def _db_now_sqlite(_element, _compiler, **_kw) -> str:
    return "strftime('%Y-%m-%d %H:%M:%f', 'now')"


@dataclass(frozen=True)
class TenantScope:
    """What a unit of work may see: tenant ids, plus the acting user's own membership rows."""

    tenant_ids: tuple[int, ...] = ()
    user_id: int | None = None

    @classmethod
    def for_tenant(cls, tenant_id: int, user_id: int | None = None) -> TenantScope:
        return cls((tenant_id,), user_id)

    @property
    def tenant_csv(self) -> str:
        return ",".join(str(t) for t in self.tenant_ids)


NO_SCOPE = TenantScope()


def platform_scope(tenant_ids: tuple[int, ...] = (), user_id: int | None = None) -> TenantScope:
    """A scope that includes the platform's own rows (platform jobs, platform audit entries)
    besides ``tenant_ids``: for platform administrators, the operator and platform work."""
    return TenantScope((*tenant_ids, PLATFORM_SCOPE_ID), user_id)


def get_scope(session: Session) -> TenantScope:
    return session.info.get(SCOPE_KEY, NO_SCOPE)


def set_scope(session: Session, scope: TenantScope) -> None:
    """Set the tenant scope; on PostgreSQL also for the transaction already under way.

    Tenant rows loaded under the previous scope leave the identity map, so that
    ``session.get()`` cannot hand them out without asking the database again. PostgreSQL
    learns the new scope just before the transaction's next statement (one round trip,
    however often the scope changes in between).
    """
    if get_scope(session) != scope:
        for obj in list(session.identity_map.values()):
            if _is_tenant_row(obj) and obj not in session.new and obj not in session.dirty:
                session.expunge(obj)
    session.info[SCOPE_KEY] = scope
    _clear_cache(session)
    if session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        session.connection().info[WANTED_KEY] = scope


def session_cache(session: Session) -> dict:
    """Memo for lookups repeated within one unit of work (roles, enabled plugins).

    Emptied whenever the session writes, rolls back or changes scope, so it never outlives
    the data it was computed from.
    """
    return session.info.setdefault(CACHE_KEY, {})


def _clear_cache(session: Session, *_args: object) -> None:
    session.info.pop(CACHE_KEY, None)


@contextmanager
def scoped(session: Session, scope: TenantScope) -> Iterator[Session]:
    """Temporarily act within another scope (CLI, seeding, jobs); restores the previous one."""
    previous = get_scope(session)
    set_scope(session, scope)
    try:
        yield session
    finally:
        set_scope(session, previous)


SCOPE_SQL = (
    "SELECT set_config('samverka.tenant_ids', %(tenants)s, true),"
    " set_config('samverka.user_id', %(user)s, true)"
)


# For statements that read only tables without tenant scoping (users, tenants): no ORM
# criteria are added and the PostgreSQL scope is not sent for them.
SCOPE_FREE = {"samverka_scope_free": True}


def _send_pending_scope(conn, cursor, _statement, _parameters, context, _executemany) -> None:
    """Before a statement, tell PostgreSQL the transaction's scope if it changed (the RLS
    policies read it). ``set_config(..., true)`` lasts until the transaction ends.
    Statements marked :data:`SCOPE_FREE` (users, tenants: no RLS) do not need it yet."""
    if context is not None and context.execution_options.get("samverka_scope_free"):
        return
    wanted = conn.info.get(WANTED_KEY)
    if wanted is not None and wanted != conn.info.get(SENT_KEY):
        cursor.execute(SCOPE_SQL, {"tenants": wanted.tenant_csv, "user": str(wanted.user_id or "")})
        conn.info[SENT_KEY] = wanted


def _forget_scope(_dbapi_connection, record) -> None:
    """A connection back in the pool carries no scope into its next use."""
    record.info.pop(WANTED_KEY, None)
    record.info.pop(SENT_KEY, None)


def _is_tenant_row(obj: object) -> bool:
    return isinstance(obj, TenantScoped)


@lru_cache(maxsize=4096)
def _criteria_options(tenant_ids: tuple[int, ...], user_id: int, write: bool = False) -> tuple:
    """The ORM criteria for one scope, built once per scope (the options are immutable).

    ``write`` (bulk UPDATE/DELETE): shareable rows only where the scope owns them.
    """
    if tenant_ids:
        shared = [
            with_loader_criteria(
                cls,
                cls.tenant_id.in_(tenant_ids)
                if write
                else or_(
                    cls.tenant_id.in_(tenant_ids),
                    getattr(cls, cls.share_key).in_(_shared_ids(tenant_ids)),
                ),
                include_aliases=True,
            )
            for cls in _shareable_classes()
        ]
        counterpart = [
            with_loader_criteria(
                cls,
                cls.tenant_id.in_(tenant_ids)
                if write
                else or_(cls.tenant_id.in_(tenant_ids), cls.counterpart_rule(tenant_ids)),
                include_aliases=True,
            )
            for cls in _mapped_subclasses(CounterpartReadable)
        ]
        return (
            *shared,
            *counterpart,
            with_loader_criteria(
                TenantOwned, lambda cls: cls.tenant_id.in_(tenant_ids), include_aliases=True
            ),
            with_loader_criteria(
                TenantOrPlatformOwned,
                lambda cls: func.coalesce(cls.tenant_id, PLATFORM_SCOPE_ID).in_(tenant_ids),
                include_aliases=True,
            ),
            *(
                with_loader_criteria(
                    cls,
                    or_(cls.tenant_id.in_(tenant_ids), cls.user_id == user_id),
                    include_aliases=True,
                )
                for cls in _mapped_subclasses(MemberScoped)
            ),
        )
    return (
        with_loader_criteria(ShareableTenantOwned, lambda cls: false(), include_aliases=True),
        with_loader_criteria(CounterpartReadable, lambda cls: false(), include_aliases=True),
        with_loader_criteria(TenantOwned, lambda cls: false(), include_aliases=True),
        with_loader_criteria(TenantOrPlatformOwned, lambda cls: false(), include_aliases=True),
        *(
            with_loader_criteria(cls, cls.user_id == user_id, include_aliases=True)
            for cls in _mapped_subclasses(MemberScoped)
        ),
    )


def _shareable_classes() -> list[type]:
    """Mapped :class:`ShareableTenantOwned` classes (a lambda criterion on the mixin cannot
    name each class's share key, so each gets a plain criterion of its own)."""
    return _mapped_subclasses(ShareableTenantOwned)


def _mapped_subclasses(mixin: type) -> list[type]:
    return sorted(
        (m.class_ for m in Base.registry.mappers if issubclass(m.class_, mixin)),
        key=lambda cls: cls.__name__,
    )


def _shared_ids(tenant_ids: tuple[int, ...]):
    """The ids of records shared into a scope (see :mod:`samverka.records.visibility`)."""
    rule = ShareableTenantOwned.shared_ids_rule
    if rule is None:
        return select(literal(0)).where(false())
    return rule(tenant_ids)


def install_tenant_scoping(session_factory: sessionmaker) -> None:
    """Register the ORM-level isolation events on a session factory."""

    @event.listens_for(session_factory, "do_orm_execute")
    def _add_tenant_criteria(state: ORMExecuteState) -> None:
        if not (state.is_select or state.is_update or state.is_delete):
            return
        if state.is_column_load or state.is_relationship_load:
            return  # the parent statement already carried the criteria
        if state.execution_options.get("samverka_scope_free"):
            return  # declared to read only tables that are not tenant-scoped
        scope = get_scope(state.session)
        state.statement = state.statement.options(
            *_criteria_options(scope.tenant_ids, scope.user_id or 0, not state.is_select)
        )

    @event.listens_for(session_factory, "before_flush")
    def _stamp_and_check(session: Session, _flush_context, _instances) -> None:
        scope = get_scope(session)
        owned = TenantOwned | TenantOrPlatformOwned | ShareableTenantOwned | CounterpartReadable
        readable_elsewhere = ShareableTenantOwned | CounterpartReadable
        for obj in session.new:
            if isinstance(obj, owned):
                _stamp(obj, scope, new=True)
        for obj in session.dirty:
            if isinstance(obj, owned):
                _stamp(obj, scope, new=False)
        for obj in session.deleted:  # shared rows are loaded by receivers: they may not delete
            if isinstance(obj, readable_elsewhere) and obj.tenant_id not in scope.tenant_ids:
                raise TenantScopeError(
                    f"{type(obj).__name__} of tenant {obj.tenant_id} deleted outside the scope"
                )

    event.listen(session_factory, "after_flush", _clear_cache)
    event.listen(session_factory, "after_soft_rollback", _clear_cache)
    event.listen(session_factory, "after_commit", _clear_cache)

    @event.listens_for(session_factory, "after_begin")
    def _scope_new_transaction(session: Session, _transaction, connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.info[WANTED_KEY] = get_scope(session)
            connection.info[SENT_KEY] = None


def _stamp(obj: TenantScoped, scope: TenantScope, *, new: bool) -> None:
    """Stamp a missing tenant from a single-tenant scope, then refuse a row written outside
    the scope (a platform row, ``tenant_id`` NULL, only with the platform in scope)."""
    if new and getattr(obj, "append_from_any_scope", False):
        return
    single = scope.tenant_ids[0] if len(scope.tenant_ids) == 1 else None
    if obj.tenant_id is None and single not in (None, PLATFORM_SCOPE_ID):
        obj.tenant_id = single
    owner = obj.tenant_id
    if owner is None and isinstance(obj, TenantOrPlatformOwned):
        owner = PLATFORM_SCOPE_ID
    if owner not in scope.tenant_ids:
        raise TenantScopeError(
            f"{type(obj).__name__} for tenant {obj.tenant_id} written outside the scope"
        )


class TenantScopeError(PermissionError):
    """A tenant-owned row was written for a tenant outside the current scope."""


def make_engine(url: str, **kwargs: object) -> Engine:
    """Create an engine; SQLite gets foreign keys and a busy timeout (web + worker share it)."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", _send_pending_scope)
        event.listen(engine, "checkin", _forget_scope)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    install_tenant_scoping(factory)
    return factory


def scope_tenant_ids(session) -> tuple[int, ...]:
    """The tenants ``session`` sees now: inside :func:`read_only_scope`, the members
    it widened to (so a caller need not look them up a second time)."""
    return get_scope(session).tenant_ids


class ReadOnlyScopeError(RuntimeError):
    """A write was flushed inside :func:`read_only_scope` (a programming error)."""


_READ_ONLY_KEY = "samverka_read_only_depth"


@contextmanager
def read_only_scope(session: Session, tenant_ids) -> Iterator[Session]:
    """``with read_only_scope(session, ids):`` the session sees the rows of ``ids`` but
    cannot write: pending changes are flushed first (in the caller's scope) and any flush or
    bulk write inside raises :class:`ReadOnlyScopeError`. A depth counter in
    ``session.info`` makes nested scopes end read-only only when the outermost exits.
    Behind :func:`samverka.plugins.services.consortium_read_scope`."""
    session.flush()  # the caller's pending writes belong to the caller's scope
    if not event.contains(session, "before_flush", _refuse_writes):
        event.listen(session, "before_flush", _refuse_writes)
        event.listen(session, "do_orm_execute", _refuse_bulk_writes)
    user = get_scope(session).user_id
    session.info[_READ_ONLY_KEY] = session.info.get(_READ_ONLY_KEY, 0) + 1
    try:
        with scoped(session, TenantScope(tuple(sorted(set(tenant_ids))), user)):
            yield session
    finally:
        session.info[_READ_ONLY_KEY] -= 1


def _refuse_writes(session, _flush_context, _instances) -> None:
    if session.info.get(_READ_ONLY_KEY) and (session.new or session.dirty or session.deleted):
        raise ReadOnlyScopeError("write inside a read-only consortium scope")


def _refuse_bulk_writes(state) -> None:
    """Bulk INSERT/UPDATE/DELETE statements bypass the flush: refused here too."""
    if state.session.info.get(_READ_ONLY_KEY) and (
        state.is_insert or state.is_update or state.is_delete
    ):
        raise ReadOnlyScopeError("bulk write inside a read-only consortium scope")
