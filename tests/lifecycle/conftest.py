"""Fixtures for the whole-tenant archive and deletion: a queue, a tenant with data."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from lifecyclekit import CLIENT_SECRET

from samverka.auth import tokens
from samverka.auth.sso.models import IdentityProvider, SsoDomain
from samverka.db import TenantScope, scoped
from samverka.jobs import runner
from samverka.jobs.queue import connect, get_queue
from samverka_testplugin import Note


@pytest.fixture
def queue(app, settings):
    assert settings.redis_url, "the test Redis is not configured (run through bin/test)"
    connection = connect(settings)
    connection.flushdb()
    runner.use_app(app)
    yield get_queue(connection)
    connection.flushdb()
    runner.use_app(None)


@pytest.fixture
def run_cli(app):
    """``run_cli(*args, ok=True)``: the ``samverka`` command against the test's app."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from samverka.bootstrap import cli

    def invoke(*args: str, ok: bool = True):
        result = CliRunner().invoke(
            cli, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False
        )
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


@dataclass
class Filled:
    token_raw: str
    token_hash: str
    token_key: str


@pytest.fixture
def filled(app, db, tenant_pair, with_plugins) -> Filled:
    """Sunne with the test plugin's notes, an SSO provider (with its secret), an API token
    and some audit entries; Torsby with a note of its own."""
    pair = tenant_pair
    with_plugins(pair.a, "testplugin")
    with_plugins(pair.b, "testplugin")
    with scoped(db, TenantScope.for_tenant(pair.a.id)):
        db.add_all([Note(text="första anteckningen"), Note(text="andra")])
        db.add(
            IdentityProvider(
                tenant_id=pair.a.id,
                issuer="https://idp.sunne.test",
                client_id="sunne-client",
                client_secret=CLIENT_SECRET,
                role_map={"personal": "reader"},
            )
        )
        db.add(SsoDomain(domain="sunne.test", tenant_id=pair.a.id))
        issued = tokens.issue_token(db, pair.admin_a, pair.a, name="integration")
        db.commit()
        stored = db.get(type(issued.token), issued.token.id)
        token = Filled(issued.raw, stored.secret_hash, stored.key)
    with scoped(db, TenantScope.for_tenant(pair.b.id)):
        db.add(Note(text="torsbys egen"))
        db.commit()
    return token
