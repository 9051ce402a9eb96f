"""Throwaway databases for tests: one per xdist worker and backend, migrated once.

PostgreSQL needs ``SAMVERKA_TEST_POSTGRES_URL`` (a superuser URL; ``bin/services start``
prints it). Each worker gets its own database owned by ``samverka_owner``; the app connects
as ``samverka_app`` (no BYPASSRLS), exactly as in production.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from samverka import migrate
from samverka.db import Base
from samverka.plugins.host import PluginHost

OWNER_ROLE = "samverka_owner"
APP_ROLE = "samverka_app"


class MissingTestServer(RuntimeError):
    pass


@dataclass(frozen=True)
class TestDatabase:
    backend: str
    app_url: str
    owner_url: str
    admin_url: str | None = None

    @property
    def is_postgresql(self) -> bool:
        return self.backend == "postgresql"


def sqlite_database(folder: Path, host: PluginHost) -> TestDatabase:
    url = f"sqlite:///{folder / 'samverka-test.db'}"
    migrate.upgrade(url, host)
    return TestDatabase("sqlite", url, url)


def postgres_admin_url() -> str:
    url = os.environ.get("SAMVERKA_TEST_POSTGRES_URL")
    if not url:
        raise MissingTestServer(
            "SAMVERKA_TEST_POSTGRES_URL is not set: run the suite with bin/test, or start the "
            "servers with `bin/services start` and source the env file it prints"
        )
    return url


def postgresql_database(name: str, host: PluginHost) -> TestDatabase:
    admin_url = postgres_admin_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(4711)"))
            for role in (OWNER_ROLE, APP_ROLE):
                if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
                    conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
            conn.execute(text("SELECT pg_advisory_unlock(4711)"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" OWNER {OWNER_ROLE}'))
    finally:
        admin.dispose()
    base = make_url(admin_url).set(database=name)
    owner_url = base.set(username=OWNER_ROLE).render_as_string(hide_password=False)
    app_url = base.set(username=APP_ROLE).render_as_string(hide_password=False)
    migrate.upgrade(owner_url, host, APP_ROLE)
    return TestDatabase(
        "postgresql", app_url, owner_url, base.render_as_string(hide_password=False)
    )


def drop_postgresql_database(name: str) -> None:
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def reset(engine, database: TestDatabase) -> None:
    """Empty every table (fast; keeps the schema and the migration version tables)."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if database.is_postgresql:
            existing = set(
                conn.scalars(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                        " AND tablename NOT LIKE 'alembic_version%'"
                    )
                )
            )
            names = ", ".join(f'"{t}"' for t in existing)
            if names:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            if conn.scalar(text("SELECT 1 FROM sqlite_master WHERE name='records_fts'")):
                conn.execute(text("DELETE FROM records_fts"))  # not a model: the search index
            if conn.scalar(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")):
                conn.execute(text("DELETE FROM sqlite_sequence"))
