"""Fixtures that several of the core's test folders share: a frozen clock and plain SQL under
RLS as the app role (``app_sql``). The test plugin is registered in the root ``conftest.py``;
``world``, ``acting`` and ``ctx`` come from :mod:`samverka.testing` (plugin tests use them
too)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text


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
