"""Schema migrations: the core's Alembic history and one per plugin (own version table).

``upgrade`` runs the core's revisions, then every installed plugin's, then (on PostgreSQL)
brings row-level security up to date for every table with a ``tenant_id`` column.
``check`` reports drift between the models and the migrated database.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from samverka import rls
from samverka.db import Base, make_engine
from samverka.plugins.host import PluginHost

CORE = "core"
REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = REPO_ROOT / "migrations"


# Database objects that migrations create but models cannot express (full-text search:
# samverka.records.search); the drift check leaves them alone.
UNMODELLED_TABLE_PREFIXES = ("records_fts",)  # the FTS5 table and its shadow tables
UNMODELLED_COLUMNS = frozenset({("records", "search_vector")})
UNMODELLED_INDEXES = frozenset({"ix_records_search"})


@dataclass(frozen=True)
class History:
    """One migration history: the core's or a plugin's."""

    owner: str
    versions: Path

    @property
    def version_table(self) -> str:
        return "alembic_version" if self.owner == CORE else f"alembic_version_{self.owner}"

    def owns(self, table_info: dict) -> bool:
        return table_info.get("plugin", CORE) == self.owner


def histories(host: PluginHost) -> list[History]:
    found = [History(CORE, MIGRATIONS_DIR / "versions")]
    for name in host.installed:
        folder = host.manifest(name).migrations
        if folder is not None:
            found.append(History(name, Path(folder)))
    return found


def alembic_config(history: History, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_locations", str(history.versions))
    config.set_main_option("path_separator", "os")
    config.attributes["history"] = history
    config.attributes["connection"] = connection
    return config


def include_object_for(history: History):
    def include_object(obj, name, type_, reflected, compare_to):
        if reflected and compare_to is None and _unmodelled(obj, name, type_):
            return False
        if type_ == "table":
            if name.startswith("alembic_version"):
                return False
            if reflected and compare_to is None:  # in the database, in no model
                return (_owner_of(name) or CORE) == history.owner
            return history.owns(obj.info)
        return True

    return include_object


def _unmodelled(obj, name: str, type_: str) -> bool:
    if type_ == "table":
        return name.startswith(UNMODELLED_TABLE_PREFIXES)
    if type_ == "column":
        return (obj.table.name, name) in UNMODELLED_COLUMNS
    if type_ == "index":
        return name in UNMODELLED_INDEXES
    return False


def _owner_of(table_name: str) -> str | None:
    table = Base.metadata.tables.get(table_name)
    return table.info.get("plugin", CORE) if table is not None else None


def upgrade(owner_url: str, host: PluginHost, app_role: str | None = None) -> list[str]:
    """Run every history to its head; return what ran. Transactional per history."""
    engine = make_engine(owner_url)
    ran = []
    try:
        for history in histories(host):
            with engine.begin() as connection:
                command.upgrade(alembic_config(history, connection), "head")
            ran.append(history.owner)
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                rls.apply(connection, app_role)
    finally:
        engine.dispose()
    return ran


def check(owner_url: str, host: PluginHost) -> list[str]:
    """Problems: histories not at head, and differences between models and database."""
    engine: Engine = make_engine(owner_url)
    problems: list[str] = []
    try:
        with engine.connect() as connection:
            for history in histories(host):
                problems.extend(_check_history(connection, history))
    finally:
        engine.dispose()
    return problems


def _check_history(connection: Connection, history: History) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(history))
    context = MigrationContext.configure(
        connection,
        opts={
            "version_table": history.version_table,
            "include_object": include_object_for(history),
            "compare_type": True,
            "render_as_batch": True,
        },
    )
    problems = []
    heads = set(script.get_heads())
    current = set(context.get_current_heads())
    if heads != current:
        problems.append(
            f"{history.owner}: database at {sorted(current) or 'nothing'}, "
            f"migrations at {sorted(heads)}: run `samverka db upgrade`"
        )
        return problems
    for diff in compare_metadata(context, Base.metadata):
        problems.append(f"{history.owner}: models and migrations differ: {diff}")
    return problems
