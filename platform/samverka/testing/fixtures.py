"""Pytest fixtures for Samverka and plugin authors (registered through ``pytest11``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache

from samverka.config import Settings
from samverka.db import TenantScope, make_engine, scoped
from samverka.testing import databases

TEST_PASSWORD = "correct horse battery staple"
#: The TOTP seed ``login`` enrols administrators with (they must use MFA).
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--samverka-db",
        default="both",
        choices=("both", *BACKENDS),
        help="Run database tests on SQLite, PostgreSQL or both (default).",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "samverka_backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--samverka-db")
        backends = BACKENDS if chosen == "both" else (chosen,)
        marker = metafunc.definition.get_closest_marker("postgresql_only")
        if marker is not None:
            backends = tuple(b for b in backends if b == "postgresql")
        metafunc.parametrize("samverka_backend", backends, scope="session")


@pytest.fixture(scope="session")
def samverka_plugins() -> list[tuple[str, object]]:
    """Plugins to register beside the installed ones; override in a conftest."""
    return []


@pytest.fixture(scope="session")
def plugin_host(samverka_plugins):
    from samverka.bootstrap import build_host

    return build_host(samverka_plugins)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def worker_redis_url() -> str:
    """The test Redis, one logical database per xdist worker (queues do not cross)."""
    base = os.environ.get("SAMVERKA_TEST_REDIS_URL", "")
    if not base:
        return ""
    number = int(re.sub(r"\D", "", _worker()) or "0") % 15 + 1
    return f"{base.rsplit('/', 1)[0]}/{number}"


@pytest.fixture(scope="session")
def samverka_database(samverka_backend, plugin_host, tmp_path_factory):
    """A migrated database for this worker and backend."""
    if samverka_backend == "sqlite":
        yield databases.sqlite_database(tmp_path_factory.mktemp("sqlite"), plugin_host)
        return
    worker = re.sub(r"[^a-z0-9]", "", _worker().lower())
    name = f"samverka_test_{worker}_{os.getpid()}"  # concurrent runs never share one
    database = databases.postgresql_database(name, plugin_host)
    yield database
    databases.drop_postgresql_database(name)


@pytest.fixture
def settings(samverka_database, tmp_path) -> Settings:
    return Settings(
        instance_path=tmp_path / "instance",
        env="testing",
        database_url=samverka_database.app_url,
        database_owner_url=samverka_database.owner_url,
        redis_url=worker_redis_url(),
        secret_key="test-secret-key-that-is-long-enough-0123456789",
    ).with_defaults()


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory for the session: every test has a new app (and so a
    new Jinja environment), which would otherwise compile the GOV.UK macros again (0.4-1 s
    per test). Entries are keyed by template source checksum, so edits are seen."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(scope="session")
def template_bytecode() -> BytecodeCache:
    return SharedBytecodeCache()


@pytest.fixture
def app(settings, samverka_plugins, samverka_database, template_bytecode) -> Iterator[Flask]:
    """A fresh app on an emptied database.

    No app context stays pushed: each test-client request then gets its own, with its own
    ``g`` and database session, as in production.
    """
    owner = make_engine(samverka_database.owner_url)
    databases.reset(owner, samverka_database)
    owner.dispose()
    application = create_test_app(settings, samverka_plugins)
    application.jinja_env.bytecode_cache = template_bytecode
    yield application
    application.extensions["samverka"].engine.dispose()


def create_test_app(settings: Settings, plugins: list[tuple[str, object]]) -> Flask:
    from samverka.app import create_app

    return create_app(settings, extra_plugins=plugins)


@pytest.fixture
def db(app):
    """A database session of the test's own (no tenant scope), separate from requests'."""
    session = app.extensions["samverka"].sessions()
    yield session
    session.close()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def registry(app):
    return app.extensions["samverka"].registry


@dataclass
class TenantPair:
    """Two municipalities in one consortium, each with an admin and a reader."""

    consortium: Any
    a: Any
    b: Any
    admin_a: Any
    reader_a: Any
    admin_b: Any
    reader_b: Any
    consortium_admin: Any
    platform_admin: Any
    password: str = TEST_PASSWORD


@pytest.fixture
def tenant_pair(app, db, registry) -> TenantPair:
    from samverka.auth import services as accounts
    from samverka.tenancy import services as tenancy

    consortium = tenancy.create_consortium(db, "sutohamu", "SuToHaMu", "17")
    a = tenancy.create_tenant(
        db, "sunne", "Sunne kommun", "municipality", "1766", 13366, [consortium]
    )
    b = tenancy.create_tenant(
        db, "torsby", "Torsby kommun", "municipality", "1737", 11387, [consortium]
    )
    users = {}
    for key, email in [
        ("admin_a", "admin@sunne.test"),
        ("reader_a", "reader@sunne.test"),
        ("admin_b", "admin@torsby.test"),
        ("reader_b", "reader@torsby.test"),
        ("consortium_admin", "kons@sutohamu.test"),
    ]:
        users[key] = accounts.create_user(db, email, key.replace("_", " ").title(), TEST_PASSWORD)
    users["platform_admin"] = accounts.create_user(
        db, "root@samverka.test", "Root", TEST_PASSWORD, platform_admin=True
    )
    for tenant, admin, reader in [(a, "admin_a", "reader_a"), (b, "admin_b", "reader_b")]:
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            accounts.add_member(db, registry, users[admin], tenant, "tenant_admin")
            accounts.add_member(db, registry, users[reader], tenant, "reader")
    accounts.add_consortium_admin(db, users["consortium_admin"], consortium)
    db.commit()
    return TenantPair(consortium, a, b, **users)


class Login:
    """``login(client, user)`` posts the real login form (CSRF included).

    Administrators must use MFA: ``login`` enrols such a user with :data:`TEST_TOTP_SECRET`
    in the database (as if they had scanned the QR code) and answers the real code step with
    a current code. The last used time step is forgotten first, so a test may log the same
    administrator in several times within one 30-second step.
    """

    def __call__(self, client: FlaskClient, user: Any, password: str = TEST_PASSWORD):
        secret = prepare_totp(client.application, user)
        page = client.get("/login")
        token = csrf_token(page.get_data(as_text=True))
        response = client.post(
            "/login", data={"email": user.email, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        if response.location.endswith("/login/code"):
            response = form_post(client, "/login/code", {"code": totp_code(secret)})
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client


def enrol_totp(session, user_id: int, secret: str = TEST_TOTP_SECRET) -> str:
    """Turn MFA on for a user with a known seed (no recovery codes); returns the seed."""
    from samverka import clock
    from samverka.auth.models import User

    user = session.get(User, user_id)
    if not user.mfa_enabled:
        user.totp_secret = secret
        user.totp_confirmed_at = clock.now()
    user.totp_last_step = None
    session.commit()
    return user.totp_secret


def prepare_totp(app: Flask, user: Any) -> str | None:
    """Enrol ``user`` if MFA is required of them (or already on); None when not needed."""
    from samverka.auth.mfa import requires_mfa
    from samverka.auth.models import User

    session = app.extensions["samverka"].sessions()
    try:
        stored = session.get(User, user.id)
        if not (stored.mfa_enabled or requires_mfa(session, stored)):
            return None
        return enrol_totp(session, user.id)
    finally:
        session.close()


def totp_code(secret: str | None) -> str:
    import pyotp

    return pyotp.TOTP(secret or TEST_TOTP_SECRET).now()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def form_post(client: FlaskClient, url: str, data: dict):
    """GET the form at ``url`` for its CSRF token, then POST ``data`` to it."""
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


@pytest.fixture
def login() -> Login:
    return Login()


@pytest.fixture
def logged_in_client(client, login, tenant_pair) -> FlaskClient:
    """A client logged in as tenant A's administrator."""
    return login(client, tenant_pair.admin_a)


