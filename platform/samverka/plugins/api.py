"""The public facade for plugin authors (CKAN's ``toolkit``): import from here only.

Everything a plugin needs from the core is re-exported here, so the core can change its
inside without breaking plugins.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pluggy
from sqlalchemy import event, select

from samverka.api.blueprint import ApiBlueprint
from samverka.api.pagination import PageArgs
from samverka.api.params import MAX_ID, bounded_date, bounded_integer, id_field
from samverka.auth.permissions import Permission, Role
from samverka.db import Base, TenantOwned, TenantScope, Timestamped, get_scope, scoped
from samverka.errors import Forbidden, NotFound, ValidationError
from samverka.jobs.scheduler import PeriodicJob
from samverka.plugins.manifest import NavGroup, NavItem, OverviewKind, PluginManifest
from samverka.plugins.models import ConsortiumPlugin, TenantPlugin
from samverka.records.classification import Classification
from samverka.records.types import FieldKind, FieldSpec, RecordType
from samverka.tenants.models import Tenant
from samverka.tenants.models import consortium_tenants as links

hookimpl = pluggy.HookimplMarker("samverka")


__all__ = [
    "MAX_ID",
    "ApiBlueprint",
    "Base",
    "Classification",
    "FieldKind",
    "FieldSpec",
    "Forbidden",
    "IndicatorSeries",
    "MeasureRef",
    "NavGroup",
    "NavItem",
    "NotFound",
    "OverviewKind",
    "PageArgs",
    "PeriodicJob",
    "Permission",
    "PluginManifest",
    "PluginRecords",
    "ReadOnlyScopeError",
    "RecordType",
    "Role",
    "TenantOwned",
    "Timestamped",
    "ValidationError",
    "action_plan_measures",
    "after_commit",
    "api_cursor",
    "api_page",
    "api_require",
    "authorize",
    "bounded_date",
    "bounded_integer",
    "consortium_members",
    "consortium_read_scope",
    "current_tenant",
    "db_session",
    "enqueue",
    "hookimpl",
    "id_field",
    "indicator_sources",
    "plugin_config",
    "plugin_config_for",
    "record_event",
    "records",
    "report_progress",
    "scope_tenant_ids",
    "tenant_by_id",
    "tenant_by_slug",
    "tenant_scope",
]


def db_session():
    """The request's (or job's) database session, already scoped to the current tenant."""
    from samverka.runtime import db_session as _db_session

    return _db_session()


def current_tenant():
    """The request's tenant (None outside a tenant's pages): ``g.tenant``, set by the core."""
    from flask import g

    return g.get("tenant")


def authorize(action: str) -> bool:
    """Whether the current user may perform ``action`` in the current tenant."""
    from samverka.web.context import can

    return can(action)


def plugin_config(name: str) -> dict:
    """The current tenant's effective configuration of plugin ``name``."""
    from samverka.plugins.services import effective_config
    from samverka.runtime import db_session as _db_session
    from samverka.runtime import runtime

    return effective_config(_db_session(), runtime().host, current_tenant(), name)


def api_require(action: str) -> None:
    """In an API view: answer 403 (a problem) unless the token may perform ``action``."""
    from samverka.api.access import require

    require(action)


def api_cursor(cursor: str | None):
    """The key an API list page starts after (None: the first page); a bad cursor is a 400
    problem. See :mod:`samverka.api.pagination`."""
    from samverka.api.pagination import decode_cursor

    return decode_cursor(cursor)


def api_page(rows, limit: int, key) -> dict:
    """``{"items": rows[:limit], "next": link | None}`` from ``limit + 1`` rows in key order;
    ``key(row)`` is what the next page's cursor carries."""
    from samverka.api.pagination import page

    return page(rows, limit, key)


def enqueue(
    session, job: str, *, tenant_id: int | None, idempotency_key: str | None = None, **kwargs
):
    """Queue ``<plugin>.<name>`` through the transactional outbox, in ``session``'s
    transaction (refused with NotFound in a tenant that has not enabled the plugin); it
    reaches the workers after the commit. See :mod:`samverka.jobs.outbox`."""
    from samverka.jobs.outbox import enqueue as _enqueue

    return _enqueue(session, job, tenant_id=tenant_id, idempotency_key=idempotency_key, **kwargs)


def after_commit(session, func) -> None:
    """Run ``func()`` once ``session``'s transaction commits (nothing on a rollback): for
    effects outside the database, e.g. removing a deleted tenant's stored files."""
    from samverka.lifecycle.deletion import after_commit as _after_commit

    _after_commit(session, func)


