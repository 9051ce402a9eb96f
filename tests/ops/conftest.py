"""Throwaway PostgreSQL and Redis for this folder (module-scoped), migrated as in production:
the owner role runs the migrations, the app connects as a role without BYPASSRLS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from throwaway import APP, DATABASE, OWNER, Postgres, RedisServer

from samverka import migrate
from samverka.config import Settings


@pytest.fixture(scope="module")
def own_postgres(plugin_host) -> Iterator[Postgres]:
    server = Postgres().init()
    try:
        server.create_database(DATABASE)
        migrate.upgrade(server.url(OWNER, DATABASE), plugin_host, APP)
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="module")
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def own_settings(own_postgres, own_redis, tmp_path) -> Settings:
    return Settings(
        instance_path=tmp_path / "instance",
        env="testing",
        database_url=own_postgres.url(APP, DATABASE),
        database_owner_url=own_postgres.url(OWNER, DATABASE),
        redis_url=own_redis.url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
    ).with_defaults()
