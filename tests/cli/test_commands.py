"""The operations CLI: every command with --json; bad input → one line, exit 1, no change."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from samverka.bootstrap import cli


@pytest.fixture
def run(app):
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, ok: bool = True):
        result = runner.invoke(
            cli,
            list(args),
            obj=ScriptInfo(create_app=lambda: app),
            input=input,
            catch_exceptions=False,
        )
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


def sunne_in_sutohamu(run) -> None:
    """The consortium SuToHaMu with Sunne in it, made through the CLI."""
    run("consortium", "create", "sutohamu", "--name", "SuToHaMu")
    run(
        "tenant",
        "create",
        "sunne",
        "--name",
        "Sunne",
        "--kind",
        "municipality",
        "--municipality-code",
        "1766",
        "--consortium",
        "sutohamu",
    )


def as_json(result):
    return json.loads(result.stdout)


def test_consortium_create_and_list(run):
    created = as_json(
        run(
            "consortium",
            "create",
            "gr",
            "--name",
            "Göteborgsregionen",
            "--county-code",
            "14",
            "--json",
        )
    )
    assert created == {
        "slug": "gr",
        "name": "Göteborgsregionen",
        "county_code": "14",
        "tenants": [],
    }
    assert [c["slug"] for c in as_json(run("consortium", "list", "--json"))] == ["gr"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["consortium", "create", "Bad Slug", "--name", "X"], "short name may only contain"),
        (["consortium", "create", "x", "--name", "X", "--county-code", "99"], "county code"),
        (["tenant", "create", "t", "--name", "T", "--kind", "town"], "Unknown kind"),
        (
            [
                "tenant",
                "create",
                "t",
                "--name",
                "T",
                "--kind",
                "municipality",
                "--municipality-code",
                "123",
            ],
            "four digits",
        ),
        (
            [
                "tenant",
                "create",
                "t",
                "--name",
                "T",
                "--kind",
                "police",
                "--municipality-code",
                "1766",
            ],
            "Only municipalities",
        ),
        (
            [
                "tenant",
                "create",
                "t",
                "--name",
                "T",
                "--kind",
                "municipality",
                "--municipality-code",
                "9966",
            ],
            "county code",
        ),
        (["tenant", "list", "--consortium", "nosuch"], "No consortium called nosuch"),
        (["member", "add", "nobody@x.test", "sunne", "--role", "reader"], "No organisation"),
        (["plugin", "allow", "nosuch", "--consortium", "nosuch"], "No consortium"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(run, args, message):
    result = run(*args, ok=False)
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_tenant_create_validates_duplicates_and_changes_nothing(run):
    run("consortium", "create", "sutohamu", "--name", "SuToHaMu", "--county-code", "17")
    run(
        "tenant",
        "create",
        "sunne",
        "--name",
        "Sunne kommun",
        "--kind",
        "municipality",
        "--municipality-code",
        "1766",
        "--consortium",
        "sutohamu",
    )
    duplicate_slug = run("tenant", "create", "sunne", "--name", "Annan", "--kind", "ngo", ok=False)
    assert "already taken" in duplicate_slug.stderr
    duplicate_code = run(
        "tenant",
        "create",
        "sunne2",
        "--name",
        "Sunne 2",
        "--kind",
        "municipality",
        "--municipality-code",
        "1766",
        ok=False,
    )
    assert "1766 is already used" in duplicate_code.stderr
    tenants = as_json(run("tenant", "list", "--json"))
    assert [(t["slug"], t["name"], t["consortia"]) for t in tenants] == [
        ("sunne", "Sunne kommun", ["sutohamu"])
    ]


def test_a_tenant_can_belong_to_several_consortia(run):
    run("consortium", "create", "sutohamu", "--name", "SuToHaMu")
    run("consortium", "create", "varmland", "--name", "Värmlands län")
    created = as_json(
        run(
            "tenant",
            "create",
            "lansstyrelsen-varmland",
            "--name",
            "Länsstyrelsen Värmland",
            "--kind",
            "county_board",
            "--consortium",
            "sutohamu",
            "--consortium",
            "varmland",
            "--json",
        )
    )
    assert created["consortia"] == ["sutohamu", "varmland"]
    listed = as_json(run("tenant", "list", "--consortium", "varmland", "--json"))
    assert [t["slug"] for t in listed] == ["lansstyrelsen-varmland"]


def test_users_members_and_consortium_admins(run, app):
    sunne_in_sutohamu(run)
    user = as_json(
        run(
            "user",
            "create",
            "Sara@Sunne.test",
            "--name",
            "Sara",
            "--password-stdin",
            "--json",
            input="a long enough password\n",
        )
    )
    assert user == {"email": "sara@sunne.test", "name": "Sara", "platform_admin": False}
    short = run(
        "user",
        "create",
        "x@sunne.test",
        "--name",
        "X",
        "--password-stdin",
        input="short\n",
        ok=False,
    )
    assert "at least 12 characters" in short.stderr
    member = as_json(
        run("member", "add", "sara@sunne.test", "sunne", "--role", "coordinator", "--json")
    )
    assert member == {"email": "sara@sunne.test", "tenant": "sunne", "role": "coordinator"}
    bad_role = run("member", "add", "sara@sunne.test", "sunne", "--role", "king", ok=False)
    assert "Unknown role “king”" in bad_role.stderr
    admin = as_json(run("consortium", "admin-add", "sara@sunne.test", "sutohamu", "--json"))
    assert admin == {"email": "sara@sunne.test", "consortium": "sutohamu"}


def test_plugin_lifecycle(run):
    sunne_in_sutohamu(run)
    installed = as_json(run("plugin", "list", "--json"))
    assert "testplugin" in [p["name"] for p in installed]  # beside installed ones (indicators)
    not_offered = run("plugin", "enable", "testplugin", "--tenant", "sunne", ok=False)
    assert "not available" in not_offered.stderr
    run("plugin", "allow", "testplugin", "--consortium", "sutohamu", "--config", '{"max_notes": 3}')
    bad = run(
        "plugin",
        "enable",
        "testplugin",
        "--tenant",
        "sunne",
        "--config",
        '{"max_notes": "many"}',
        ok=False,
    )
    assert "max_notes must be of type integer" in bad.stderr
    not_json = run("plugin", "enable", "testplugin", "--tenant", "sunne", "--config", "{", ok=False)
    assert "--config is not valid JSON" in not_json.stderr
    enabled = as_json(
        run(
            "plugin",
            "enable",
            "testplugin",
            "--tenant",
            "sunne",
            "--config",
            '{"greeting": "Hallå"}',
            "--json",
        )
    )
    assert enabled["config"] == {"greeting": "Hallå", "max_notes": 3}
    listed = as_json(run("plugin", "list", "--tenant", "sunne", "--json"))
    listed = [p for p in listed if p["name"] == "testplugin"]  # installed ones beside it
    assert listed[0]["enabled"] is True
    run("plugin", "disable", "testplugin", "--tenant", "sunne")
    assert as_json(run("plugin", "list", "--tenant", "sunne", "--json"))[0]["enabled"] is False
    configured = as_json(
        run("plugin", "configure", "testplugin", "--config", '{"colour": "green"}', "--json")
    )
    assert configured["config"] == {"colour": "green"}


def test_seed_demo_is_idempotent_and_real(run):
    first = as_json(run("seed-demo", "--json"))
    assert first == {
        "consortia": 3,
        "tenants": 12,
        "users": 9,
        "agreements": 1,
        "pledges": 5,
        "compliance_settings": 5,
        # every installed plugin enabled for the six demo municipalities
        "plugin_enablements": 6
        * len(as_json(run("plugin", "list", "--tenant", "sunne", "--json"))),
        # the indicators plugin: SuToHaMu's four municipalities, 3 elements x 2019-2025
        "indicator_values": 4 * 3 * 7,
        "indicator_targets": 4,
        "indicator_measure_links": 4,
    }
    assert set(as_json(run("seed-demo", "--json")).values()) == {0}
    tenants = {t["slug"]: t for t in as_json(run("tenant", "list", "--json"))}
    assert (tenants["hagfors"]["municipality_code"], tenants["hagfors"]["population"]) == (
        "1783",
        11536,
    )
    assert tenants["munkfors"]["population"] == 3669
    assert tenants["gagnef-kommun"]["municipality_code"] == "2026"
    sutohamu = as_json(run("tenant", "list", "--consortium", "sutohamu", "--json"))
    assert len(sutohamu) == 8


def test_db_check_passes_on_a_migrated_database(run):
    assert as_json(run("db", "check", "--json")) == {"ok": True, "problems": []}


def test_consortium_membership_of_an_existing_tenant(run):
    run("consortium", "create", "sutohamu", "--name", "SuToHaMu")
    run("consortium", "create", "varmland", "--name", "Värmland")
    run(
        "tenant",
        "create",
        "polisen-lpo-torsby",
        "--name",
        "Polisen LPO Torsby",
        "--kind",
        "police",
        "--consortium",
        "sutohamu",
    )
    joined = as_json(run("consortium", "add-tenant", "varmland", "polisen-lpo-torsby", "--json"))
    assert joined["tenants"] == ["polisen-lpo-torsby"]
    left = as_json(run("consortium", "remove-tenant", "sutohamu", "polisen-lpo-torsby", "--json"))
    assert left["tenants"] == []
    again = run("consortium", "remove-tenant", "sutohamu", "polisen-lpo-torsby", ok=False)
    assert "is not a member" in again.stderr


def test_db_check_exits_non_zero_on_drift(run):
    from sqlalchemy import Column, Integer, Table

    from samverka.db import Base

    table = Table("unmigrated", Base.metadata, Column("id", Integer, primary_key=True))
    try:
        result = run("db", "check", "--json", ok=False)
    finally:
        Base.metadata.remove(table)
    assert result.exit_code == 1
    report = as_json(result)
    assert report["ok"] is False
    assert any("unmigrated" in problem for problem in report["problems"])