class PluginRecords:
    """What a plugin may do with records (``records()``): create, change, share, read, list
    and search them through :mod:`samverka.records.services` (decisions, scoping, audit),
    always naming the acting ``user`` and the tenant it views in (``viewer_tenant``).

    Reads answer :class:`~samverka.records.disclosure.Disclosed` views, never the ORM rows:
    a record's fields reach a plugin only through :func:`samverka.records.disclosure.
    disclose`, decided against that viewer, so personal fields stay out for roles without
    ``tenant:records:read_personal`` (issue 14, finding 3). Writes answer the record as
    the writer may then read it."""

    READ = "tenant:records:read"
    WRITE = "tenant:records:write"
    SHARE = "tenant:records:share"

    @staticmethod
    def _services():
        from samverka.records import services

        return services

    @staticmethod
    def _disclose(session, record, user, viewer_tenant):
        from samverka.records.disclosure import disclose

        return disclose(session, record, user=user, viewer_tenant=viewer_tenant)

    def record_types(self):
        """Every registered record type (names, fields, which fields are personal)."""
        return self._services().record_types()

    def read_record(self, session, record_id: int, *, user, viewer_tenant):
        """One record visible to ``viewer_tenant`` (own or shared), as ``user`` may see it;
        NotFound otherwise. Confidential and sensitive reads are audited (caller commits)."""
        services = self._services()
        record = services.get_record(session, record_id, user=user, viewer_tenant=viewer_tenant)
        return self._disclose(session, record, user, viewer_tenant)

    def list_records(self, session, *, user, viewer_tenant, record_type=None, **kwargs):
        """Visible records newest first (``record_type``, ``include_shared``, ``after``,
        ``limit`` as :func:`samverka.records.services.list_records`)."""
        services = self._services()
        rows = services.list_records(
            session, viewer_tenant=viewer_tenant, user=user, record_type=record_type, **kwargs
        )
        return [self._disclose(session, r, user, viewer_tenant) for r in rows]

    def search_records(self, session, query: str, *, user, viewer_tenant, limit: int = 50):
        """Visible records matching ``query`` (the index never holds personal fields)."""
        services = self._services()
        rows = services.search_records(
            session, query, viewer_tenant=viewer_tenant, user=user, limit=limit
        )
        return [self._disclose(session, r, user, viewer_tenant) for r in rows]

    def create_record(self, session, *, record_type, title, data, user, classification=None):
        """A new record of the session's tenant (the plugin's own types)."""
        services = self._services()
        record = services.create_record(
            session,
            record_type=record_type,
            title=title,
            data=data,
            classification=classification,
            user=user,
        )
        return self._disclose(session, record, user, session.get(Tenant, record.tenant_id))

    def update_record(self, session, record_id: int, *, user, viewer_tenant, **changes):
        """Change a record the session's tenant owns (``title``, ``data``,
        ``classification``, ``expected_version`` as :func:`~samverka.records.services.
        update_record`)."""
        services = self._services()
        record = services.get_record(session, record_id, user=user, viewer_tenant=viewer_tenant)
        services.update_record(session, record, user=user, **changes)
        return self._disclose(session, record, user, viewer_tenant)

    def share_record(self, session, record_id: int, *, user, viewer_tenant, **target):
        """Share a record the session's tenant owns (``tenant`` or ``consortium``,
        ``ground``, ``consent_reference``, ``valid_from``, ``valid_until``); returns the
        share's id."""
        services = self._services()
        record = services.get_record(session, record_id, user=user, viewer_tenant=viewer_tenant)
        return services.share_record(session, record, user=user, **target).id


def records() -> PluginRecords:
    """Records for plugins: :class:`PluginRecords` (reads decided against the viewer)."""
    return PluginRecords()


def report_progress(done: int, total: int, message_id: str = "") -> None:
    """From a running job: how far it is (shown on ``/t/<tenant>/jobs/<id>``)."""
    from samverka.jobs.runner import report_progress as _report

    _report(done, total, message_id)


def record_event(session, action: str, *, tenant_id: int | None, **kwargs):
    """Audit a write in ``session``'s transaction (:func:`samverka.audit.record_event`:
    ``target_type``, ``target_id``, ``outcome``, ``details`` of ids and short names only)."""
    from samverka.audit import record_event as _record

    return _record(session, action, tenant_id=tenant_id, **kwargs)


def plugin_config_for(session, tenant_id: int, name: str) -> dict:
    """Tenant ``tenant_id``'s effective configuration of plugin ``name`` where there is no
    request (in a job: :func:`plugin_config` needs ``g.tenant``)."""
    from samverka.plugins.services import effective_config
    from samverka.runtime import runtime

    return effective_config(session, runtime().host, session.get(Tenant, tenant_id), name)


