"""``samverka record …``: types, list, show, share, revoke-share, purge-expired."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from samverka.bootstrap import cli
from samverka.records import services
from samverka.records.models import RecordShare


@pytest.fixture
def run(app):
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(
            cli, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False
        )
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


@pytest.fixture
def secret(ctx, db, world, acting):
    with acting(world.a, world.admin_a):
        made = services.create_record(
            db,
            record_type="core.document",
            title="Hemlig lägesbild",
            data={"body": "Text", "contact_person": "Anna Andersson"},
            classification="confidential",
            user=world.admin_a,
        )
        db.commit()
    return made


def test_types(run):
    types = json.loads(run("record", "types", "--json").output)
    assert {"core.document", "core.minutes"} <= {t["name"] for t in types}
    assert "contact_person*" in run("record", "types").output


def test_list_show_share_and_revoke(run, secret, db, world, acting):
    listed = json.loads(run("record", "list", "--tenant", "sunne", "--json").output)
    assert [r["id"] for r in listed] == [secret.id]
    shown = json.loads(run("record", "show", str(secret.id), "--tenant", "sunne", "--json").output)
    assert shown["data"] == {"body": "Text"}  # the operator never sees personal fields
    refused = run(
        "record", "share", str(secret.id), "--tenant", "sunne", "--to", "torsby", ok=False
    )
    assert refused.exit_code == 1 and refused.output.count("\n") == 1
    assert "ground" in refused.output
    unknown = run(
        "record",
        "share",
        str(secret.id),
        "--tenant",
        "sunne",
        "--to",
        "nowhere",
        "--ground",
        "x",
        ok=False,
    )
    assert unknown.exit_code == 1
    shared = json.loads(
        run(
            "record",
            "share",
            str(secret.id),
            "--tenant",
            "sunne",
            "--to",
            "torsby",
            "--ground",
            "OSL 10:2",
            "--until",
            "2099-06-30",
            "--json",
        ).output
    )
    assert shared["valid_until"].startswith("2099-07-01")
    assert [
        r["id"] for r in json.loads(run("record", "list", "--tenant", "torsby", "--json").output)
    ] == [secret.id]
    assert run("record", "show", str(secret.id), "--tenant", "hagfors", ok=False).exit_code == 1
    run("record", "revoke-share", str(shared["id"]), "--tenant", "sunne")
    assert json.loads(run("record", "list", "--tenant", "torsby", "--json").output) == []
    assert (
        run("record", "revoke-share", str(shared["id"]), "--tenant", "torsby", ok=False).exit_code
        == 1
    )
    with acting(world.a):
        share = db.scalars(select(RecordShare)).one()
        assert share.revoked_at is not None


def test_purge_expired_command(run, secret):
    assert json.loads(run("record", "purge-expired", "--json").output) == []
