"""Migrations: one history for the core and one per plugin; drift between models and
migrations is detected by `samverka db check`."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, String, Table, inspect

from samverka import migrate
from samverka.db import Base, make_engine


@pytest.fixture
def host(app):
    return app.extensions["samverka"].host


def test_a_migrated_database_has_no_drift(samverka_database, host):
    assert migrate.check(samverka_database.owner_url, host) == []


def test_each_history_keeps_its_own_version_table(samverka_database):
    engine = make_engine(samverka_database.owner_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"alembic_version", "alembic_version_testplugin", "testplugin_notes"} <= tables


def test_a_model_without_a_migration_is_drift(samverka_database, host):
    table = Table("drifted", Base.metadata, Column("id", Integer, primary_key=True))
    try:
        problems = migrate.check(samverka_database.owner_url, host)
    finally:
        Base.metadata.remove(table)
    assert any("core: models and migrations differ" in p and "drifted" in p for p in problems)


def test_a_changed_plugin_model_is_drift_in_the_plugins_history(samverka_database, host):
    notes = Base.metadata.tables["testplugin_notes"]
    extra = Column("colour", String(20))
    notes.append_column(extra)
    try:
        problems = migrate.check(samverka_database.owner_url, host)
    finally:
        notes._columns.remove(extra)
    assert any(
        p.startswith("testplugin: models and migrations differ") and "colour" in p for p in problems
    ), problems


def test_an_unmigrated_database_is_reported(tmp_path, host):
    problems = migrate.check(f"sqlite:///{tmp_path / 'empty.db'}", host)
    assert any("run `samverka db upgrade`" in p for p in problems)


def test_upgrade_is_idempotent(tmp_path, host):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    # the core, then every plugin with migrations (installed ones, e.g. indicators, too)
    expected = ["core", *(h.owner for h in migrate.histories(host) if h.owner != "core")]
    assert "testplugin" in expected
    assert migrate.upgrade(url, host) == expected
    assert migrate.upgrade(url, host) == expected
    assert migrate.check(url, host) == []
