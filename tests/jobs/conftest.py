"""Fixtures for the job tests: an emptied queue, the runner bound to the test's app."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from samverka.jobs import runner
from samverka.jobs.queue import connect, get_queue

sys.path.insert(0, str(Path(__file__).parent.parent / "ops"))  # throwaway servers


@pytest.fixture
def queue(app, settings):
    assert settings.redis_url, "the test Redis is not configured (run through bin/test)"
    connection = connect(settings)
    connection.flushdb()
    runner.use_app(app)
    yield get_queue(connection)
    connection.flushdb()
    runner.use_app(None)
