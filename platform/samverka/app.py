"""The application factory (Flask tutorial, flaskr): ``create_app(settings)``."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from samverka import logs, ops
from samverka.auth.passwords import use_cheap_hashing
from samverka.config import Settings
from samverka.runtime import Runtime, close_db_session
from samverka.security import crypto

PACKAGE_DIR = Path(__file__).parent

csrf = CSRFProtect()
babel = Babel()


def create_app(
    settings: Settings | None = None,
    *,
    extra_plugins: list[tuple[str, object]] = (),
    load_entry_points: bool = True,
) -> Flask:
    """Build the web application.

    ``extra_plugins`` registers plugins that are not installed as distributions (tests, the
    ``with_plugins`` helper); installed ones are found through the entry-point group.
    """
    settings = settings or Settings.from_env()
    app = Flask(
        "samverka",
        instance_path=str(settings.instance_path.resolve()),
        template_folder=str(PACKAGE_DIR / "web" / "templates"),
        static_folder=str(PACKAGE_DIR / "web" / "static"),
    )
    from samverka.api import params

    params.install(app)  # bounded ASCII ids in every URL (pages and API), before any route
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="samverka_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure or settings.is_production,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE_DIR / "translations"),
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        TESTING=settings.env == "testing",
    )
    logs.configure(settings.log_level, settings.effective_log_format)
    use_cheap_hashing(settings.env == "testing")
    crypto.configure(settings.encryption_keys)
    runtime = Runtime.build(settings, list(extra_plugins), load_entry_points)
    runtime.check_database_role()
    app.extensions["samverka"] = runtime
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PACKAGE_DIR / "web" / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    csrf.init_app(app)
    from samverka.web.context import select_locale

    babel.init_app(app, locale_selector=select_locale)
    app.teardown_appcontext(close_db_session)

    from samverka import web
    from samverka.web import security

    security.init_app(app)
    ops.init_app(app)  # before the blueprints: the request id exists before any other hook
    web.init_app(app)
    from samverka.api import setup as api
    from samverka.web import api_tokens

    app.register_blueprint(api_tokens.bp)  # the tokens' page, beside the API they open
    api.init_app(app)
    from samverka.cli import register_plugin_commands

    register_plugin_commands(app)
    return app
