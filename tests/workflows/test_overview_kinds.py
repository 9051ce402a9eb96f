"""Every kind of item on the coordinator's overview has a heading declared with it (hook
``register_overview_kinds``), and items name their organisation when the viewer works with
several (a partner such as Polisen LPO Torsby sees the same assignment from three councils).

The kinds are checked against what the registered hooks really answer: the demo (a year of
the cycle in four municipalities and the police) is seeded, then every installed plugin is
enabled and every member of every organisation asks the hooks for their overview."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from samverka import demo
from samverka.auth.models import User
from samverka.db import TenantScope, scoped
from samverka.demo import DEMO_PASSWORD
from samverka.plugins.manifest import OverviewKind
from samverka.tenants.models import Membership, Tenant
from samverka.workflows.overview import services as overview

POLICE = "kommunpolis@polisen.test"
STATISTICS = "Ta fram polisens statistik inför nästa lägesbild"


@pytest.fixture
def seeded(ctx, db, registry, app):
    """The demo, with every installed plugin enabled wherever the demo enables plugins."""
    demo.seed(db, registry)
    db.commit()
    return app.extensions["samverka"].host


def hooks_of(host, db, tenant):
    from samverka.plugins.services import enabled_plugins

    return host.hooks_for(enabled_plugins(db, host, tenant))


def every_viewer(db):
    """(tenant, user) for every membership of the demo."""
    viewers = []
    for tenant in db.scalars(select(Tenant).order_by(Tenant.slug)).all():
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            users = db.scalars(
                select(User)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.tenant_id == tenant.id)
                .order_by(User.email)
            ).all()
        viewers += [(tenant, user) for user in users]
    assert len(viewers) >= 5, viewers
    return viewers


def test_every_plugin_that_makes_overview_items_declares_kinds(plugin_host):
    """Generated from the registered hooks: a plugin answering ``cycle_overview_items``
    answers ``register_overview_kinds`` too, with OverviewKind values, no kind twice."""
    makers = {impl.plugin_name for impl in plugin_host.hook.cycle_overview_items.get_hookimpls()}
    declarers = {
        impl.plugin_name for impl in plugin_host.hook.register_overview_kinds.get_hookimpls()
    }
    assert makers, "nobody makes overview items: the test would prove nothing"
    assert makers <= declarers, f"no register_overview_kinds in {sorted(makers - declarers)}"
    seen: dict[str, str] = {}
    for impl in plugin_host.hook.register_overview_kinds.get_hookimpls():
        for kind in impl.function():
            assert isinstance(kind, OverviewKind), (impl.plugin_name, kind)
            assert str(kind.label).strip() and str(kind.label) != kind.kind, kind
            assert kind.kind not in seen, (
                f"{kind.kind!r}: {seen.get(kind.kind)}, {impl.plugin_name}"
            )
            seen[kind.kind] = impl.plugin_name


def test_every_item_the_hooks_make_has_a_declared_label(seeded, db):
    """Every kind any viewer of the demo meets is declared by the enabled plugins, so no
    heading is a raw key; and the demo meets most declared kinds (the test means it)."""
    host = seeded
    met: dict[str, set[str]] = {}
    undeclared = []
    for tenant, user in every_viewer(db):
        with scoped(db, TenantScope.for_tenant(tenant.id, user.id)):
            hooks = hooks_of(host, db, tenant)
            declared = overview.declared_kinds(hooks)
            for found in hooks.cycle_overview_items(session=db, tenant=tenant, user=user):
                for item in found or []:
                    met.setdefault(item["kind"], set()).add(tenant.slug)
                    if item["kind"] not in declared:
                        undeclared.append((tenant.slug, user.email, item["kind"]))
    assert not undeclared, f"overview kinds without a declared label: {sorted(set(undeclared))}"
    assert {"round", "round_invitation", "assignment", "meeting", "red_measure"} <= set(met)


def test_a_missing_label_is_caught(seeded, db):
    """The check above fails when a kind loses its declaration (and the page then shows
    "Other items", never the key)."""
    host = seeded
    police = db.scalar(select(User).where(User.email == POLICE))
    tenant = db.scalar(select(Tenant).where(Tenant.slug == "polisen-lpo-torsby"))

    class Forgetful:
        """The tenant's hooks, but "assignment" is no longer declared."""

        def __init__(self, hooks):
            self.hooks = hooks

        def cycle_overview_items(self, **kwargs):
            return self.hooks.cycle_overview_items(**kwargs)

        def register_overview_kinds(self):
            return [
                [kind for kind in found if kind.kind != "assignment"]
                for found in self.hooks.register_overview_kinds()
            ]

    with scoped(db, TenantScope.for_tenant(tenant.id, police.id)):
        hooks = Forgetful(hooks_of(host, db, tenant))
        groups = overview.overview_groups(db, tenant, police, hooks)
    labels = {group.kind: group.label for group in groups}
    assert "assignment" not in labels and labels["other"] == "Other items"


