"""A consortium administrator's reach ends with the membership (issue 14, item 3).

Roles a consortium's administrator grants in a member organisation, acting through the
consortium's power, are recorded as such and revoked when the organisation leaves (or is
removed from) the consortium; the organisation's own administrators may adopt them. A
consortium administrator may not grant themselves a role that way, and an organisation's
single sign-on is its own.
"""

from __future__ import annotations

from sqlalchemy import select

from samverka.audit.models import AuditEntry
from samverka.auth.sso import services as sso
from samverka.db import TenantScope, scoped
from samverka.tenants.models import Membership
from samverka.testing.fixtures import csrf_token

MEMBERS = "/t/torsby/admin/members"
CONSORTIA = "/t/torsby/admin/consortia/"
EN = {"Accept-Language": "en"}


def post(client, url: str, data: dict | None = None, page: str = MEMBERS):
    """A CSRF-valid POST: the token comes from a page the user may see."""
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token}, headers=EN)


def grant(client, user, role: str):
    return post(client, MEMBERS, {"email": user.email, "role": role})


def rows(db, tenant_id: int, user_id: int) -> dict[str, int | None]:
    """The user's roles in the tenant → the consortium each came through."""
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant_id)):
        found = db.execute(
            select(Membership.role, Membership.via_consortium_id).where(
                Membership.tenant_id == tenant_id, Membership.user_id == user_id
            )
        )
        return dict(found.all())


def events(db, tenant_id: int, action: str) -> list[AuditEntry]:
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant_id)):
        return list(
            db.scalars(
                select(AuditEntry)
                .where(AuditEntry.tenant_id == tenant_id, AuditEntry.action == action)
                .order_by(AuditEntry.seq)
            )
        )


def leave_torsby(client, login, admin):
    login(client, admin)
    return post(client, f"{CONSORTIA}sutohamu/leave", page=CONSORTIA)


def test_a_role_granted_through_the_consortium_ends_when_the_organisation_leaves(
    client, login, db, tenant_pair
):
    """The hole: SuToHaMu's administrator gives Sunne's reader a role in Torsby; after
    Torsby leaves, the role must be gone, for a session already logged in too."""
    pair = tenant_pair
    login(client, pair.consortium_admin)
    assert grant(client, pair.reader_a, "coordinator").status_code == 302
    granted = client.application.test_client()
    login(granted, pair.reader_a)
    assert granted.get("/t/torsby/").status_code == 200
    assert granted.get("/t/torsby/admin/members").status_code == 200  # a coordinator's page

    assert leave_torsby(client.application.test_client(), login, pair.admin_b).status_code == 302
    assert granted.get("/t/torsby/").status_code == 404  # the very next request
    assert granted.get("/t/sunne/").status_code == 200  # their own organisation is untouched
    assert rows(db, pair.b.id, pair.reader_a.id) == {}
    [added] = events(db, pair.b.id, "member.add")[-1:]
    assert added.details == {"role": "coordinator", "via_consortium": "sutohamu"}
    [revoked] = events(db, pair.b.id, "member.revoke")
    assert revoked.target_id == str(pair.reader_a.id)
    assert revoked.actor_user_id == pair.admin_b.id
    assert revoked.details == {
        "role": "coordinator",
        "consortium": "sutohamu",
        "because": "consortium.tenant_leave",
    }


def test_the_consortia_page_counts_the_grants_that_leaving_revokes(client, login, db, tenant_pair):
    pair = tenant_pair
    login(client, pair.consortium_admin)
    grant(client, pair.reader_a, "coordinator")
    grant(client, pair.admin_a, "reader")
    assert rows(db, pair.b.id, pair.reader_a.id) == {"coordinator": pair.consortium.id}
    torsby = client.application.test_client()
    login(torsby, pair.admin_b)
    page = torsby.get(CONSORTIA, headers=EN).get_data(as_text=True)
    assert 'data-granted="2"' in page.split('id="memberships"')[1]
    assert "Leaving it revokes them" in page
    left = post(torsby, f"{CONSORTIA}sutohamu/leave", page=CONSORTIA)
    followed = torsby.get(left.location, headers=EN).get_data(as_text=True)
    assert "Roles granted through SuToHaMu were revoked: 2." in followed


