"""Who a tenant may find (issue 14, finding 5): people of its own organisation and of the
organisations of its consortia — not another consortium's staff, not a platform
administrator — and an account out of reach is answered exactly like an unknown address
(same value, same statements; on pages and in the API the same status and body, no name).

The world: Sunne and Torsby in SuToHaMu; Arvika in another consortium; Hagfors in none; a
platform administrator with no organisation.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from samverka.auth import services as accounts
from samverka.auth.directory import reachable_tenant_ids, reachable_user
from samverka.db import SCOPE_FREE, TenantScope, scoped
from samverka.errors import ValidationError
from samverka.testing.fixtures import form_post
from samverka.workflows.councils import services as councils

UNKNOWN = "nobody@nowhere.test"


@pytest.fixture
def arvika(db, registry, world):
    """Arvika kommun in Värmland väst, with its administrator (out of Sunne's reach)."""
    from samverka.tenancy import services as tenancy

    vmk = tenancy.create_consortium(db, "varmland-vast", "Värmland väst")
    tenant = tenancy.create_tenant(
        db, "arvika", "Arvika kommun", "municipality", "1784", 26000, [vmk]
    )
    person = accounts.create_user(db, "admin@arvika.test", "Arvid Arvika")
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        accounts.add_member(db, registry, person, tenant, "tenant_admin")
    db.commit()
    return person


@pytest.fixture
def steering(app, db, world, acting):
    """SuToHaMu's steering group, owned by Sunne (no request context stays pushed: the
    page tests log in with the test client)."""
    with app.test_request_context(), acting(world.a, world.admin_a):
        body = councils.create_council(
            db, name="Styrgrupp", kind="steering_group", consortium="sutohamu", user=world.admin_a
        )
        db.commit()
    return body.id


def out_of_reach(world, arvika) -> list[str]:
    """References that name real accounts Sunne must not find."""
    root = world.platform_admin
    return [
        arvika.email,
        str(arvika.id),
        world.admin_c.email,  # Hagfors: in no consortium
        root.email,
        str(root.id),
    ]


# --- the service ------------------------------------------------------------------------


def test_the_administrators_of_the_tenants_consortia_are_found_others_not(
    ctx, db, world, arvika, acting
):
    """Sunne works with SuToHaMu's administrators (they may be given a role there); the
    administrator of a consortium Sunne is not in stays out of reach."""
    from samverka.tenancy import services as tenancy

    vmk = tenancy.get_consortium(db, "varmland-vast")
    outsider = accounts.create_user(db, "kons@vmk.test", "Kons VMK")
    accounts.add_consortium_admin(db, outsider, vmk)
    db.commit()
    with acting(world.a, world.admin_a):
        assert reachable_user(db, world.a, world.consortium_admin.email) == world.consortium_admin
        assert reachable_user(db, world.a, outsider.email) is None
        assert reachable_user(db, world.a, str(outsider.id)) is None


def test_reachable_tenants_are_the_tenant_and_its_consortium_partners(db, world, arvika):
    assert reachable_tenant_ids(db, world.a) == tuple(sorted((world.a.id, world.b.id)))
    assert reachable_tenant_ids(db, world.c) == (world.c.id,)


def test_only_people_of_the_tenant_and_its_partners_are_found(ctx, db, world, arvika, acting):
    with acting(world.a, world.admin_a):
        assert reachable_user(db, world.a, "ADMIN@sunne.test") == world.admin_a
        assert reachable_user(db, world.a, world.reader_b.email) == world.reader_b
        assert reachable_user(db, world.a, str(world.admin_b.id)) == world.admin_b
        assert reachable_user(db, world.a, world.admin_b.id) == world.admin_b
        for ref in [*out_of_reach(world, arvika), UNKNOWN, "", "not an address", "9" * 30, 0]:
            assert reachable_user(db, world.a, ref) is None, ref
    with acting(world.c, world.admin_c):  # Hagfors reaches its own people only
        assert reachable_user(db, world.c, world.admin_c.email) == world.admin_c
        assert reachable_user(db, world.c, world.admin_a.email) is None


def test_the_lookup_leaves_the_sessions_scope_and_loaded_rows_alone(
    ctx, db, world, steering, acting
):
    """The widened read is one statement: the council loaded before stays attached, and
    the next query sees Sunne's scope again (on PostgreSQL: Torsby's rows stay hidden)."""
    from samverka.tenants.models import Membership

    with acting(world.a, world.admin_a):
        body = councils.get_council(db, steering, user=world.admin_a, viewer=world.a)
        assert reachable_user(db, world.a, world.admin_b.email) == world.admin_b
        assert body in db
        if db.get_bind().dialect.name == "postgresql":  # the database's own setting is back
            free = select(Membership.tenant_id).execution_options(**SCOPE_FREE)
            assert set(db.scalars(free)) == {world.a.id}
        assert set(db.scalars(select(Membership.tenant_id))) == {world.a.id}


def test_unknown_and_out_of_reach_cost_the_same_statements(db, world, arvika, app):
    engine = app.extensions["samverka"].engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(re.sub(r"\d+", "N", statement))

    with scoped(db, TenantScope.for_tenant(world.a.id, world.admin_a.id)):
        db.scalar(select(1))  # the transaction and its scope exist already
        shapes = []
        for ref in [UNKNOWN, arvika.email, world.platform_admin.email, world.admin_b.email]:
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            try:
                reachable_user(db, world.a, ref)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            shapes.append(list(statements))
    assert shapes[0] == shapes[1] == shapes[2] == shapes[3]


# --- councils: members and assignments ----------------------------------------------------


def test_a_council_member_out_of_reach_is_no_such_user(ctx, db, world, arvika, steering, acting):
    with acting(world.a, world.admin_a):
        body = councils.get_council(db, steering, user=world.admin_a, viewer=world.a)
        for ref in [*out_of_reach(world, arvika), UNKNOWN]:
            with pytest.raises(ValidationError) as refused:
                councils.add_member(db, body, tenant=world.b, member_user=ref, user=world.admin_a)
            assert (str(refused.value), refused.value.field) == ("No such user.", "member_user")
            with pytest.raises(ValidationError) as refused:
                councils.add_assignment(
                    db, body, title="Statistik", owner_tenant=world.b, owner_user=ref,
                    user=world.admin_a,
                )  # fmt: skip
            assert (str(refused.value), refused.value.field) == ("No such user.", "owner_user")
            db.rollback()
            body = councils.get_council(db, steering, user=world.admin_a, viewer=world.a)
        member = councils.add_member(
            db, body, tenant=world.b, member_user=world.admin_b.email, user=world.admin_a
        )
        assert member.user_id == world.admin_b.id and member.person_name == "Admin B"


def council_page_error(client, url: str, ref: str) -> tuple[int, str]:
    """Status and page of a refused member form, with the typed reference and the
    per-request token taken out (what remains must not depend on who was named)."""
    response = form_post(client, url, {"tenant": "torsby", "member_user": ref})
    html = response.get_data(as_text=True).replace(f'value="{ref}"', 'value="REF"')
    return response.status_code, without_tokens(html)


def without_tokens(html: str) -> str:
    """The page less what changes with every response (CSRF token, CSP nonce)."""
    return re.sub(r'(nonce|value)="[A-Za-z0-9_.#-]{20,}"', r'\1=""', html)


def test_the_council_member_page_answers_out_of_reach_as_unknown(
    client, login, world, arvika, steering
):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, world.admin_a)
    url = f"/t/sunne/councils/{steering}/members/new"
    status, unknown = council_page_error(client, url, UNKNOWN)
    assert status == 422 and "No such user." in unknown
    for ref in out_of_reach(world, arvika):
        assert council_page_error(client, url, ref) == (422, unknown), ref
    for name in ("Arvid Arvika", "Root", "Admin C"):
        assert name not in unknown
    added = form_post(client, url, {"tenant": "torsby", "member_user": world.admin_b.email})
    assert added.status_code == 302
    assert "Admin B" in client.get(f"/t/sunne/councils/{steering}").get_data(as_text=True)


