"""``/healthz`` and ``/readyz`` against real servers of the test's own: ready; not ready while
Redis or PostgreSQL is down, ready again when it is back; not ready with a pending migration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from throwaway import DATABASE, OWNER

from samverka.ops.health import CACHE_KEY
from samverka.testing.fixtures import create_test_app


@pytest.fixture
def ops_app(own_settings, samverka_plugins) -> Iterator:
    application = create_test_app(own_settings, samverka_plugins)
    application.config[CACHE_KEY] = 0  # every probe checks again
    yield application
    application.extensions["samverka"].engine.dispose()


def probe(client, path: str = "/readyz") -> tuple[int, dict]:
    response = client.get(path)
    return response.status_code, response.get_json()


def test_ready_when_database_redis_and_migrations_are_fine(ops_app):
    client = ops_app.test_client()
    assert probe(client, "/healthz") == (200, {"status": "ok"})
    assert probe(client) == (200, {"status": "ok"})


def test_not_ready_while_redis_is_down(ops_app, own_redis):
    client = ops_app.test_client()
    own_redis.stop()
    try:
        status, body = probe(client)
        assert status == 503
        assert body["status"] == "unavailable"
        assert set(body["failed"]) == {"redis"}
        assert probe(client, "/healthz")[0] == 200  # alive: nothing to restart
    finally:
        own_redis.start()
    assert probe(client) == (200, {"status": "ok"})


def test_not_ready_while_the_database_is_down(ops_app, own_postgres):
    client = ops_app.test_client()
    assert probe(client)[0] == 200  # a pooled connection exists and must not fool the check
    own_postgres.stop()
    try:
        status, body = probe(client)
        assert status == 503
        assert set(body["failed"]) == {"database"}
        assert "postgres" not in str(body) and "127.0.0.1" not in str(body)  # no details
        assert probe(client, "/healthz") == (200, {"status": "ok"})  # no database needed
    finally:
        own_postgres.start()
    assert probe(client) == (200, {"status": "ok"})


@pytest.mark.parametrize(
    ("table", "history"),
    [("alembic_version", "core"), ("alembic_version_testplugin", "testplugin")],
)
def test_not_ready_while_a_migration_is_pending(ops_app, own_postgres, table, history):
    client = ops_app.test_client()
    owner = create_engine(own_postgres.url(OWNER, DATABASE))
    try:
        with owner.begin() as conn:
            versions = list(conn.scalars(text(f"SELECT version_num FROM {table}")))
            conn.execute(text(f"DELETE FROM {table}"))  # as if the last revision never ran
        status, body = probe(client)
        assert status == 503
        assert body["failed"] == {"migrations": f"pending: {history}"}
    finally:
        with owner.begin() as conn:
            for version in versions:
                conn.execute(text(f"INSERT INTO {table} VALUES (:v)"), {"v": version})
        owner.dispose()
    assert probe(client)[0] == 200


def test_still_ready_when_a_newer_release_has_migrated(ops_app, own_postgres):
    """During a rolling upgrade the Job migrates first; the old pods must not all drop out."""
    client = ops_app.test_client()
    owner = create_engine(own_postgres.url(OWNER, DATABASE))
    try:
        with owner.begin() as conn:
            (version,) = conn.scalars(text("SELECT version_num FROM alembic_version"))
            conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeedbeef'"))
        assert probe(client) == (200, {"status": "ok"})
    finally:
        with owner.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})
        owner.dispose()


def test_readiness_is_cached_briefly(ops_app, own_redis):
    """Probes from every kubelet do not each reach the database and Redis."""
    ops_app.config[CACHE_KEY] = 60
    client = ops_app.test_client()
    assert probe(client)[0] == 200
    own_redis.stop()
    try:
        assert probe(client)[0] == 200  # the cached answer
        ops_app.config[CACHE_KEY] = 0
        assert probe(client)[0] == 503
    finally:
        own_redis.start()
