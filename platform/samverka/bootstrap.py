"""The composition root: the one place that builds the platform and wires its entry points.

It builds the runtime (engine, plugin host, registries), registers the core's own hook
implementations and the installed plugins, and wires Flask (pages and API), the ``samverka``
command line and the workers' app. Everything else only *looks up* what was built here
(:mod:`samverka.runtime`); nothing below this module builds anything of its own, so the
layers underneath never import upward to find their collaborators.

The core registers its features as internal plugins, through the same hooks a plugin uses
(Datasette and pytest do the same): the statutory cycle's areas, records, jobs and the
administration pages each have a ``hooks`` module listed in :data:`CORE_HOOKS`.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import import_module
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import text

from samverka import logs, ops, web
from samverka.api import params
from samverka.api import setup as api
from samverka.audit.context import operator
from samverka.auth.passwords import use_cheap_hashing
from samverka.auth.permissions import PermissionRegistry
from samverka.cli import COMMAND_MODULES
from samverka.config import ConfigurationError, Settings
from samverka.db import make_engine, make_session_factory
from samverka.demo import commands as demo_commands
from samverka.plugins.host import PluginHost
from samverka.plugins.results import ListOf
from samverka.records.types import RecordType, RecordTypeRegistry
from samverka.records.types import collect as collect_record_types
from samverka.runtime import EXTENSION_KEY, Runtime, close_db_session
from samverka.security import crypto
from samverka.web import extensions, security

PACKAGE_DIR = Path(__file__).parent

#: The core's own hook implementations, registered as internal plugins in this order before
#: any installed plugin. pluggy calls the last registered first, so e.g. a tenant's deletion
#: releases records, then the core's data, then the login bindings; the collectors that want
#: the core's entries first (roles, record types) read the implementations in this order.
CORE_HOOKS: tuple[str, ...] = (
    "samverka.auth.hooks",
    "samverka.lifecycle.hooks",
    "samverka.records.hooks",
    "samverka.audit.hooks",
    "samverka.jobs.hooks",
    "samverka.exports.hooks",
    "samverka.web.hooks",
    "samverka.areas.hooks",
    "samverka.workflows.hooks",
    "samverka.workflows.councils.hooks",
    "samverka.workflows.agreements.hooks",
    "samverka.workflows.rounds.hooks",
    "samverka.workflows.pictures.hooks",
    "samverka.workflows.action_plans.hooks",
    "samverka.workflows.compliance.hooks",
    "samverka.workflows.overview.hooks",
)


def build_host(
    extra_plugins: list[tuple[str, object]] = (), load_entry_points: bool = True
) -> PluginHost:
    """The plugin host with the core's hooks, the installed plugins (entry points) and
    ``extra_plugins`` (tests, benchmarks); misspelt hooks are refused here."""
    host = PluginHost()
    host.contracts["register_record_types"] = ListOf(RecordType)
    for name in CORE_HOOKS:
        host.register(import_module(name), name, internal=True)
    if load_entry_points:
        host.load_entry_points()
    for name, plugin in extra_plugins:
        host.register(plugin, name)
    host.check()
    return host


def collect_permissions(host: PluginHost, registry: PermissionRegistry) -> PermissionRegistry:
    """Ask every plugin for roles and permissions; a plugin's own remember their owner."""
    for owner, roles in host.collect("register_roles"):  # the core's first
        for role in roles or ():
            registry.add_role(replace(role, plugin=owner) if owner else role)
    for owner, permissions in host.collect("register_permissions"):
        for permission in permissions or ():
            registry.add_permission(replace(permission, plugin=owner) if owner else permission)
    return registry


def build_runtime(
    settings: Settings,
    extra_plugins: list[tuple[str, object]] = (),
    load_entry_points: bool = True,
) -> Runtime:
    """Engine, sessions, plugin host and the registries the hooks fill."""
    engine = make_engine(settings.database_url)
    host = build_host(extra_plugins, load_entry_points)
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        host=host,
        registry=collect_permissions(host, PermissionRegistry()),
        record_types=collect_record_types(host, RecordTypeRegistry()),
    )


def check_database_role(runtime: Runtime) -> None:
    """Refuse to run on PostgreSQL as a role that bypasses row-level security."""
    if runtime.engine.dialect.name != "postgresql" or runtime.settings.allow_rls_bypass:
        return
    with runtime.engine.connect() as conn:
        row = conn.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
    if row.rolsuper or row.rolbypassrls:
        raise ConfigurationError(
            "the database role bypasses row-level security; connect as a role without "
            "SUPERUSER/BYPASSRLS (or set SAMVERKA_ALLOW_RLS_BYPASS=1 for maintenance)"
        )


def create_app(
    settings: Settings | None = None,
    *,
    extra_plugins: list[tuple[str, object]] = (),
    load_entry_points: bool = True,
) -> Flask:
    """Build the web application (the flaskr factory; also the workers' and CLI's app).

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
    params.install(app)  # bounded ASCII ids in every URL (pages and API), before any route
    configure_flask(app, settings)
    logs.configure(settings.log_level, settings.effective_log_format)
    use_cheap_hashing(settings.env == "testing")
    crypto.configure(settings.encryption_keys)
    runtime = build_runtime(settings, list(extra_plugins), load_entry_points)
    check_database_role(runtime)
    app.extensions[EXTENSION_KEY] = runtime
    app.jinja_loader = template_loader()
    app.teardown_appcontext(close_db_session)
    wire_http(app)
    runtime.host.hook.register_cli_commands(cli=app.cli)
    return app


def configure_flask(app: Flask, settings: Settings) -> None:
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


def template_loader() -> ChoiceLoader:
    """The core's templates, then GOV.UK Frontend's macros under their package names."""
    return ChoiceLoader(
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


def wire_http(app: Flask) -> None:
    """Pages, then the API: security headers and the request id come before any view."""
    extensions.init_app(app)
    security.init_app(app)
    ops.init_app(app)  # before the blueprints: the request id exists before any other hook
    web.init_app(app)
    api.init_app(app)


# --- the command line -----------------------------------------------------------------


@click.group(
    cls=FlaskGroup,
    create_app=lambda: create_app(),
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Samverka: crime-prevention cooperation platform."""

    ctx.with_resource(operator())  # audit entries name the operator as the actor


for _module in (*COMMAND_MODULES, demo_commands):
    _module.register(cli)


def main() -> None:
    """The ``samverka`` command (``python -m samverka``)."""
    cli.main(prog_name="samverka")