def consortium_members(session, tenant, plugin: str | None = None) -> list:
    """The tenants that share a consortium with ``tenant`` (itself included), by name; with
    ``plugin``, only those that have enabled it."""
    from samverka.runtime import runtime

    mine = select(links.c.consortium_id).where(links.c.tenant_id == tenant.id)
    ids = select(links.c.tenant_id).where(links.c.consortium_id.in_(mine))
    found = list(session.scalars(select(Tenant).where(Tenant.id.in_(ids)).order_by(Tenant.name)))
    if tenant.id not in {t.id for t in found}:
        found = sorted([*found, tenant], key=lambda t: t.name)
    if plugin is not None:  # enablements are the tenants' own rows: read in their scope
        if plugin not in runtime().host.installed:
            return []
        with _read_only_scope(session, [t.id for t in found]):
            enabled = set(session.scalars(_enabled_among(plugin, [t.id for t in found])))
        found = [t for t in found if t.id in enabled]
    return found


def _enabled_among(plugin: str, tenant_ids: list[int]):
    """The ids among ``tenant_ids`` that have enabled ``plugin`` while one of their consortia
    offers it: :func:`samverka.plugins.services.enabled_plugins_query` for many tenants in
    one statement."""
    offered = (
        select(ConsortiumPlugin.id)
        .join(links, links.c.consortium_id == ConsortiumPlugin.consortium_id)
        .where(links.c.tenant_id == TenantPlugin.tenant_id, ConsortiumPlugin.plugin == plugin)
        .exists()
    )
    return select(TenantPlugin.tenant_id).where(
        TenantPlugin.tenant_id.in_(tenant_ids),
        TenantPlugin.plugin == plugin,
        TenantPlugin.enabled.is_(True),
        offered,
    )


@contextmanager
def consortium_read_scope(session, tenant, plugin: str) -> Iterator:
    """``with consortium_read_scope(session, tenant, plugin):`` the session (ORM and
    row-level security) also sees the rows of the members of ``tenant``'s consortia that have
    enabled ``plugin`` — for consortium aggregates and shared definitions, never for other
    tenants at large. Read-only, because a widened scope must not become a way to write
    another tenant's rows: pending changes are flushed on entry (in the caller's scope) and
    any flush inside raises :class:`ReadOnlyScopeError`. Nests; restores the scope on exit."""
    ids = [t.id for t in consortium_members(session, tenant, plugin)] or [tenant.id]
    with _read_only_scope(session, ids):
        yield session


def scope_tenant_ids(session) -> tuple[int, ...]:
    """The tenants ``session`` sees now: inside :func:`consortium_read_scope`, the members
    it widened to (so a caller need not look them up a second time)."""
    return get_scope(session).tenant_ids


class ReadOnlyScopeError(RuntimeError):
    """A write was flushed inside :func:`consortium_read_scope` (a programming error)."""


_READ_ONLY_KEY = "samverka_read_only_depth"


@contextmanager
def _read_only_scope(session, tenant_ids) -> Iterator:
    """The widened, read-only scope behind :func:`consortium_read_scope` (a depth counter
    in ``session.info``, so nested scopes end read-only only when the outermost exits)."""
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


def tenant_by_id(session, tenant_id: int):
    """The tenant row (name, slug, municipality code, consortia) where there is no request."""
    return session.get(Tenant, tenant_id)


@dataclass(frozen=True)
class IndicatorSeries:
    """A countable series for the hook ``indicator_sources``: ``values`` period → number."""

    code: str
    label: str
    unit: str = "antal"
    values: dict = field(default_factory=dict)


def indicator_sources(session, tenant) -> list[IndicatorSeries]:
    """Every series the core and the tenant's enabled modules publish for ``tenant``."""
    from samverka.plugins.services import enabled_plugins
    from samverka.runtime import runtime

    host = runtime().host
    hooks = host.hooks_for(enabled_plugins(session, host, tenant))
    return [
        series
        for found in hooks.indicator_sources(session=session, tenant=tenant)
        for series in found or ()
    ]


def tenant_by_slug(session, slug: str):
    """The tenant row with ``slug`` (None if there is none): for CLI commands."""
    return session.scalar(select(Tenant).where(Tenant.slug == slug))


def tenant_scope(session, tenant_id: int):
    """``with tenant_scope(session, id):`` act as that one tenant (CLI commands, seeding):
    reads and writes are scoped to it as in its own requests."""
    return scoped(session, TenantScope.for_tenant(tenant_id))


@dataclass(frozen=True)
class MeasureRef:
    """A measure of one of the tenant's action plans, as plugins see it."""

    id: int
    title: str
    plan_id: int
    plan_title: str
    due_on: object = None


def action_plan_measures(session, tenant) -> list[MeasureRef]:
    """The measures of ``tenant``'s own action plans (newest plan first), for plugins that
    follow measures up (hook ``measure_indicators``); read in the session's scope."""
    from samverka.workflows.action_plans import measures_of, plan_records

    return [
        MeasureRef(m.id, m.title, plan.id, plan.title, m.due_on)
        for plan in plan_records(session, tenant)
        for m in measures_of(session, plan)
    ]