def test_removal_by_the_consortium_revokes_its_grants_too(client, login, db, tenant_pair):
    """The consortium's page acts with no tenant in its scope: the revocation must still
    reach the organisation's memberships (PostgreSQL's policies included)."""
    pair = tenant_pair
    login(client, pair.consortium_admin)
    assert grant(client, pair.reader_a, "tenant_admin").status_code == 302
    removed = post(client, "/consortia/sutohamu/members/torsby/remove", page="/consortia/sutohamu/")
    assert removed.status_code == 302
    granted = client.application.test_client()
    login(granted, pair.reader_a)
    assert granted.get("/t/torsby/admin/audit/").status_code == 404
    assert rows(db, pair.b.id, pair.reader_a.id) == {}
    [revoked] = events(db, pair.b.id, "member.revoke")
    assert revoked.details["because"] == "consortium.tenant_remove"


def test_a_consortium_administrator_cannot_grant_themselves_a_role(client, login, db, tenant_pair):
    pair = tenant_pair
    login(client, pair.consortium_admin)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    for role in ("tenant_admin", "reader"):
        refused = grant(client, pair.consortium_admin, role)
        assert refused.status_code == 422
        html = refused.get_data(as_text=True)
        assert "govuk-error-summary" in html
        assert "cannot give yourself a role" in html
    assert rows(db, pair.b.id, pair.consortium_admin.id) == {}
    assert client.get("/t/torsby/admin/audit/").status_code == 403  # still no more reach


def test_an_adopted_role_survives_leaving(client, login, db, tenant_pair):
    pair = tenant_pair
    login(client, pair.consortium_admin)
    grant(client, pair.reader_a, "coordinator")
    grant(client, pair.admin_a, "reader")
    adopt = f"/t/torsby/admin/members/{pair.reader_a.id}/adopt"
    # the consortium's power cannot make its own grants permanent
    assert post(client, adopt, {"role": "coordinator"}).status_code == 403
    assert 'data-via-consortium="sutohamu"' in client.get(MEMBERS).get_data(as_text=True)
    assert "Make it our own" not in client.get(MEMBERS, headers=EN).get_data(as_text=True)

    torsby = client.application.test_client()
    login(torsby, pair.admin_b)
    assert "Make it our own" in torsby.get(MEMBERS, headers=EN).get_data(as_text=True)
    assert post(torsby, adopt, {"role": "coordinator"}).status_code == 302
    assert post(torsby, adopt, {"role": "coordinator"}).status_code == 404  # already own
    assert post(torsby, adopt, {"role": "reader"}).status_code == 404  # holds no such role
    assert rows(db, pair.b.id, pair.reader_a.id) == {"coordinator": None}
    [adopted] = events(db, pair.b.id, "member.adopt")
    assert adopted.target_id == str(pair.reader_a.id)
    assert adopted.actor_user_id == pair.admin_b.id
    assert adopted.details == {"role": "coordinator", "consortium": "sutohamu"}

    assert leave_torsby(torsby, login, pair.admin_b).status_code == 302
    assert rows(db, pair.b.id, pair.reader_a.id) == {"coordinator": None}
    assert rows(db, pair.b.id, pair.admin_a.id) == {}  # the one not adopted is gone
    granted = client.application.test_client()
    login(granted, pair.reader_a)
    assert granted.get("/t/torsby/").status_code == 200


def test_the_organisations_own_grants_are_untouched(client, login, db, registry, tenant_pair):
    """Roles the tenant administrator (or a platform administrator) grants are the
    organisation's own, as are those of a consortium administrator who also holds the
    organisation's administrator role in their own right."""
    from samverka.auth import services as accounts

    pair = tenant_pair
    with scoped(db, TenantScope.for_tenant(pair.b.id)):
        accounts.add_member(db, registry, pair.consortium_admin, pair.b, "tenant_admin")
    db.commit()
    login(client, pair.admin_b)
    assert grant(client, pair.reader_a, "reader").status_code == 302
    platform = client.application.test_client()
    login(platform, pair.platform_admin)
    assert grant(platform, pair.admin_a, "reader").status_code == 302
    both = client.application.test_client()
    login(both, pair.consortium_admin)
    assert grant(both, pair.consortium_admin, "coordinator").status_code == 302

    assert leave_torsby(client, login, pair.admin_b).status_code == 302
    assert rows(db, pair.b.id, pair.reader_a.id) == {"reader": None}
    assert rows(db, pair.b.id, pair.admin_a.id) == {"reader": None}
    assert rows(db, pair.b.id, pair.consortium_admin.id) == {
        "tenant_admin": None,
        "coordinator": None,
    }
    assert rows(db, pair.b.id, pair.reader_b.id) == {"reader": None}
    assert events(db, pair.b.id, "member.revoke") == []


