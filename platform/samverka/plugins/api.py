"""The public facade for plugin authors (CKAN's ``toolkit``): import from here only.

Everything a plugin needs from the core is re-exported here, so the core can change its
inside without breaking plugins.
"""

from __future__ import annotations

import pluggy

from samverka.api.blueprint import ApiBlueprint
from samverka.api.pagination import PageArgs
from samverka.auth.permissions import Permission, Role
from samverka.db import Base, TenantOwned, Timestamped
from samverka.errors import Forbidden, NotFound, ValidationError
from samverka.jobs.scheduler import PeriodicJob
from samverka.plugins.manifest import NavItem, PluginManifest
from samverka.records.classification import Classification
from samverka.records.types import FieldKind, FieldSpec, RecordType

hookimpl = pluggy.HookimplMarker("samverka")


__all__ = [
    "ApiBlueprint",
    "Base",
    "Classification",
    "FieldKind",
    "FieldSpec",
    "Forbidden",
    "NavItem",
    "NotFound",
    "PageArgs",
    "PeriodicJob",
    "Permission",
    "PluginManifest",
    "RecordType",
    "Role",
    "TenantOwned",
    "Timestamped",
    "ValidationError",
    "after_commit",
    "api_cursor",
    "api_page",
    "api_require",
    "authorize",
    "current_tenant",
    "db_session",
    "enqueue",
    "hookimpl",
    "plugin_config",
    "records",
    "report_progress",
]


def db_session():
    """The request's (or job's) database session, already scoped to the current tenant."""
    from samverka.runtime import db_session as _db_session

    return _db_session()


def current_tenant():
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


def records():
    """The records services (:mod:`samverka.records.services`): create, update, share and
    search records of the plugin's types (``register_record_types``)."""
    from samverka.records import services

    return services


def report_progress(done: int, total: int, message_id: str = "") -> None:
    """From a running job: how far it is (shown on ``/t/<tenant>/jobs/<id>``)."""
    from samverka.jobs.runner import report_progress as _report

    _report(done, total, message_id)
