"""Registers the test plugin for the whole suite (it is not installed as a distribution),
and fixtures that several folders share: a frozen clock; a consortium of two tenants plus an
outsider (``world``), acting as a user in one tenant's scope (``acting``), plain SQL under
RLS as the app role (``app_sql``) — the records and the statutory cycle use them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from samverka.db import TenantScope, scoped

sys.path.insert(0, str(Path(__file__).parent / "testplugin"))

import samverka_testplugin


@pytest.fixture(scope="session")
def samverka_plugins():
    return [(samverka_testplugin.NAME, samverka_testplugin)]


class FrozenClock:
    """The platform's one clock (``samverka.clock.now``), stopped and moved by hand."""

    def __init__(self) -> None:
        from datetime import UTC, datetime

        self.moment = datetime.now(UTC)

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.moment += timedelta(**delta)


@pytest.fixture
def frozen_clock(monkeypatch) -> FrozenClock:
    """Throttle windows, TOTP steps and link expiry without sleeping."""
    from samverka import clock

    frozen = FrozenClock()
    monkeypatch.setattr(clock, "now", lambda: frozen.moment)
    return frozen


@dataclass
class World:
    pair: Any
    c: Any  # outside the consortium
    admin_c: Any
    contributor_a: Any

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pair, name)


@pytest.fixture
def ctx(app):
    """An app context for calling services directly (runtime(), gettext), in English so
    that tests can match messages (the Swedish ones: test_record_services)."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        yield app


@pytest.fixture
def world(app, db, registry, tenant_pair) -> World:
    from samverka.auth import services as accounts
    from samverka.tenants import services as tenancy

    c = tenancy.create_tenant(db, "hagfors", "Hagfors kommun", "municipality", "1783", 11000, [])
    admin_c = accounts.create_user(db, "admin@hagfors.test", "Admin C", tenant_pair.password)
    contributor_a = accounts.create_user(
        db, "contrib@sunne.test", "Contrib A", tenant_pair.password
    )
    with scoped(db, TenantScope.for_tenant(c.id)):
        accounts.add_member(db, registry, admin_c, c, "tenant_admin")
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        accounts.add_member(db, registry, contributor_a, tenant_pair.a, "contributor")
    db.commit()
    return World(tenant_pair, c, admin_c, contributor_a)


@pytest.fixture
def acting(db):
    """``with acting(tenant, user):`` the session scoped to ``tenant`` for ``user``."""

    @contextmanager
    def act(tenant, user=None) -> Iterator:
        with scoped(db, TenantScope.for_tenant(tenant.id, getattr(user, "id", None))):
            yield db

    return act


@pytest.fixture
def app_sql(samverka_database):
    """``app_sql(tenant_ids, sql, **params)``: rows of plain SQL as the app role under RLS
    with the given scope (PostgreSQL only)."""
    engine = create_engine(samverka_database.app_url)

    def run(tenant_ids, sql: str, **params) -> list:
        with engine.connect() as conn, conn.begin():
            conn.execute(
                text("SELECT set_config('samverka.tenant_ids', :t, true)"),
                {"t": ",".join(str(t) for t in tenant_ids)},
            )
            result = conn.execute(text(sql), params)
            return list(result) if result.returns_rows else result.rowcount

    yield run
    engine.dispose()