def test_a_role_granted_through_the_consortium_cannot_launder_grants(
    client, login, db, tenant_pair
):
    """Someone made Torsby's administrator through the consortium acts with the
    consortium's power too: their grants end with it, and they cannot adopt them."""
    pair = tenant_pair
    login(client, pair.consortium_admin)
    grant(client, pair.admin_a, "tenant_admin")
    deputy = client.application.test_client()
    login(deputy, pair.admin_a)
    assert grant(deputy, pair.reader_a, "contributor").status_code == 302
    assert grant(deputy, pair.admin_a, "coordinator").status_code == 422  # nor to themselves
    assert leave_torsby(client, login, pair.admin_b).status_code == 302
    granted = client.application.test_client()
    login(granted, pair.reader_a)
    assert granted.get("/t/torsby/").status_code == 404
    assert rows(db, pair.b.id, pair.reader_a.id) == {}
    assert rows(db, pair.b.id, pair.admin_a.id) == {}


def test_a_deputy_made_through_the_consortium_cannot_adopt(client, login, db, tenant_pair):
    pair = tenant_pair
    login(client, pair.consortium_admin)
    grant(client, pair.admin_a, "tenant_admin")
    deputy = client.application.test_client()
    login(deputy, pair.admin_a)
    grant(deputy, pair.reader_a, "contributor")
    assert rows(db, pair.b.id, pair.reader_a.id) == {"contributor": pair.consortium.id}
    for role, user in (("contributor", pair.reader_a), ("tenant_admin", pair.admin_a)):
        adopt = f"/t/torsby/admin/members/{user.id}/adopt"
        assert post(deputy, adopt, {"role": role}).status_code == 403
    assert rows(db, pair.b.id, pair.admin_a.id) == {"tenant_admin": pair.consortium.id}
    assert events(db, pair.b.id, "member.adopt") == []


def test_an_api_token_loses_a_revoked_role_at_once(client, login, db, tenant_pair):
    from samverka.auth import tokens

    pair = tenant_pair
    login(client, pair.consortium_admin)
    grant(client, pair.reader_a, "coordinator")
    with scoped(db, TenantScope.for_tenant(pair.b.id)):
        raw = tokens.issue_token(db, pair.reader_a, pair.b, name="t").raw
    db.commit()
    api = client.application.test_client()
    bearer = {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}
    assert api.get("/api/v1/tenants/torsby/members", headers=bearer).status_code == 200
    assert leave_torsby(client, login, pair.admin_b).status_code == 302
    assert api.get("/api/v1/tenants/torsby/members", headers=bearer).status_code in (401, 404)


def test_the_api_records_and_refuses_the_same(client, login, db, tenant_pair):
    """Through the API a grant by someone acting with the consortium's power is tracked the
    same way, and a grant to oneself is a 403 problem."""
    from samverka.auth import tokens

    pair = tenant_pair
    login(client, pair.consortium_admin)
    grant(client, pair.admin_a, "tenant_admin")
    with scoped(db, TenantScope.for_tenant(pair.b.id)):
        raw = tokens.issue_token(db, pair.admin_a, pair.b, name="t").raw
    db.commit()
    api = client.application.test_client()
    bearer = {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}
    url = "/api/v1/tenants/torsby/members"
    added = api.post(url, json={"email": pair.reader_a.email, "role": "reader"}, headers=bearer)
    assert added.status_code == 201
    own = api.post(url, json={"email": pair.admin_a.email, "role": "reader"}, headers=bearer)
    assert own.status_code == 403
    assert own.headers["Content-Type"].startswith("application/problem+json")
    assert "cannot give yourself a role" in own.get_json()["detail"]
    assert rows(db, pair.b.id, pair.reader_a.id) == {"reader": pair.consortium.id}
    assert rows(db, pair.b.id, pair.admin_a.id) == {"tenant_admin": pair.consortium.id}


