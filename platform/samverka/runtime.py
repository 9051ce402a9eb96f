"""The running platform's services: settings, database, plugin host and permission registry.

One :class:`Runtime` per Flask app (``app.extensions["samverka"]``); views, the CLI and jobs
reach it through :func:`runtime` and get their database session from :func:`db_session`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from flask import current_app, g, has_app_context
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from samverka.auth.permissions import PermissionRegistry
from samverka.config import ConfigurationError, Settings
from samverka.db import make_engine, make_session_factory
from samverka.plugins.host import CORE_PLUGIN, PluginHost
from samverka.records.types import RecordTypeRegistry
from samverka.records.types import collect as collect_record_types

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    host: PluginHost
    registry: PermissionRegistry = field(default_factory=PermissionRegistry)
    record_types: RecordTypeRegistry = field(default_factory=RecordTypeRegistry)

    @classmethod
    def build(
        cls,
        settings: Settings,
        extra_plugins: list[tuple[str, object]] = (),
        load_entry_points: bool = True,
    ) -> Runtime:
        engine = make_engine(settings.database_url)
        host = PluginHost()
        from samverka.plugins import core

        host.register(core, CORE_PLUGIN, internal=True)
        if load_entry_points:
            host.load_entry_points()
        for name, plugin in extra_plugins:
            host.register(plugin, name)
        host.check()
        runtime = cls(settings, engine, make_session_factory(engine), host)
        runtime.collect_permissions()
        collect_record_types(host, runtime.record_types)
        return runtime

    def collect_permissions(self) -> None:
        """Ask every plugin for roles and permissions; a plugin's own remember their owner."""
        caller = self.host.hook
        for impl in reversed(caller.register_roles.get_hookimpls()):  # the core's first
            owner = self.host.plugin_of(impl.plugin)
            for role in impl.function():
                self.registry.add_role(replace(role, plugin=owner) if owner else role)
        for impl in caller.register_permissions.get_hookimpls():
            owner = self.host.plugin_of(impl.plugin)
            for permission in impl.function():
                if owner is not None:
                    permission = replace(permission, plugin=owner)
                self.registry.add_permission(permission)

    def check_database_role(self) -> None:
        """Refuse to run on PostgreSQL as a role that bypasses row-level security."""
        if self.engine.dialect.name != "postgresql" or self.settings.allow_rls_bypass:
            return
        with self.engine.connect() as conn:
            row = conn.execute(
                text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            ).one()
        if row.rolsuper or row.rolbypassrls:
            raise ConfigurationError(
                "the database role bypasses row-level security; connect as a role without "
                "SUPERUSER/BYPASSRLS (or set SAMVERKA_ALLOW_RLS_BYPASS=1 for maintenance)"
            )


def runtime() -> Runtime:
    return current_app.extensions["samverka"]


def db_session() -> Session:
    """The session of this request or CLI command, created on first use."""
    if "db_session" not in g:
        g.db_session = runtime().sessions()
    return g.db_session


def close_db_session(_exc: BaseException | None = None) -> None:
    if not has_app_context():
        return
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
