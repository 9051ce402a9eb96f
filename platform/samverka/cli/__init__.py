"""``samverka``: the operations command line (a Flask CLI group).

Every command is non-interactive, takes ``--json`` for machine-readable output, and on bad
input prints one line to standard error and exits non-zero without changing anything.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from samverka.cli import (
    audit_commands,
    db_commands,
    demo_commands,
    idp_commands,
    job_commands,
    plugin_commands,
    record_commands,
    tenant_commands,
    token_commands,
    user_commands,
)


def _create_app() -> Flask:
    from samverka.app import create_app

    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Samverka: crime-prevention cooperation platform."""
    from samverka.audit.context import operator

    ctx.with_resource(operator())  # audit entries name the operator as the actor


for module in (
    db_commands,
    tenant_commands,
    user_commands,
    plugin_commands,
    token_commands,
    demo_commands,
    idp_commands,
    audit_commands,
    job_commands,
    record_commands,
):
    module.register(cli)


def register_plugin_commands(app: Flask) -> None:
    """Let installed plugins add commands (``register_cli_commands``) to app.cli."""
    app.extensions["samverka"].host.hook.register_cli_commands(cli=app.cli)


def main() -> None:
    cli.main(prog_name="samverka")
