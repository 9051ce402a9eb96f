"""Provider settings: validation before any write, the secret encrypted at rest, one tenant
per e-mail domain, the domain directory readable before any scope exists."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from samverka.auth.sso import services as sso
from samverka.auth.sso.models import IdentityProvider, SsoDomain
from samverka.db import TenantScope, scoped
from samverka.errors import ValidationError

ISSUER = "https://login.sunne.se"


def settings(**overrides) -> sso.ProviderSettings:
    values = dict(
        issuer=ISSUER,
        client_id="samverka",
        client_secret="s3cret-value",
        role_map={"admins": "tenant_admin"},
        domains=["sunne.se"],
    )
    values.update(overrides)
    return sso.ProviderSettings(**values)


def put(db, registry, tenant, **overrides):
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        provider = sso.set_provider(db, registry, tenant, settings(**overrides), trusted=True)
    db.commit()
    return provider


def test_settings_are_stored_with_defaults_and_the_secret_encrypted(db, registry, tenant_pair):
    put(db, registry, tenant_pair.a, domains=["Sunne.SE", "sunne.se", "kommun.sunne.se"])
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        stored = sso.current_settings(db, tenant_pair.a)
        provider = sso.get_provider(db, tenant_pair.a)
        raw = db.execute(text("SELECT client_secret FROM sso_providers")).scalar_one()
    assert stored.scopes == "openid email profile"
    assert (stored.email_claim, stored.groups_claim) == ("email", "groups")
    assert stored.domains == ["kommun.sunne.se", "sunne.se"]
    assert provider.client_secret == "s3cret-value"
    assert "s3cret" not in raw and raw.startswith("gAAAA")  # Fernet ciphertext


def test_an_empty_secret_keeps_the_stored_one(db, registry, tenant_pair):
    put(db, registry, tenant_pair.a)
    put(db, registry, tenant_pair.a, client_secret="", client_id="changed")
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        provider = sso.get_provider(db, tenant_pair.a)
    assert (provider.client_id, provider.client_secret) == ("changed", "s3cret-value")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"issuer": "http://login.sunne.se"}, "issuer"),  # plain http off loopback
        ({"issuer": "login.sunne.se"}, "issuer"),
        ({"client_id": " "}, "client_id"),
        ({"scopes": "email profile"}, "scopes"),
        ({"email_claim": "e mail"}, "email_claim"),
        ({"role_map": {"admins": "platform_admin"}}, "role_map"),  # not a tenant role
        ({"role_map": {"admins": "overlord"}}, "role_map"),
        ({"domains": ["not a domain"]}, "domains"),
    ],
)
def test_bad_settings_change_nothing(db, registry, tenant_pair, overrides, field):
    put(db, registry, tenant_pair.a)
    with (
        pytest.raises(ValidationError) as caught,
        scoped(db, TenantScope.for_tenant(tenant_pair.a.id)),
    ):
        sso.set_provider(db, registry, tenant_pair.a, settings(**{"client_id": "new", **overrides}))
    db.rollback()
    assert caught.value.field == field
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        assert sso.current_settings(db, tenant_pair.a) == settings(client_secret=None)


def test_a_new_provider_needs_a_secret(db, registry, tenant_pair):
    with pytest.raises(ValidationError, match="client secret"):
        put(db, registry, tenant_pair.a, client_secret=None)


def test_a_domain_belongs_to_one_tenant_only(db, registry, tenant_pair):
    put(db, registry, tenant_pair.a)
    with pytest.raises(ValidationError, match="another organisation"):
        put(db, registry, tenant_pair.b, domains=["torsby.se", "sunne.se"])
    db.rollback()
    assert db.query(SsoDomain.domain).filter_by(tenant_id=tenant_pair.b.id).all() == []


def test_the_domain_directory_answers_without_a_scope(db, registry, tenant_pair):
    put(db, registry, tenant_pair.a)
    db.close()  # a fresh unit of work, no scope at all (as on the login page)
    assert sso.tenant_for_email(db, "Anna@SUNNE.se").slug == "sunne"
    assert sso.tenant_for_email(db, "anna@torsby.se") is None
    assert sso.tenant_for_email(db, "no-at-sign") is None


def test_the_provider_row_is_invisible_outside_its_tenant(
    db, registry, tenant_pair, samverka_backend
):
    put(db, registry, tenant_pair.a)
    with scoped(db, TenantScope.for_tenant(tenant_pair.b.id)):
        assert db.query(IdentityProvider).count() == 0
        raw = db.execute(text("SELECT count(*) FROM sso_providers")).scalar()
        assert raw == (0 if samverka_backend == "postgresql" else 1)  # RLS on PostgreSQL


def test_removing_forgets_provider_and_domains(db, registry, tenant_pair):
    put(db, registry, tenant_pair.a)
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        assert sso.remove_provider(db, tenant_pair.a) is True
        assert sso.remove_provider(db, tenant_pair.a) is False
    db.commit()
    assert sso.tenant_for_email(db, "anna@sunne.se") is None


def test_role_map_and_domain_parsing():
    assert sso.parse_role_map("a=reader, b = tenant_admin\n") == {
        "a": "reader",
        "b": "tenant_admin",
    }
    with pytest.raises(ValidationError, match="group=role"):
        sso.parse_role_map("admins")
    assert sso.parse_domains("a.se, b.se\nc.se") == ["a.se", "b.se", "c.se"]
