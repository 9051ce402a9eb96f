"""Members through the API (issue 14): the token's user cannot take the tenant's last
administrator role (finding 8: it answered 204, and the organisation was left without one);
adding a member by e-mail finds only people of the organisations the tenant works with, and
answers an account elsewhere exactly as an unknown address (finding 5)."""

from __future__ import annotations

import pytest
from apikit import bearer

from samverka.auth import services as accounts
from samverka.tenancy import services as tenancy

PROBLEM = "application/problem+json"
MEMBERS = "/api/v1/tenants/sunne/members"


@pytest.fixture
def elsewhere(db, registry, tenant_pair):
    """Arvika, in another consortium, with its administrator."""
    vmk = tenancy.create_consortium(db, "varmland-vast", "Värmland väst")
    arvika = tenancy.create_tenant(
        db, "arvika", "Arvika kommun", "municipality", "1784", 26000, [vmk]
    )
    person = accounts.create_user(db, "admin@arvika.test", "Arvid Arvika")
    from samverka.db import TenantScope, scoped

    with scoped(db, TenantScope.for_tenant(arvika.id)):
        accounts.add_member(db, registry, person, arvika, "tenant_admin")
    db.commit()
    return person


def test_deleting_ones_own_last_admin_role_is_409_and_changes_nothing(
    client, tenant_pair, token_a, snapshot
):
    before = snapshot()
    response = client.delete(
        f"{MEMBERS}/{tenant_pair.admin_a.id}/roles/tenant_admin",
        headers={**bearer(token_a), "Accept-Language": "en"},
    )
    assert response.status_code == 409 and response.content_type == PROBLEM
    problem = response.get_json()
    assert problem["type"] == "https://samverka.se/problems/conflict"
    assert "must keep at least one administrator" in problem["detail"]
    assert snapshot() == before
    assert client.get(MEMBERS, headers=bearer(token_a)).status_code == 200  # the token lives


def test_with_a_second_administrator_the_role_is_removed(
    client, db, registry, tenant_pair, token_a
):
    from samverka.db import TenantScope, scoped

    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        accounts.add_member(db, registry, tenant_pair.reader_a, tenant_pair.a, "tenant_admin")
    db.commit()
    url = f"{MEMBERS}/{tenant_pair.reader_a.id}/roles/tenant_admin"
    assert client.delete(url, headers=bearer(token_a)).status_code == 204
    assert client.delete(url, headers=bearer(token_a)).status_code == 404


@pytest.mark.parametrize("who", ["elsewhere", "platform_admin"])
def test_an_account_out_of_reach_is_answered_as_an_unknown_address(
    client, tenant_pair, token_a, snapshot, elsewhere, who
):
    address = elsewhere.email if who == "elsewhere" else tenant_pair.platform_admin.email
    name = elsewhere.name if who == "elsewhere" else tenant_pair.platform_admin.name
    before = snapshot()

    def add(email: str):
        return client.post(
            MEMBERS, json={"email": email, "role": "reader"}, headers=bearer(token_a)
        )

    unknown, out_of_reach = add("nobody@nowhere.test"), add(address)
    assert out_of_reach.status_code == unknown.status_code == 422
    assert out_of_reach.get_json() == unknown.get_json()
    assert name not in out_of_reach.get_data(as_text=True)
    assert snapshot() == before


def test_a_name_does_not_link_an_account_out_of_reach(
    client, tenant_pair, token_a, snapshot, elsewhere
):
    before = snapshot()
    response = client.post(
        MEMBERS,
        json={"email": elsewhere.email, "name": "Någon", "role": "reader"},
        headers=bearer(token_a),
    )
    assert response.status_code == 422 and response.content_type == PROBLEM
    assert elsewhere.name not in response.get_data(as_text=True)
    assert snapshot() == before


def test_people_of_the_consortium_and_new_people_are_added(client, tenant_pair, token_a):
    partner = client.post(
        MEMBERS,
        json={"email": "ADMIN@torsby.test", "role": "reader"},
        headers=bearer(token_a),
    )
    assert partner.status_code == 201
    assert partner.get_json()["user_id"] == tenant_pair.admin_b.id
    new = client.post(
        MEMBERS,
        json={"email": "ny@sunne.test", "name": "Ny Person", "role": "reader"},
        headers=bearer(token_a),
    )
    assert new.status_code == 201 and new.get_json()["name"] == "Ny Person"
