"""A token's life: issued once by the CLI, stored hashed, capped, used, expired, revoked."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from apikit import bearer
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select, text, update

from samverka.auth import tokens
from samverka.auth.token_models import ApiToken
from samverka.bootstrap import cli
from samverka.clock import utcnow
from samverka.db import TenantScope, scoped


@pytest.fixture
def run(app):
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(
            cli, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False
        )
        assert (result.exit_code == 0) == ok, result.output
        return result

    return invoke


def stored_rows(samverka_database) -> list[tuple]:
    from samverka.db import make_engine

    engine = make_engine(samverka_database.owner_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(
                    text(
                        "SELECT set_config('samverka.tenant_ids', "
                        "(SELECT string_agg(id::text, ',') FROM tenants), false)"
                    )
                )
            return [tuple(r) for r in conn.execute(text("SELECT * FROM api_tokens")).all()]
    finally:
        engine.dispose()


def test_cli_prints_the_token_once_and_stores_only_its_hash(
    run, client, tenant_pair, samverka_database
):
    created = run("token", "create", "admin@sunne.test", "--tenant", "sunne", "--json")
    data = json.loads(created.stdout)
    raw = data["token"]
    assert raw.startswith(f"svk_{tenant_pair.a.id}_") and len(raw.split("_")[3]) == 64
    rows = stored_rows(samverka_database)
    assert len(rows) == 1
    assert not any(raw in str(v) or raw.split("_")[3] in str(v) for v in rows[0])
    assert tokens.hash_secret(raw.split("_")[3]) in rows[0]
    listed = run("token", "list", "--tenant", "sunne", "--json").stdout
    assert raw not in listed and json.loads(listed)[0]["prefix"] == raw.rsplit("_", 1)[0]
    assert raw not in run("token", "list").stdout
    text_mode = run("token", "create", "reader@sunne.test", "--tenant", "sunne").stdout
    assert "shown only now" in text_mode and text_mode.strip().splitlines()[-1].startswith("svk_")
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200


def test_cli_refuses_bad_input_and_changes_nothing(run, tenant_pair, samverka_database):
    for args in (
        ("admin@torsby.test", "--tenant", "sunne"),  # not a member of Sunne
        ("admin@sunne.test", "--tenant", "sunne", "--role", "reader"),  # a role she lacks
        ("admin@sunne.test", "--tenant", "sunne", "--expires", "0"),
        ("nobody@sunne.test", "--tenant", "sunne"),
        ("admin@sunne.test", "--tenant", "nowhere"),
    ):
        result = run("token", "create", *args, ok=False)
        assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert run("token", "revoke", "999", ok=False).stderr.startswith("Error: ")
    assert stored_rows(samverka_database) == []


def test_revoked_token_is_refused(run, client, tenant_pair):
    data = json.loads(
        run("token", "create", "admin@sunne.test", "--tenant", "sunne", "--json").stdout
    )
    assert client.get("/api/v1/me", headers=bearer(data["token"])).status_code == 200
    revoked = json.loads(run("token", "revoke", str(data["id"]), "--json").stdout)
    assert revoked["status"] == "revoked"
    response = client.get("/api/v1/me", headers=bearer(data["token"]))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_expired_token_is_refused(client, db, tenant_pair, issue):
    raw = issue(tenant_pair.admin_a, tenant_pair.a, expires_days=1)
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        db.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(client, db, tenant_pair, issue):
    raw = issue(tenant_pair.admin_a, tenant_pair.a)

    def last_used():
        db.rollback()
        with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
            return tokens.aware(db.scalar(select(ApiToken.last_used_at)))

    assert last_used() is None
    client.get("/api/v1/me", headers=bearer(raw))
    first = last_used()
    assert first is not None and utcnow() - first < timedelta(seconds=30)
    client.get("/api/v1/me", headers=bearer(raw))
    assert last_used() == first, "written again within a minute"
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        db.execute(update(ApiToken).values(last_used_at=first - timedelta(minutes=2)))
    db.commit()
    client.get("/api/v1/me", headers=bearer(raw))
    assert last_used() > first


def test_role_cap_limits_the_token(client, db, registry, tenant_pair, issue):
    from samverka.auth import services as accounts

    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        accounts.add_member(db, registry, tenant_pair.admin_a, tenant_pair.a, "reader")
    db.commit()
    capped = issue(tenant_pair.admin_a, tenant_pair.a, role="reader")
    full = issue(tenant_pair.admin_a, tenant_pair.a)
    assert client.get("/api/v1/me", headers=bearer(capped)).get_json()["roles"] == ["reader"]
    members = "/api/v1/tenants/sunne/members"
    assert client.get(members, headers=bearer(capped)).status_code == 403
    assert client.get(members, headers=bearer(full)).status_code == 200


def test_user_removed_from_tenant_or_deactivated_ends_the_token(client, db, tenant_pair, issue):
    from samverka.auth import services as accounts

    raw = issue(tenant_pair.reader_a, tenant_pair.a)
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        accounts.remove_member(db, tenant_pair.reader_a.id, tenant_pair.a)
    db.commit()
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401

    other = issue(tenant_pair.admin_a, tenant_pair.a)
    tenant_pair.admin_a.is_active = False
    db.merge(tenant_pair.admin_a)
    db.commit()
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Basic dXNlcjpwYXNz", "Bearer svk_1_00_00", "Bearer " + "svk_" + "x" * 80],
)
def test_malformed_credentials_are_401(client, tenant_pair, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_secret_is_refused(client, tenant_pair, token_a):
    wrong = token_a[:-1] + ("0" if token_a[-1] != "0" else "1")
    assert client.get("/api/v1/me", headers=bearer(wrong)).status_code == 401


def test_the_api_ignores_the_web_session(client, login, tenant_pair):
    login(client, tenant_pair.admin_a)
    assert client.get("/api/v1/me").status_code == 401
