"""Database engine, sessions and the central tenant scoping.

Tenant isolation is layered (see ARCHITECTURE.md, "Tenancy"):

1. The ORM adds ``tenant_id IN (:scope)`` to every SELECT, UPDATE and DELETE of a tenant-owned
   model (``do_orm_execute`` + ``with_loader_criteria``) and stamps ``tenant_id`` on insert.
2. On PostgreSQL, row-level security enforces the same rule in the database; the scope is sent
   per transaction with ``set_config(..., true)`` (see :mod:`samverka.rls`).

The scope lives in ``session.info``. A session without a scope sees no tenant rows at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    create_engine,
    event,
    false,
    or_,
    text,
)
from sqlalchemy.engine import Engine
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

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SCOPE_KEY = "samverka.scope"
CACHE_KEY = "samverka.cache"


def utcnow() -> datetime:
    return datetime.now(UTC)


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


def get_scope(session: Session) -> TenantScope:
    return session.info.get(SCOPE_KEY, NO_SCOPE)


def set_scope(session: Session, scope: TenantScope) -> None:
    """Set the tenant scope; on PostgreSQL also for the transaction already under way.

    Tenant rows loaded under the previous scope leave the identity map, so that
    ``session.get()`` cannot hand them out without asking the database again.
    """
    if get_scope(session) != scope:
        for obj in list(session.identity_map.values()):
            if _is_tenant_row(obj) and obj not in session.new and obj not in session.dirty:
                session.expunge(obj)
    session.info[SCOPE_KEY] = scope
    _clear_cache(session)
    if session.in_transaction():
        for connection in _pg_connections(session):
            send_scope(connection, scope)


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


def _pg_connections(session: Session) -> list:
    if session.get_bind().dialect.name != "postgresql":
        return []
    return [session.connection()]


def send_scope(connection, scope: TenantScope) -> None:
    """Tell PostgreSQL the scope for this transaction (read by the RLS policies)."""
    connection.execute(
        text(
            "SELECT set_config('samverka.tenant_ids', :tenants, true),"
            " set_config('samverka.user_id', :user, true)"
        ),
        {"tenants": scope.tenant_csv, "user": str(scope.user_id or "")},
    )


def _is_tenant_row(obj: object) -> bool:
    return isinstance(obj, TenantScoped)


def install_tenant_scoping(session_factory: sessionmaker) -> None:
    """Register the ORM-level isolation events on a session factory."""

    @event.listens_for(session_factory, "do_orm_execute")
    def _add_tenant_criteria(state: ORMExecuteState) -> None:
        if not (state.is_select or state.is_update or state.is_delete):
            return
        if state.is_column_load or state.is_relationship_load:
            return  # the parent statement already carried the criteria
        scope = get_scope(state.session)
        tenant_ids = scope.tenant_ids
        user_id = scope.user_id or 0
        from samverka.tenants.models import Membership

        if tenant_ids:
            options = [
                with_loader_criteria(
                    TenantOwned, lambda cls: cls.tenant_id.in_(tenant_ids), include_aliases=True
                ),
                with_loader_criteria(
                    Membership,
                    lambda cls: or_(cls.tenant_id.in_(tenant_ids), cls.user_id == user_id),
                    include_aliases=True,
                ),
            ]
        else:
            options = [
                with_loader_criteria(TenantOwned, lambda cls: false(), include_aliases=True),
                with_loader_criteria(
                    Membership, lambda cls: cls.user_id == user_id, include_aliases=True
                ),
            ]
        state.statement = state.statement.options(*options)

    @event.listens_for(session_factory, "before_flush")
    def _stamp_and_check(session: Session, _flush_context, _instances) -> None:
        scope = get_scope(session)
        for obj in list(session.new) + list(session.dirty):
            if not isinstance(obj, TenantOwned):
                continue
            if obj.tenant_id is None and len(scope.tenant_ids) == 1:
                obj.tenant_id = scope.tenant_ids[0]
            if obj.tenant_id not in scope.tenant_ids:
                raise TenantScopeError(
                    f"{type(obj).__name__} for tenant {obj.tenant_id} written outside the scope"
                )

    event.listen(session_factory, "after_flush", _clear_cache)
    event.listen(session_factory, "after_soft_rollback", _clear_cache)
    event.listen(session_factory, "after_commit", _clear_cache)

    @event.listens_for(session_factory, "after_begin")
    def _send_scope_to_postgresql(session: Session, _transaction, connection) -> None:
        if connection.dialect.name == "postgresql":
            send_scope(connection, get_scope(session))


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
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    install_tenant_scoping(factory)
    return factory