@pytest.fixture
def with_plugins(app, db):
    """``with_plugins(tenant, "name", config={...})``: offer through the tenant's first
    consortium and enable for the tenant, as a consortium and a tenant admin would."""
    from samverka.plugins import services as plugins

    def enable(tenant, *names: str, config: dict | None = None) -> None:
        host = app.extensions["samverka"].host
        for name in names:
            plugins.allow_plugin(db, host, name, tenant.consortia[0])
            with scoped(db, TenantScope.for_tenant(tenant.id)):
                plugins.enable_plugin(db, host, tenant, name, config)
        db.commit()

    return enable


@pytest.fixture
def ctx(app):
    """An app context for calling services directly (runtime(), gettext), in English so
    that tests can match messages (the Swedish ones: test_record_services)."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        yield app


@dataclass
class World:
    """:class:`TenantPair` (``world.a``, ``world.admin_b``, …) plus Hagfors (``c``), a
    municipality outside the consortium with its admin, and a contributor of A's."""

    pair: Any
    c: Any  # outside the consortium
    admin_c: Any
    contributor_a: Any

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pair, name)


@pytest.fixture
def world(app, db, registry, tenant_pair) -> World:
    from samverka.auth import services as accounts
    from samverka.tenancy import services as tenancy

    c = tenancy.create_tenant(db, "hagfors", "Hagfors kommun", "municipality", "1783", 11000, [])
    admin_c = accounts.create_user(db, "admin@hagfors.test", "Admin C", tenant_pair.password)
    contributor_a = accounts.create_user(
        db, "contrib@sunne.test", "Contrib A", tenant_pair.password
    )
    with scoped(db, TenantScope.for_tenant(c.id)):
        accounts.add_member(db, registry, admin_c, c, "tenant_admin")
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        accounts.add_member(db, registry, contributor_a, tenant_pair.a, "contributor")
    db.commit()
    return World(tenant_pair, c, admin_c, contributor_a)


@pytest.fixture
def acting(db):
    """``with acting(tenant, user):`` the session scoped to ``tenant`` for ``user``."""

    @contextmanager
    def act(tenant, user=None) -> Iterator:
        with scoped(db, TenantScope.for_tenant(tenant.id, getattr(user, "id", None))):
            yield db

    return act


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[3]
