"""Fixtures for the indicators plugin's tests (helpers in ``indicatorkit``)."""

from __future__ import annotations

import pytest
from indicatorkit import Setup, build


@pytest.fixture
def ind(ctx, db, world, acting, with_plugins) -> Setup:
    """For service tests (inside ``ctx``, an English request context)."""
    return build(db, world, acting, with_plugins)


@pytest.fixture
def ind_web(app, db, world, acting, with_plugins) -> Setup:
    """For test-client tests: built in a context of its own, none left pushed."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        return build(db, world, acting, with_plugins)
