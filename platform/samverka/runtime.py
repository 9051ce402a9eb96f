"""Lookups of the running platform's services: settings, database, plugin host, registries.

One :class:`Runtime` per Flask app (``app.extensions["samverka"]``), built by
:mod:`samverka.bootstrap` (the composition root); views, the CLI and jobs reach it through
:func:`runtime` and get their database session from :func:`db_session`. This module sits in
the lowest layer, so it only names the services' types (for type checkers), never imports
them: any layer may look a service up, none depends on how it was built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app, g, has_app_context

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from samverka.auth.permissions import PermissionRegistry
    from samverka.config import Settings
    from samverka.plugins.host import PluginHost
    from samverka.records.types import RecordTypeRegistry

EXTENSION_KEY = "samverka"


@dataclass
class Runtime:
    """The services one app runs with; :func:`samverka.bootstrap.build_runtime` fills it."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker
    host: PluginHost
    registry: PermissionRegistry
    record_types: RecordTypeRegistry


def runtime() -> Runtime:
    return current_app.extensions[EXTENSION_KEY]


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
