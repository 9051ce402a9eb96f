"""``samverka idp set | show | remove``: --json, one-line errors, nothing changed on error,
the secret read from stdin and never printed."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from samverka.auth.sso import services as sso
from samverka.bootstrap import cli
from samverka.db import TenantScope, scoped

SECRET = "very-secret-client-value"


@pytest.fixture
def run(app):
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, ok: bool = True):
        result = runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), input=input)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


def stored(db, tenant):
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        provider = sso.get_provider(db, tenant)
        return provider, sso.current_settings(db, tenant)


def set_sunne(run, *extra: str):
    return run(
        "idp",
        "set",
        "sunne",
        "--issuer",
        "https://login.sunne.se",
        "--client-id",
        "samverka",
        "--client-secret-stdin",
        "--role-map",
        "admins=tenant_admin,staff=reader",
        "--domains",
        "sunne.se,kommun.sunne.se",
        *extra,
        input=SECRET + "\n",
    )


def test_set_show_and_remove(run, db, tenant_pair):
    created = json.loads(set_sunne(run, "--json").stdout)
    assert created["role_map"] == {"admins": "tenant_admin", "staff": "reader"}
    assert created["domains"] == ["kommun.sunne.se", "sunne.se"]
    provider, _ = stored(db, tenant_pair.a)
    assert provider.client_secret == SECRET

    run("idp", "set", "sunne", "--groups-claim", "roles", "--scopes", "openid email")
    provider, current = stored(db, tenant_pair.a)
    assert (current.groups_claim, current.scopes) == ("roles", "openid email")
    assert current.issuer == "https://login.sunne.se" and provider.client_secret == SECRET

    for args in (("idp", "show", "sunne"), ("idp", "show", "sunne", "--json")):
        shown = run(*args).output
        assert SECRET not in shown and "login.sunne.se" in shown
    assert json.loads(run("idp", "show", "sunne", "--json").stdout)["groups_claim"] == "roles"

    assert json.loads(run("idp", "remove", "sunne", "--json").stdout)["removed"] is True
    assert stored(db, tenant_pair.a) == (None, None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role-map", "admins=overlord"), "Unknown role"),
        (("--domains", "torsby.se"), "already belongs"),
        (("--issuer", "http://login.sunne.se"), "https://"),
        (("--scopes", "email"), "openid"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(run, db, tenant_pair, args, message):
    set_sunne(run)
    run("idp", "set", "torsby", "--issuer", "https://t.se", "--client-id", "t",
        "--client-secret-stdin", "--domains", "torsby.se", input="x\n")  # fmt: skip
    before = stored(db, tenant_pair.a)[1]
    result = run("idp", "set", "sunne", "--client-id", "changed", *args, ok=False)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert stored(db, tenant_pair.a)[1] == before


def test_a_new_provider_needs_issuer_and_secret(run, db, tenant_pair):
    result = run("idp", "set", "sunne", "--client-id", "x", ok=False)
    assert result.exit_code == 1 and "--issuer" in result.stderr
    result = run("idp", "set", "sunne", "--issuer", "https://a.se", "--client-id", "x", ok=False)
    assert result.exit_code == 1 and "client secret" in result.stderr
    assert stored(db, tenant_pair.a) == (None, None)


def test_show_and_remove_of_an_unknown_provider_fail(run, tenant_pair):
    for command in ("show", "remove"):
        result = run("idp", command, "sunne", ok=False)
        assert result.exit_code == 1 and "no single sign-on provider" in result.stderr
    result = run("idp", "show", "nowhere", ok=False)
    assert result.exit_code == 1