def test_the_assignment_api_answers_out_of_reach_as_unknown(client, db, world, arvika, steering):
    from samverka.auth import tokens

    with scoped(db, TenantScope.for_tenant(world.a.id)):
        raw = tokens.issue_token(db, world.admin_a, world.a, name="t").raw
    db.commit()
    url = f"/api/v1/tenants/sunne/councils/{steering}/assignments"

    def assign(ref: str):
        return client.post(
            url,
            json={"title": "Statistik", "owner_tenant": "torsby", "owner_user": ref},
            headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"},
        )

    unknown = assign(UNKNOWN)
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"] == {"owner_user": ["No such user."]}
    for ref in out_of_reach(world, arvika):
        response = assign(ref)
        assert (response.status_code, response.get_json()) == (422, unknown.get_json()), ref
    assert assign(world.admin_b.email).status_code == 201


# --- the tenant's own members page ---------------------------------------------------------


def test_the_members_page_treats_an_account_out_of_reach_as_not_found(
    client, login, db, world, arvika
):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, world.admin_a)
    url = "/t/sunne/admin/members"

    def add(email: str, name: str = "") -> tuple[int, str]:
        response = form_post(client, url, {"email": email, "name": name, "role": "reader"})
        html = response.get_data(as_text=True).replace(f'value="{email}"', 'value="EMAIL"')
        return response.status_code, without_tokens(html)

    status, unknown = add(UNKNOWN)
    assert status == 422 and "there is no user with that e-mail yet" in unknown
    for email in (arvika.email, world.admin_c.email, world.platform_admin.email):
        assert add(email) == (422, unknown), email
    taken = add(arvika.email, "Någon")
    assert taken[0] == 422 and "cannot be added here" in taken[1]
    assert "Arvid Arvika" not in taken[1]
    listing = client.get(url).get_data(as_text=True)
    assert "arvika.test" not in listing and "samverka.test" not in listing
    assert add(world.admin_b.email)[0] == 302  # a consortium partner's person: added
    assert add("ny@sunne.test", "Ny Person")[0] == 302  # a new person: created, as before


def test_a_platform_administrator_adds_any_account(client, login, db, world, arvika):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, world.platform_admin)
    response = form_post(
        client, "/t/sunne/admin/members", {"email": arvika.email, "name": "", "role": "reader"}
    )
    assert response.status_code == 302
    assert "admin@arvika.test" in client.get("/t/sunne/admin/members").get_data(as_text=True)
