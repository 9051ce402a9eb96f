"""``/healthz`` (the process answers; no database) and ``/readyz`` (it can serve: the database
answers, Redis answers when one is configured, and every migration history is at its head).

Kubernetes probes every few seconds from every kubelet: the readiness result is cached for
``READY_CACHE_SECONDS`` per process so probes do not hammer the database. A failure answers
503 with a JSON body naming each failed check (no connection strings, no secrets).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, jsonify
from sqlalchemy import text

from samverka import migrate

log = logging.getLogger(__name__)
READY_CACHE_SECONDS = 2.0
CACHE_KEY = "SAMVERKA_READY_CACHE_SECONDS"
TIMEOUT_SECONDS = 2


def init_app(app: Flask) -> None:
    app.config.setdefault(CACHE_KEY, READY_CACHE_SECONDS)
    app.extensions["samverka.readiness"] = Readiness()
    app.add_url_rule("/healthz", "ops.healthz", healthz)
    app.add_url_rule("/readyz", "ops.readyz", readyz)


def healthz():
    return jsonify(status="ok")


def readyz():
    cache_for = float(current_app.config[CACHE_KEY])
    failures = current_app.extensions["samverka.readiness"].result(cache_for, run_checks)
    if failures:
        return jsonify(status="unavailable", failed=failures), 503
    return jsonify(status="ok")


@dataclass
class Readiness:
    """The last result and when it was taken; one check at a time per process."""

    checked_at: float = float("-inf")
    failures: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def result(self, cache_for: float, check) -> dict[str, str]:
        with self.lock:
            if time.monotonic() - self.checked_at >= cache_for:
                self.failures = check()
                self.checked_at = time.monotonic()
            return dict(self.failures)


def run_checks() -> dict[str, str]:
    """Each failed check's name and a short reason (an exception's class, never its text:
    driver messages can carry host names and user names)."""
    runtime = current_app.extensions["samverka"]
    failures: dict[str, str] = {}
    try:
        pending = pending_migrations(runtime)
        if pending:
            failures["migrations"] = "pending: " + ", ".join(pending)
    except Exception as exc:
        failures["database"] = f"unreachable ({type(exc).__name__})"
        log.warning("readiness: database check failed: %s", type(exc).__name__)
    if runtime.settings.redis_url:
        try:
            _ping_redis(runtime.settings.redis_url)
        except Exception as exc:
            failures["redis"] = f"unreachable ({type(exc).__name__})"
            log.warning("readiness: redis check failed: %s", type(exc).__name__)
    return failures


def pending_migrations(runtime) -> list[str]:
    """Histories (core, plugins) whose database version is behind this code's head; the
    connection itself proves the database reachable.

    A version this code does not know is *newer* (a rolling upgrade's migration Job already
    ran): the old pods stay ready until they are replaced instead of all dropping out.
    """
    scripts = _script_revisions(runtime)
    pending = []
    with runtime.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        for history in migrate.histories(runtime.host):
            heads, known = scripts[history.owner]
            context = MigrationContext.configure(
                connection, opts={"version_table": history.version_table}
            )
            current = set(context.get_current_heads())
            if current != heads and current <= known:
                pending.append(history.owner)
    return pending


def _script_revisions(runtime) -> dict[str, tuple[set[str], set[str]]]:
    """Each history's heads and every revision it knows: read once per process."""
    cache = current_app.extensions.setdefault("samverka.migration_heads", {})
    if not cache:
        for history in migrate.histories(runtime.host):
            script = ScriptDirectory.from_config(migrate.alembic_config(history))
            known = {revision.revision for revision in script.walk_revisions()}
            cache[history.owner] = (set(script.get_heads()), known)
    return cache


def _ping_redis(url: str) -> None:
    from redis import Redis

    connection = Redis.from_url(
        url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        connection.ping()
    finally:
        connection.close()
