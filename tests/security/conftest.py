"""The adversarial suite's arena: one app and one world per module and backend (building
the world takes seconds; the walk sends thousands of requests against it), the attackers'
logged-in clients, and a baseline of the database to prove that refused requests changed
nothing. A test that did change it (a hole) leaves the arena dirty; it is rebuilt before the
next test so that one finding does not spill into the others."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from samverka.config import Settings
from samverka.db import make_engine
from samverka.testing import databases
from samverka.testing.fixtures import Login, create_test_app, worker_redis_url

sys.path.insert(0, str(Path(__file__).parent.parent / "sso"))  # ssokit: the provider's side

from securitykit import A, C, Fingerprint, World, build_world, csrf_of
from securitysso import SSO_CLIENTS, Provider, sso_attacker_login
from securitywalk import Attacker, attackers


class Arena:
    """The app, the world, the attackers' clients and the database's baseline."""

    def __init__(self, app, database) -> None:
        self.app = app
        self.database = database
        self.fingerprint = Fingerprint(database.owner_url)
        self.world: World = World()
        self.clients: dict[str, FlaskClient] = {}
        self.csrf: dict[str, str] = {}
        self.baseline: dict = {}
        self.extra_logins: list = []  # callables run after each (re)build (e.g. SSO)
        self.rebuilds = 0
        self._openapi: dict | None = None

    def build(self) -> None:
        owner = make_engine(self.database.owner_url)
        databases.reset(owner, self.database)
        owner.dispose()
        self.world = build_world(self.app)
        self.clients, self.csrf = {}, {}
        for attacker in attackers(self.world):
            if attacker.via_sso:
                continue  # logged in by the SSO fixture, through C's provider
            self.clients[attacker.key] = self.log_in(attacker)
        for hook in self.extra_logins:
            hook(self)
        self.take_baseline()

    def log_in(self, attacker: Attacker) -> FlaskClient:
        client = self.app.test_client()
        if attacker.kind == "anonymous":
            self.csrf[attacker.key] = csrf_of(client, "/login")
            return client
        Login()(client, self.world.users[attacker.key])
        self.csrf[attacker.key] = csrf_of(client)
        return client

    def owner_client(self, key: str) -> FlaskClient:
        """A logged-in client of a legitimate user (A's admin, S's admin, the platform's)."""
        client = self.app.test_client()
        Login()(client, self.world.users[key])
        return client

    def openapi(self) -> dict:
        if self._openapi is None:
            self._openapi = self.app.test_client().get("/api/v1/openapi.json").get_json()
        return self._openapi

    def use_sso(self, provider) -> None:
        """Log the SSO attacker in through C's provider now and after every rebuild."""
        if self.extra_logins:
            return
        self.extra_logins.append(lambda arena: sso_attacker_login(arena, provider))
        sso_attacker_login(self, provider)
        self.take_baseline()

    def own_of(self, attacker) -> tuple[int, int]:
        """(organisation id, user id) of what the attacker may change of its own."""
        tenant = self.world.tenants[attacker.tenant].id if attacker.tenant else 0
        user = self.world.users.get(attacker.key)
        return tenant, (user.id if user is not None and attacker.kind == "user" else 0)

    def take_baseline(self) -> None:
        """The database as a whole; per attacker, as seen without its own rows (lazily)."""
        self.baseline = {(0, 0): self.fingerprint.rows()}

    def baseline_of(self, own: tuple[int, int]) -> dict:
        if own not in self.baseline:
            raise AssertionError("the baseline of an attacker is taken before its test")
        return self.baseline[own]

    def prepare(self, attacker) -> tuple[int, int]:
        """Take the attacker's view of the baseline before its test; returns its ``own``."""
        own = self.own_of(attacker)
        self.baseline[own] = self.fingerprint.rows(own)
        return own

    def rebaseline(self) -> None:
        """After legitimate users acted (the owners' control): their changes are the norm."""
        self.take_baseline()

    def ensure_clean(self, own: tuple[int, int] = (0, 0)) -> list[str]:
        """Tables changed since the baseline outside the attacker's ``own`` rows; the arena
        is rebuilt when there are any (a hole must not spill into the next test), else the
        baseline takes in what the attacker did to its own organisation and account."""
        if self.fingerprint.rows() == self.baseline[(0, 0)]:
            return []
        before = self.baseline_of(own)
        now = self.fingerprint.rows(own)
        changed = [
            f"{name}: +{sorted(set(now[name]) - set(before[name]))[:3]}"
            f" -{sorted(set(before[name]) - set(now[name]))[:3]}"
            for name in before
            if before[name] != now.get(name)
        ]
        if changed:
            self.rebuilds += 1
            self.build()
        else:
            self.take_baseline()
        return changed


@pytest.fixture(scope="session")
def sso_provider(tmp_path_factory) -> Iterator[Provider]:
    """A real provider with a client for C and one for A, started once per session."""
    from ssokit import APP, free_port

    directory = Path(__file__).parent.parent / "sso" / "oidc_provider"
    node = shutil.which("node")
    assert node and (directory / "node_modules" / "oidc-provider").is_dir(), (
        "node or oidc-provider is missing: run bin/setup --test"
    )
    port = free_port()
    clients = [
        {
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uris": [f"{APP}/login/sso/{t}/callback" for t in (C, A)],
            "post_logout_redirect_uris": [f"{APP}/login"],
        }
        for client_id, secret in SSO_CLIENTS.items()
    ]
    log = (tmp_path_factory.mktemp("oidc-security") / "provider.log").open("w")
    process = subprocess.Popen(
        [node, "provider.mjs"],
        cwd=directory,
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


@pytest.fixture(scope="module")
def arena(samverka_database, samverka_plugins, template_bytecode, tmp_path_factory) -> Iterator:
    settings = Settings(
        instance_path=tmp_path_factory.mktemp("security") / "instance",
        env="testing",
        database_url=samverka_database.app_url,
        database_owner_url=samverka_database.owner_url,
        redis_url=worker_redis_url(),
        secret_key="test-secret-key-that-is-long-enough-0123456789",
    ).with_defaults()
    app = create_test_app(settings, samverka_plugins)
    app.jinja_env.bytecode_cache = template_bytecode
    access = logging.getLogger("samverka.access")
    level = access.level
    access.setLevel(logging.WARNING)  # thousands of requests: their access lines cost time
    found = Arena(app, samverka_database)
    found.build()
    yield found
    access.setLevel(level)
    found.fingerprint.dispose()
    app.extensions["samverka"].engine.dispose()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per attacker, generated from the role registry."""
    from securitykit import registered_tenant_roles
    from securitywalk import session_attacker_keys, token_attacker_keys

    roles = registered_tenant_roles()
    if "attacker_key" in metafunc.fixturenames:
        metafunc.parametrize("attacker_key", session_attacker_keys(roles))
    if "token_key" in metafunc.fixturenames:
        metafunc.parametrize("token_key", token_attacker_keys(roles))