def test_a_partner_of_several_municipalities_sees_whose_items_they_are(seeded, db):
    host = seeded
    police = db.scalar(select(User).where(User.email == POLICE))
    tenant = db.scalar(select(Tenant).where(Tenant.slug == "polisen-lpo-torsby"))
    with scoped(db, TenantScope.for_tenant(tenant.id, police.id)):
        groups = overview.overview_groups(db, tenant, police, hooks_of(host, db, tenant))
    items = [item for group in groups for item in group.items]
    statistics = sorted(item["organisation"] for item in items if item["title"] == STATISTICS)
    assert statistics == ["Hagfors kommun", "Munkfors kommun", "Sunne kommun"]
    assert overview.names_organisations(groups, tenant)
    labels = {group.kind: group.label for group in groups}
    assert labels["assignment"] == "Assignments" and labels["round_invitation"]

    sunne = db.scalar(select(Tenant).where(Tenant.slug == "sunne"))
    keeper = db.scalar(select(User).where(User.email == "admin@sunne.test"))
    with scoped(db, TenantScope.for_tenant(sunne.id, keeper.id)):
        own = overview.overview_groups(db, sunne, keeper, hooks_of(host, db, sunne))
    assert own and {i["organisation"] for g in own for i in g.items} == {"Sunne kommun"}
    assert not overview.names_organisations(own, sunne)  # works alone here: as before


def test_an_organisation_working_alone_sees_no_names(ctx, db, world, acting):
    """A tenant whose items are all its own: every item is the tenant's, and the page names
    no organisation (it looks as it did)."""
    from samverka.workflows.agreements import services as agreements

    with acting(world.a, world.admin_a):
        agreements.create_agreement(
            db,
            title="Samverkansöverenskommelse",
            data={"valid_from": "2024-01-01", "valid_to": agreements.today().isoformat()},
            parties=[{"name": "Polisen"}],
            user=world.admin_a,
        )
        db.commit()
        hooks = ctx.extensions["samverka"].host.hooks_for(set())
        groups = overview.overview_groups(db, world.a, world.admin_a, hooks)
    assert groups and {i["organisation"] for g in groups for i in g.items} == {"Sunne kommun"}
    assert not overview.names_organisations(groups, world.a)


def test_the_page_names_organisations_only_for_a_partner_of_several(
    app, db, registry, client, login
):
    """The overview page: the police's rows each name their municipality in an
    "Organisation" column, and no heading is a raw kind; Mellerud, whose items are all its
    own, has no such column. (The demo is seeded in a context of its own: requests made
    while a test's context is pushed would share its ``g``.)"""
    with app.test_request_context():
        demo.seed(db, registry)
        db.commit()
    police = db.scalar(select(User).where(User.email == POLICE))
    keeper = db.scalar(select(User).where(User.email == "samordnare@mellerud.test"))
    db.close()
    alone = app.test_client()
    alone.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(alone, keeper, DEMO_PASSWORD)
    own = alone.get("/t/mellerud-kommun/overview/").get_data(as_text=True)
    assert "Citizen pledge follow-ups due" in own and "data-organisation" not in own
    assert ">Organisation</th>" not in own

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, police, DEMO_PASSWORD)
    page = client.get("/t/polisen-lpo-torsby/overview/").get_data(as_text=True)
    assert '<th scope="col" class="govuk-table__header">Organisation</th>' in page
    for name in ("Sunne kommun", "Hagfors kommun", "Munkfors kommun"):
        assert f'<td class="govuk-table__cell" data-organisation>{name}</td>' in page
    assert "Assignments (3)" in page and "Reports asked of you" in page
    assert ">assignment" not in page and ">round_invitation" not in page
