"""``samverka user reset-mfa`` and ``user logout-everywhere``: an operator's recovery paths
(a lost phone, a stolen laptop). Both end every session of the user."""

from __future__ import annotations

import click

from samverka.auth import account, mfa
from samverka.auth import services as accounts
from samverka.cli.access import operator_requires
from samverka.cli.output import emit, json_option, operation
from samverka.cli.tenant_commands import user
from samverka.runtime import db_session


@user.command("reset-mfa")
@click.argument("email")
@json_option
@operation
def user_reset_mfa(email: str, as_json: bool) -> None:
    """Remove the user's TOTP and recovery codes; an administrator enrols again at log-in."""
    operator_requires("platform:users:manage")
    session = db_session()
    person = accounts.get_user(session, email)
    had_mfa = person.mfa_enabled
    mfa.reset(session, person)  # ends every session too
    emit(
        as_json,
        {"email": person.email, "mfa_was_enabled": had_mfa, "sessions_ended": True},
        f"Two-step verification reset for {person.email}; every session ended",
    )


@user.command("logout-everywhere")
@click.argument("email")
@json_option
@operation
def user_logout_everywhere(email: str, as_json: bool) -> None:
    """End every session of the user (they log in again)."""
    operator_requires("platform:users:manage")
    person = accounts.get_user(db_session(), email)
    account.log_out_everywhere(db_session(), person)
    emit(
        as_json,
        {"email": person.email, "sessions_ended": True},
        f"Every session of {person.email} ended",
    )


def register(cli: click.Group) -> None:
    """The commands join the ``user`` group of :mod:`samverka.cli.tenant_commands`."""
