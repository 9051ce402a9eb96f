"""Whether the organisation's provider vouched for a second factor (``amr``/``acr`` in the
ID token, per provider), passed to the session as ``second_factor``."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from ssokit import audit, sso_login

from samverka.auth import sessions
from samverka.auth.session_models import UserSession
from samverka.auth.sso import services as sso
from samverka.auth.sso.assurance import vouches_second_factor
from samverka.auth.sso.models import IdentityProvider
from samverka.db import TenantScope, scoped
from samverka.errors import ValidationError
from samverka.testing.fixtures import form_post

LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"


@pytest.mark.parametrize(
    ("amr", "acr", "claims", "vouched"),
    [
        (["mfa"], [], {"amr": ["pwd", "mfa"]}, True),
        (["mfa"], [], {"amr": ["pwd"]}, False),
        (["mfa"], [], {}, False),
        (["mfa"], [], {"amr": "mfa"}, True),  # a lone string: unambiguous
        (["mfa"], [], {"amr": [{"mfa": 1}], "acr": ["mfa"]}, False),  # garbage counts not
        (["otp", "hwk"], [], {"amr": ["hwk"]}, True),
        ([], [], {"amr": ["mfa"]}, False),  # the organisation counts no method
        (["mfa"], [LOA3], {"acr": LOA3}, True),
        (["mfa"], [LOA3], {"acr": LOA3 + "x"}, False),
        (["mfa"], [], {"acr": LOA3}, False),
    ],
)
def test_vouches_second_factor(amr, acr, claims, vouched):
    provider = IdentityProvider(mfa_amr=amr, mfa_acr=acr)
    assert vouches_second_factor(provider, claims) is vouched


def session_second_factor(db, client) -> bool:
    """Whether the server-side session behind this browser's cookie has its second factor."""
    with client.session_transaction() as cookie:
        secret = cookie["sid"]
    db.expire_all()
    row = db.scalars(
        select(UserSession).where(UserSession.secret_hash == sessions.digest(secret))
    ).one()
    assert row.method == "sso"
    return row.second_factor_at is not None


def test_the_callback_passes_the_providers_word_to_the_session(
    app, db, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    without = app.test_client()
    assert sso_login(without, "anna").headers["Location"].endswith("/t/sunne/")
    assert session_second_factor(db, without) is False
    provider.mutate_next_id_token(set={"amr": ["pwd", "mfa"]})
    with_mfa = app.test_client()
    assert sso_login(with_mfa, "anna").headers["Location"].endswith("/t/sunne/")
    assert session_second_factor(db, with_mfa) is True
    logins = audit(db, "auth.login")
    assert [e.details["provider_mfa"] for e in logins[-2:]] == [False, True]


def test_an_acr_value_counts_when_the_provider_lists_it(app, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer, mfa_amr=[], mfa_acr=[LOA3])
    provider.mutate_next_id_token(set={"acr": LOA3, "amr": ["mfa"]})
    browser = app.test_client()
    sso_login(browser, "anna")
    assert session_second_factor(db, browser) is True
    provider.mutate_next_id_token(set={"amr": ["mfa"]})  # amr no longer counts here
    other = app.test_client()
    sso_login(other, "anna")
    assert session_second_factor(db, other) is False


def test_the_settings_page_stores_the_values(app, login, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    admin = login(app.test_client(), tenant_pair.admin_a)
    admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = admin.get("/t/sunne/admin/sso").get_data(as_text=True)
    assert 'name="mfa_amr" type="text" spellcheck="false" value="mfa"' in page
    data = {
        "issuer": provider.issuer,
        "client_id": "sunne-app",
        "scopes": "openid email profile",
        "email_claim": "email",
        "groups_claim": "groups",
        "role_map": "sunne-staff=reader",
        "domains": "sunne.test",
        "mfa_amr": "mfa, otp",
        "mfa_acr": LOA3,
        "enabled": "y",
    }
    assert form_post(admin, "/t/sunne/admin/sso", data).status_code == 302
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        stored = sso.get_provider(db, tenant_pair.a)
        assert (stored.mfa_amr, stored.mfa_acr) == (["mfa", "otp"], [LOA3])
    bad = form_post(admin, "/t/sunne/admin/sso", {**data, "mfa_acr": "nivå3"})
    assert bad.status_code == 422 and "without spaces" in bad.get_data(as_text=True)
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        assert sso.get_provider(db, tenant_pair.a).mfa_acr == [LOA3]


def test_the_cli_sets_and_clears_the_values(db, tenant_pair, provider, configure, operator):
    configure(tenant_pair.a, provider.issuer)
    shown = json.loads(operator("idp", "show", "sunne", "--json").stdout)
    assert (shown["mfa_amr"], shown["mfa_acr"]) == (["mfa"], [])
    operator("idp", "set", "sunne", "--mfa-amr", "otp,hwk", "--mfa-acr", LOA3)
    shown = json.loads(operator("idp", "show", "sunne", "--json").stdout)
    assert (shown["mfa_amr"], shown["mfa_acr"]) == (["otp", "hwk"], [LOA3])
    operator("idp", "set", "sunne", "--mfa-amr", "")
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        assert sso.get_provider(db, tenant_pair.a).mfa_amr == []
    too_many = ",".join(f"m{i}" for i in range(21))
    result = operator("idp", "set", "sunne", "--mfa-amr", too_many, ok=False)
    assert result.exit_code == 1 and "at most 20 values" in result.stderr


def test_settings_without_the_new_fields_keep_the_default(db, registry, tenant_pair):
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        sso.set_provider(
            db,
            registry,
            tenant_pair.a,
            sso.ProviderSettings(issuer="https://login.sunne.se", client_id="x", client_secret="s"),
        )
        stored = db.scalar(select(IdentityProvider))
        assert (stored.mfa_amr, stored.mfa_acr) == (["mfa"], [])
        with pytest.raises(ValidationError):
            sso.set_provider(
                db,
                registry,
                tenant_pair.a,
                sso.ProviderSettings(
                    issuer="https://login.sunne.se", client_id="x", mfa_amr=["a b"]
                ),
            )