def test_single_sign_on_is_the_organisations_own(client, login, db, registry, tenant_pair):
    """A consortium administrator can no longer see or change a member's login provider
    (nor claim its e-mail domains)."""
    pair = tenant_pair
    login(client, pair.consortium_admin)
    assert client.get(MEMBERS).status_code == 200  # still administers the members
    assert client.get("/t/torsby/admin/sso").status_code == 403
    saved = post(
        client,
        "/t/torsby/admin/sso",
        {
            "issuer": "https://login.example.se",
            "client_id": "grab",
            "client_secret": "s3cret",
            "scopes": "openid email",
            "email_claim": "email",
            "groups_claim": "groups",
            "role_map": "staff=tenant_admin",
            "domains": "torsby.se",
            "enabled": "y",
        },
    )
    assert saved.status_code == 403
    assert post(client, "/t/torsby/admin/sso/remove").status_code == 403
    with scoped(db, TenantScope.for_tenant(pair.b.id)):
        assert sso.current_settings(db, pair.b) is None
    assert "/t/torsby/admin/sso" not in client.get("/t/torsby/").get_data(as_text=True)
    torsby = client.application.test_client()
    login(torsby, pair.admin_b)
    assert torsby.get("/t/torsby/admin/sso").status_code == 200


def test_the_database_ties_such_a_role_to_the_consortium_membership(db, registry, tenant_pair):
    """A grant racing the organisation's leaving cannot outlive it: the membership row must
    name a consortium the tenant belongs to, and goes with that membership."""
    import pytest
    from sqlalchemy import delete
    from sqlalchemy.exc import IntegrityError

    from samverka.auth import services as accounts
    from samverka.tenancy import services as tenancy
    from samverka.tenants.models import consortium_tenants

    pair = tenant_pair
    other = tenancy.create_consortium(db, "other", "Another", "20")
    db.commit()
    with scoped(db, TenantScope.for_tenant(pair.b.id)):
        with pytest.raises(IntegrityError), db.begin_nested():
            accounts.add_member(db, registry, pair.reader_a, pair.b, "reader", via_consortium=other)
        accounts.add_member(
            db, registry, pair.reader_a, pair.b, "reader", via_consortium=pair.consortium
        )
        db.execute(
            delete(consortium_tenants).where(
                consortium_tenants.c.tenant_id == pair.b.id,
                consortium_tenants.c.consortium_id == pair.consortium.id,
            )
        )
    db.commit()
    assert rows(db, pair.b.id, pair.reader_a.id) == {}


def test_an_administrator_made_through_the_consortium_does_not_own_login_or_memberships(
    client, login, db, tenant_pair
):
    """Torsby's login and its consortium memberships are decided on its own authority: a
    tenant administrator role granted through SuToHaMu does not reach them (else the
    consortium could configure Torsby's single sign-on, or accept another consortium's
    invitation for it, through a colleague) until Torsby adopts the role."""
    pair = tenant_pair
    login(client, pair.consortium_admin)
    grant(client, pair.admin_a, "tenant_admin")
    deputy = client.application.test_client()
    login(deputy, pair.admin_a)
    assert deputy.get("/t/torsby/admin/audit/").status_code == 200  # the granted reach
    for page in ("/t/torsby/admin/sso", CONSORTIA):
        assert deputy.get(page).status_code == 403, page
    assert post(deputy, f"{CONSORTIA}sutohamu/leave").status_code == 403
    assert "/t/torsby/admin/sso" not in deputy.get("/t/torsby/").get_data(as_text=True)

    torsby = client.application.test_client()
    login(torsby, pair.admin_b)
    adopt = f"/t/torsby/admin/members/{pair.admin_a.id}/adopt"
    assert post(torsby, adopt, {"role": "tenant_admin"}).status_code == 302
    for page in ("/t/torsby/admin/sso", CONSORTIA):
        assert deputy.get(page).status_code == 200, page
