"""The SSO side of the attacks: C's real OpenID Connect provider (npm oidc-provider, the
one tests/sso uses), C's settings, and a browser's round trip through it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests
from flask.testing import FlaskClient
from securitykit import C_DOMAIN, C, csrf_of, service_session
from securitywalk import SSO_ROLE

SSO_CLIENTS = {"mellerud-app": "mellerud-secret", "sunne-app": "sunne-secret"}
SSO_GROUP = "mellerud-staff"


@dataclass
class Provider:
    """The session's OpenID Connect provider (npm oidc-provider, as in tests/sso)."""

    issuer: str

    def accounts(self, **accounts: dict) -> None:
        response = requests.post(
            self.issuer + "/__test/accounts", data=json.dumps(accounts), timeout=5
        )
        assert response.status_code == 204, response.text


def configure_c_sso(arena: Any, provider: Provider, domains: list[str]) -> None:
    """C's provider settings, stored through the service with the operator's word
    (``trusted``, as ``samverka idp set`` does): C's domain is verified at once. C's
    administrator could only claim it (pending until a platform administrator approves), and
    mellerud.test is in use elsewhere already (T's administrator's address)."""
    from samverka.auth.sso import client as oidc
    from samverka.auth.sso import services as sso
    from samverka.db import TenantScope, scoped

    oidc.forget()
    with service_session(arena.app) as db:
        c = arena.world.tenants[C]
        with scoped(db, TenantScope.for_tenant(c.id)):
            sso.set_provider(
                db,
                arena.app.extensions["samverka"].registry,
                c,
                sso.ProviderSettings(
                    issuer=provider.issuer,
                    client_id="mellerud-app",
                    client_secret=SSO_CLIENTS["mellerud-app"],
                    role_map={SSO_GROUP: SSO_ROLE},
                    domains=domains,
                ),
                trusted=True,
            )
        db.commit()


def sso_login(app, slug: str, login: str) -> tuple[FlaskClient, object]:
    """A browser's whole round trip through ``slug``'s provider as ``login``."""
    from ssokit import sso_login as round_trip

    client = app.test_client()
    return client, round_trip(client, login, slug)


def sso_attacker_login(arena: Any, provider: Provider) -> None:
    """C's own provider signs in C's own person: the SSO session attacker."""
    from samverka.auth import services as accounts

    configure_c_sso(arena, provider, [C_DOMAIN])
    provider.accounts(
        sso_c={
            "email": f"sso@{C_DOMAIN}",
            "email_verified": True,
            "name": "SSO C",
            "groups": [SSO_GROUP],
        }
    )
    client, answer = sso_login(arena.app, C, "sso_c")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/t/{C}/"), (
        answer.status_code,
        answer.headers.get("Location"),
    )
    with service_session(arena.app) as db:
        arena.world.users["sso_c"] = accounts.find_user(db, f"sso@{C_DOMAIN}")
        db.expunge_all()
    arena.clients["sso_c"] = client
    arena.csrf["sso_c"] = csrf_of(client)
