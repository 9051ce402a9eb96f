"""``samverka db upgrade`` and ``samverka db check``."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy.engine import make_url

from samverka import migrate
from samverka.cli.output import emit, json_option
from samverka.db import make_engine
from samverka.runtime import runtime


@click.group("db", cls=AppGroup)
def db() -> None:
    """Database schema: the core's and every installed plugin's migrations."""


def app_role() -> str | None:
    """The role the app connects as, when it differs from the owner (gets table grants)."""
    settings = runtime().settings
    app_user = make_url(settings.database_url).username
    owner = make_url(settings.database_owner_url).username
    return app_user if app_user and app_user != owner else None


@db.command("upgrade")
@json_option
def upgrade(as_json: bool) -> None:
    """Run all migrations to their heads; on PostgreSQL also apply row-level security."""
    ran = migrate.upgrade(runtime().settings.database_owner_url, runtime().host, app_role())
    emit(as_json, {"upgraded": ran}, f"upgraded: {', '.join(ran)}")


@db.command("check")
@json_option
def check(as_json: bool) -> None:
    """Exit non-zero when models and migrations (or the database) have drifted apart."""
    problems = migrate.check(runtime().settings.database_owner_url, runtime().host)
    emit(
        as_json,
        {"ok": not problems, "problems": problems},
        lambda: "\n".join(problems) if problems else "models, migrations and database agree",
    )
    if problems:
        sys.exit(1)


@db.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--plugin", default=None, help="Write into this plugin's history.")
def revision(message: str, plugin: str | None) -> None:
    """Autogenerate a new revision from the difference between models and database."""
    from alembic import command

    owner = plugin or migrate.CORE
    history = next((h for h in migrate.histories(runtime().host) if h.owner == owner), None)
    if history is None:
        click.echo(f"Error: no migration history for {owner}", err=True)
        sys.exit(1)
    engine = make_engine(runtime().settings.database_owner_url)
    with engine.begin() as connection:
        config = migrate.alembic_config(history, connection)
        command.revision(
            config, message=message, autogenerate=True, version_path=str(history.versions)
        )


def register(cli: click.Group) -> None:
    cli.add_command(db)
