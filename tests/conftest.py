"""Registers the test plugin for the whole suite (it is not installed as a distribution)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "testplugin"))

import samverka_testplugin


@pytest.fixture(scope="session")
def samverka_plugins():
    return [(samverka_testplugin.NAME, samverka_testplugin)]


class FrozenClock:
    """The accounts' clock (``samverka.auth.clock.now``), stopped and moved by hand."""

    def __init__(self) -> None:
        from datetime import UTC, datetime

        self.moment = datetime.now(UTC)

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.moment += timedelta(**delta)


@pytest.fixture
def frozen_clock(monkeypatch) -> FrozenClock:
    """Throttle windows, TOTP steps and link expiry without sleeping."""
    from samverka.auth import clock

    frozen = FrozenClock()
    monkeypatch.setattr(clock, "now", lambda: frozen.moment)
    return frozen
