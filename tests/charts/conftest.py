"""A bare Flask app with Samverka's catalogues: charts render without a database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_babel import Babel

from samverka.bootstrap import PACKAGE_DIR


@pytest.fixture(scope="session")
def babel_app() -> Flask:
    app = Flask("charts-tests")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")
    app.config["BABEL_DEFAULT_LOCALE"] = "sv"
    Babel(app)
    return app


@pytest.fixture
def in_app(babel_app) -> Iterator[Flask]:
    with babel_app.app_context():
        yield babel_app
