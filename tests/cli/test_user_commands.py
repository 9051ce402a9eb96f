"""`samverka user reset-mfa` and `user logout-everywhere`: an operator's recovery paths."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from samverka.auth.models import User
from samverka.bootstrap import cli
from samverka.testing.fixtures import enrol_totp


@pytest.fixture
def run(app):
    def invoke(*args: str):
        return CliRunner().invoke(
            cli, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False
        )

    return invoke


def test_reset_mfa_removes_the_seed_and_ends_sessions(run, db, tenant_pair, client, login):
    login(client, tenant_pair.admin_a)  # enrols the administrator
    assert client.get("/t/sunne/").status_code == 200
    result = run("user", "reset-mfa", "ADMIN@sunne.test", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "email": "admin@sunne.test",
        "mfa_was_enabled": True,
        "sessions_ended": True,
    }
    db.expire_all()
    user = db.get(User, tenant_pair.admin_a.id)
    assert user.totp_secret is None and not user.mfa_enabled
    assert client.get("/t/sunne/").status_code == 302  # logged out; must enrol again


def test_logout_everywhere_from_the_command_line(run, db, tenant_pair, client, login):
    enrol_totp(db, tenant_pair.reader_a.id)
    login(client, tenant_pair.reader_a)
    result = run("user", "logout-everywhere", "reader@sunne.test")
    assert result.exit_code == 0
    assert "Every session of reader@sunne.test ended" in result.stdout
    assert client.get("/t/sunne/").status_code == 302


def test_an_unknown_user_is_one_line_and_exit_1(run, tenant_pair):
    result = run("user", "reset-mfa", "nobody@sunne.test")
    assert result.exit_code == 1
    assert result.stderr == "Error: No user with e-mail nobody@sunne.test.\n"
