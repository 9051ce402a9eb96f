"""The Flask extensions the pages and the API share: CSRF protection and Babel."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from samverka.web.context import select_locale

csrf = CSRFProtect()
babel = Babel()


def init_app(app: Flask) -> None:

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
