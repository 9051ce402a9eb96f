"""Offering, enabling and disabling plugins; a disabled plugin does not exist for a tenant."""

from __future__ import annotations

import pytest

from samverka.db import TenantScope, scoped, set_scope
from samverka.errors import ValidationError
from samverka.plugins import services as plugins
from samverka.plugins.models import TenantPlugin
from samverka_testplugin import Note


@pytest.fixture
def host(app):
    return app.extensions["samverka"].host


def test_enabling_needs_the_plugin_offered(db, host, tenant_pair):
    with (
        scoped(db, TenantScope.for_tenant(tenant_pair.a.id)),
        pytest.raises(ValidationError, match="not available"),
    ):
        plugins.enable_plugin(db, host, tenant_pair.a, "testplugin")


def test_an_unknown_plugin_is_a_clear_error(db, host, tenant_pair):
    with pytest.raises(ValidationError, match="No plugin called nosuch"):
        plugins.allow_plugin(db, host, "nosuch", tenant_pair.consortium)


def test_a_config_that_fails_the_schema_changes_nothing(db, host, tenant_pair, with_plugins):
    with_plugins(tenant_pair.a, "testplugin", config={"greeting": "Hej Sunne"})
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        with pytest.raises(ValidationError, match="max_notes must be of type integer"):
            plugins.enable_plugin(db, host, tenant_pair.a, "testplugin", {"max_notes": "ten"})
        db.rollback()
        with pytest.raises(ValidationError, match="unknown setting: shoe_size"):
            plugins.enable_plugin(db, host, tenant_pair.a, "testplugin", {"shoe_size": 44})
        db.rollback()
        row = db.query(TenantPlugin).one()
        assert row.config == {"greeting": "Hej Sunne"}


def test_disable_keeps_the_config_for_later(db, host, tenant_pair, with_plugins):
    with_plugins(tenant_pair.a, "testplugin", config={"greeting": "Tjena"})
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        plugins.disable_plugin(db, host, tenant_pair.a, "testplugin")
        assert plugins.enabled_plugins(db, host, tenant_pair.a) == frozenset()
        plugins.enable_plugin(db, host, tenant_pair.a, "testplugin")
        assert plugins.effective_config(db, host, tenant_pair.a, "testplugin")["greeting"] == (
            "Tjena"
        )


def test_withdrawing_the_offer_disables_it_for_members(db, host, tenant_pair, with_plugins):
    with_plugins(tenant_pair.a, "testplugin")
    plugins.disallow_plugin(db, "testplugin", tenant_pair.consortium)
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        assert plugins.enabled_plugins(db, host, tenant_pair.a) == frozenset()


class TestConfigFallback:
    """Configuration resolves platform → consortium → tenant, key by key."""

    def effective(self, db, host, tenant):
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            return plugins.effective_config(db, host, tenant, "testplugin")

    def test_manifest_default_when_nobody_sets_anything(self, db, host, tenant_pair, with_plugins):
        with_plugins(tenant_pair.a, "testplugin")
        assert self.effective(db, host, tenant_pair.a) == {"greeting": "Hej", "max_notes": 10}

    def test_platform_overrides_the_default(self, db, host, tenant_pair, with_plugins):
        plugins.set_platform_config(db, host, "testplugin", {"max_notes": 20})
        with_plugins(tenant_pair.a, "testplugin")
        assert self.effective(db, host, tenant_pair.a) == {"greeting": "Hej", "max_notes": 20}

    def test_consortium_overrides_platform(self, db, host, tenant_pair, with_plugins):
        plugins.set_platform_config(db, host, "testplugin", {"max_notes": 20, "colour": "red"})
        plugins.allow_plugin(db, host, "testplugin", tenant_pair.consortium, {"max_notes": 30})
        with_plugins(tenant_pair.a, "testplugin")
        assert self.effective(db, host, tenant_pair.a) == {
            "greeting": "Hej",
            "max_notes": 30,
            "colour": "red",
        }

    def test_tenant_overrides_consortium(self, db, host, tenant_pair, with_plugins):
        plugins.allow_plugin(db, host, "testplugin", tenant_pair.consortium, {"max_notes": 30})
        with_plugins(tenant_pair.a, "testplugin", config={"max_notes": 5})
        with_plugins(tenant_pair.b, "testplugin")
        assert self.effective(db, host, tenant_pair.a)["max_notes"] == 5
        assert self.effective(db, host, tenant_pair.b)["max_notes"] == 30

    def test_consortium_config_is_validated(self, db, host, tenant_pair):
        with pytest.raises(ValidationError, match="must be at least 1"):
            plugins.allow_plugin(db, host, "testplugin", tenant_pair.consortium, {"max_notes": 0})

    def test_platform_config_is_validated(self, db, host):
        with pytest.raises(ValidationError, match="must be one of: red, green"):
            plugins.set_platform_config(db, host, "testplugin", {"colour": "blue"})


