"""The tenant menu scales: one short top row (the overview, then a link per group) however
many modules are enabled, and every entry the user may use is two clicks away (a top-row
link, then a link on its group's page). The expected entries are generated from the
registered ``register_nav_items`` hooks, not from a list kept by hand."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from samverka.db import TenantScope, scoped
from samverka.plugins.manifest import NavGroup, NavItem

#: The overview and the three groups.
TOP_ROW_MAX = 1 + len(NavGroup) - 1


class Links(HTMLParser):
    """The links inside the element whose ``class`` holds ``container_class`` (or whose id
    is ``container_id``): ``(href, text, aria-current)``."""

    def __init__(self, *, container_class: str = "", container_id: str = "") -> None:
        super().__init__()
        self.container_class, self.container_id = container_class, container_id
        self.depth = 0  # open elements inside the container (0: outside)
        self.links: list[tuple[str, str, str | None]] = []
        self._link: list | None = None

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if self.depth:
            self.depth += 1
            if tag == "a":
                self._link = [found.get("href"), "", found.get("aria-current")]
        elif (self.container_class and self.container_class in (found.get("class") or "")) or (
            self.container_id and found.get("id") == self.container_id
        ):
            self.depth = 1

    def handle_endtag(self, tag):
        if not self.depth:
            return
        self.depth -= 1
        if tag == "a" and self._link is not None:
            self.links.append((self._link[0], " ".join(self._link[1].split()), self._link[2]))
            self._link = None

    def handle_data(self, data):
        if self._link is not None:
            self._link[1] += data


def top_row(html: str) -> list[tuple[str, str, str | None]]:
    parser = Links(container_class="govuk-service-navigation__list")
    parser.feed(html)
    return parser.links


def group_links(html: str, group: str) -> list[tuple[str, str, str | None]]:
    parser = Links(container_id=f"nav-group-{group}")
    parser.feed(html)
    return parser.links


@pytest.fixture
def en(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def every_module(app, tenant_pair, with_plugins):
    """Sunne has enabled every installed module."""
    host = app.extensions["samverka"].host
    with_plugins(tenant_pair.a, *host.installed)
    return host.installed


@pytest.fixture
def coordinator(db, registry, tenant_pair):
    from samverka.auth import services as accounts

    user = accounts.create_user(db, "samordnare@sunne.test", "Samordnare", tenant_pair.password)
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        accounts.add_member(db, registry, user, tenant_pair.a, "coordinator")
    db.commit()
    return user


def expected_entries(app, db, tenant, user) -> dict[str, str]:
    """href → label of every entry the registered hooks offer ``user`` in ``tenant`` (the
    enabled plugins' and the core's) that the user may use, asked of the hooks directly."""
    from flask import g, url_for

    from samverka.auth.authorization import Principal, authorize
    from samverka.plugins.services import enabled_plugins

    runtime = app.extensions["samverka"]
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(tenant.id, user.id)):
        g.tenant = tenant
        enabled = enabled_plugins(db, runtime.host, tenant)
        hooks = runtime.host.hooks_for(enabled)
        entries = {}
        for found in hooks.register_nav_items(tenant=tenant, user=user):
            for item in found:
                allowed = authorize(
                    db,
                    runtime.registry,
                    Principal.of(user),
                    item.action,
                    tenant=tenant,
                    enabled_plugins=enabled,
                )
                if allowed:
                    entries[url_for(item.endpoint, tenant_slug=tenant.slug)] = str(item.label)
        return entries


def reachable_in_two_clicks(client, start: str) -> dict[str, int]:
    """href → clicks needed from ``start``: the top row's links (1), then the links on each
    group page the top row leads to (2); each page is fetched as a user would."""
    page = client.get(start, follow_redirects=True)
    assert page.status_code == 200
    reached: dict[str, int] = {}
    for href, _text, _current in top_row(page.get_data(as_text=True)):
        reached.setdefault(href, 1)
        if "/menu/" not in href:
            continue
        group_page = client.get(href)
        assert group_page.status_code == 200, href
        group = href.rstrip("/").rsplit("/", 1)[1]
        for inner, _label, _c in group_links(group_page.get_data(as_text=True), group):
            reached.setdefault(inner, 2)
    return reached


@pytest.mark.parametrize("who", ["coordinator", "admin_a", "reader_a"])
def test_every_entry_is_two_clicks_from_every_page_and_the_row_is_short(
    app, db, en, login, tenant_pair, coordinator, every_module, who
):
    user = coordinator if who == "coordinator" else getattr(tenant_pair, who)
    expected = expected_entries(app, db, tenant_pair.a, user)
    assert len(expected) >= 3, expected  # the parametrisation means something
    db.close()
    login(en, user)

    home = en.get("/t/sunne/").get_data(as_text=True)
    row = top_row(home)
    assert len(row) <= TOP_ROW_MAX, row  # one short row, whatever is enabled
    assert row[0][1] == "Overview"
    shown = [text for _h, text, _c in row[1:]]
    assert shown == [label for label in ("Work", "Modules", "Administration") if label in shown]
    # From the start page and from any entry's own page, everything is two clicks away.
    for start in ["/t/sunne/", *expected]:
        reached = reachable_in_two_clicks(en, start)
        missing = {href: label for href, label in expected.items() if href not in reached}
        assert not missing, f"from {start}, not reachable in two clicks: {missing}"
    for href in expected:  # and each entry's page opens for this user
        assert en.get(href, follow_redirects=True).status_code == 200, href


def test_a_coordinator_with_every_module_sees_one_short_row(
    app, db, en, login, coordinator, every_module
):
    """The row the brief asks for: the overview and the three groups; the modules' pages
    are under "Modules" (a plugin's default group)."""
    db.close()
    login(en, coordinator)
    row = top_row(en.get("/t/sunne/").get_data(as_text=True))
    assert [text for _h, text, _c in row] == ["Overview", "Work", "Modules", "Administration"]
    modules = en.get("/t/sunne/menu/modules").get_data(as_text=True)
    labels = [text for _h, text, _c in group_links(modules, "modules")]
    assert "Indikatorer" in labels, labels  # the indicators plugin states no group


def test_the_current_page_and_its_group_are_marked(en, login, tenant_pair, db):
    db.close()
    login(en, tenant_pair.admin_a)

    def current(path: str) -> dict[str, str | None]:
        page = en.get(path)
        assert page.status_code == 200, path
        return {text: mark for _h, text, mark in top_row(page.get_data(as_text=True))}

    assert current("/t/sunne/") == {"Overview": "page", "Work": None, "Administration": None}
    assert current("/t/sunne/menu/work")["Work"] == "page"
    assert current("/t/sunne/rounds/") == {
        "Overview": None,
        "Work": "true",  # a page of the group, not the group's page
        "Administration": None,
    }
    assert current("/t/sunne/admin/members")["Administration"] == "true"
    assert current("/t/sunne/overview/")["Overview"] == "true"  # belongs with the start page


def test_a_group_page_lists_its_entries_only(en, login, tenant_pair, db):
    db.close()
    login(en, tenant_pair.admin_a)
    work = en.get("/t/sunne/menu/work").get_data(as_text=True)
    labels = [text for _h, text, _c in group_links(work, "work")]
    assert labels[:2] == ["Records", "Reporting rounds"]
    assert "Members" not in labels and "Overview" not in labels
    assert "<h1" in work and ">Work</h1>" in work


def test_unknown_and_empty_groups_answer_404(en, login, tenant_pair, db):
    db.close()
    login(en, tenant_pair.admin_a)
    assert en.get("/t/sunne/menu/nonsense").status_code == 404
    assert en.get("/t/sunne/menu/home").status_code == 404  # the overview is no group
    assert en.get("/t/sunne/menu/modules").status_code == 404  # no module enabled
    en.post("/logout")


def test_a_group_page_needs_a_role_in_the_tenant(en, login, tenant_pair, db):
    db.close()
    login(en, tenant_pair.reader_b)
    assert en.get("/t/sunne/menu/work").status_code == 404  # as for every tenant page


def test_a_nav_item_names_a_known_group():
    assert NavItem("x", "a.b", "tenant:x:view").group is NavGroup.MODULES
    assert NavItem("x", "a.b", "tenant:x:view", group="admin").group is NavGroup.ADMIN
    with pytest.raises(ValueError, match="'extras' is not one of home, work, modules, admin"):
        NavItem("x", "a.b", "tenant:x:view", group="extras")
