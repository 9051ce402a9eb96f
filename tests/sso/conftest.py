"""A real OpenID Connect provider (npm oidc-provider, started once per test session) and a
headless browser for its pages: ``requests`` against the provider, Flask's test client for
the app (which the tests reach as http://localhost)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from flask.cli import ScriptInfo
from ssokit import APP, free_port

from samverka.auth.sso import client as oidc
from samverka.auth.sso import services as sso
from samverka.bootstrap import cli
from samverka.db import TenantScope, scoped

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
CLIENTS = {"sunne-app": "sunne-secret", "torsby-app": "torsby-secret"}
ROLE_MAP = {"sunne-admins": "tenant_admin", "sunne-staff": "reader"}


@dataclass
class Provider:
    issuer: str

    def accounts(self, **accounts: dict) -> None:
        """Replace the provider's accounts: login name -> claims."""
        self._post("/__test/accounts", accounts)

    def mutate_next_id_token(
        self, set: dict | None = None, unset: list | None = None, foreign_key: bool = False
    ) -> None:
        """The next ID token is re-signed after this change: with the provider's published
        key, or with ``foreign_key`` one it never published."""
        self._post(
            "/__test/mutate", {"set": set or {}, "unset": unset or [], "foreignKey": foreign_key}
        )

    def _post(self, path: str, data: object) -> None:
        response = requests.post(self.issuer + path, data=json.dumps(data), timeout=5)
        assert response.status_code == 204, response.text


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> Iterator[Provider]:
    node = shutil.which("node")
    assert node, "node is missing: run bin/setup --test"
    assert (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir(), (
        "oidc-provider is not installed: run bin/setup --test"
    )
    port = free_port()
    clients = [
        {
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uris": [f"{APP}/login/sso/{t}/callback" for t in ("sunne", "torsby")],
            "post_logout_redirect_uris": [f"{APP}/login"],
        }
        for client_id, secret in CLIENTS.items()
    ]
    log = (tmp_path_factory.mktemp("oidc") / "provider.log").open("w")
    process = subprocess.Popen(
        [node, "provider.mjs"],
        cwd=PROVIDER_DIR,
        env={"PATH": "/usr/bin:/bin", "OIDC_PORT": str(port), "OIDC_CLIENTS": json.dumps(clients)},
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("READY "), f"the provider did not start: {line!r}"
        yield Provider(line.split()[1])
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def provider(oidc_provider) -> Provider:
    """The session's provider with the standard accounts, no pending mutation, no cache."""
    oidc_provider.accounts(
        anna={
            "email": "anna@sunne.test",
            "email_verified": True,
            "name": "Anna Andersson",
            "groups": ["sunne-staff"],
        },
        tor={
            "email": "tor@torsby.test",
            "email_verified": True,
            "name": "Tor Torsson",
            "groups": ["sunne-staff"],
        },
    )
    oidc_provider.mutate_next_id_token()  # a no-op change: clears any left over
    oidc.forget()
    return oidc_provider


@pytest.fixture
def configure(db, registry):
    """``configure(tenant, **overrides)``: store the tenant's provider settings."""

    def apply(tenant, issuer: str, client_id: str = "sunne-app", **overrides):
        settings = sso.ProviderSettings(
            issuer=issuer,
            client_id=client_id,
            client_secret=CLIENTS.get(client_id, "x"),
            role_map=dict(ROLE_MAP),
            domains=[f"{tenant.slug}.test"],
        )
        for name, value in overrides.items():
            setattr(settings, name, value)
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            sso.set_provider(db, registry, tenant, settings, trusted=True)  # as the operator
        db.commit()

    return apply


@pytest.fixture
def operator(app):
    """``operator("idp", "set", ..., input=..., ok=True)``: the CLI, as the operator."""

    def run(*args: str, input: str | None = None, ok: bool = True):
        result = CliRunner().invoke(
            cli, list(args), obj=ScriptInfo(create_app=lambda: app), input=input
        )
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run