class TestDisabledPluginDoesNotExist:
    def test_page_answers_404_until_enabled(self, logged_in_client, tenant_pair, with_plugins):
        assert logged_in_client.get("/t/sunne/testplugin/").status_code == 404
        with_plugins(tenant_pair.a, "testplugin")
        page = logged_in_client.get("/t/sunne/testplugin/")
        assert page.status_code == 200
        assert "Hej, Sunne kommun" in page.get_data(as_text=True)

    def test_nav_item_only_where_enabled(self, logged_in_client, tenant_pair, with_plugins):
        """The module's entry is in the menu's "Modules" group (its page) only once enabled;
        before, the group holds nothing and is not there."""
        assert logged_in_client.get("/t/sunne/menu/modules").status_code == 404
        assert "/menu/modules" not in logged_in_client.get("/t/sunne/").get_data(as_text=True)
        with_plugins(tenant_pair.a, "testplugin")
        assert "/menu/modules" in logged_in_client.get("/t/sunne/").get_data(as_text=True)
        page = logged_in_client.get("/t/sunne/menu/modules").get_data(as_text=True)
        assert "Anteckningar" in page and "/t/sunne/testplugin/" in page

    def test_enabled_in_one_tenant_is_not_enabled_in_another(
        self, client, login, tenant_pair, with_plugins
    ):
        with_plugins(tenant_pair.a, "testplugin")
        login(client, tenant_pair.admin_b)
        assert client.get("/t/torsby/testplugin/").status_code == 404
        assert "Anteckningar" not in client.get("/t/torsby/").get_data(as_text=True)
        assert client.get("/t/torsby/menu/modules").status_code == 404  # nothing in the group

    def test_plugin_permission_denied_when_disabled(self, app, db, tenant_pair, with_plugins):
        from samverka.auth.authorization import Principal, authorize

        registry = app.extensions["samverka"].registry
        who = Principal.of(tenant_pair.reader_a)
        set_scope(db, TenantScope((), tenant_pair.reader_a.id))  # as a request by the user
        action = "tenant:testplugin_notes:view"
        assert not authorize(
            db, registry, who, action, tenant=tenant_pair.a, enabled_plugins=frozenset()
        )
        assert authorize(
            db,
            registry,
            who,
            action,
            tenant=tenant_pair.a,
            enabled_plugins=frozenset({"testplugin"}),
        )


def test_direct_id_probe_across_tenants_answers_404(client, login, db, tenant_pair, with_plugins):
    with_plugins(tenant_pair.a, "testplugin")
    with_plugins(tenant_pair.b, "testplugin")
    with scoped(db, TenantScope.for_tenant(tenant_pair.b.id)):
        secret = Note(text="torsby only")
        db.add(secret)
        db.flush()
        secret_id = secret.id
    db.commit()
    login(client, tenant_pair.admin_a)
    assert client.get(f"/t/sunne/testplugin/notes/{secret_id}").status_code == 404
    assert client.get(f"/t/torsby/testplugin/notes/{secret_id}").status_code == 404
    assert client.get("/t/torsby/").status_code == 404
    assert client.get("/t/torsby/admin/members").status_code == 404
