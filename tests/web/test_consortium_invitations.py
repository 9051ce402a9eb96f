"""Administration bound to consent (issue 14, finding 2): a consortium invites an existing
organisation, and only the organisation (or a platform administrator on its behalf) lets it
in. Until it accepts, and from the moment it leaves, the consortium's administrators have
no role in it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from samverka.audit.models import AuditEntry
from samverka.db import TenantScope, platform_scope, scoped
from samverka.tenants.models import ConsortiumInvitation, InvitationStatus, Tenant
from samverka.testing.fixtures import TEST_PASSWORD, csrf_token

# Gagnef's pages the finding reached (members, single sign-on, audit log, whole-data export)
# and the record list: none may answer a consortium administrator without a membership.
GAGNEF_PAGES = (
    "/t/gagnef/admin/members",
    "/t/gagnef/admin/sso",
    "/t/gagnef/admin/audit/",
    "/t/gagnef/admin/archive/",
    "/t/gagnef/admin/modules",
    "/t/gagnef/records/",
    "/t/gagnef/exports/members.csv",
)


@dataclass
class Gagnef:
    tenant: Any
    admin: Any
    reader: Any
    consortium: Any


@pytest.fixture
def gagnef(db, registry, tenant_pair) -> Gagnef:
    """Gagnef, a member of another consortium (Dalarna), with its own administrator."""
    from samverka.auth import services as accounts
    from samverka.tenancy import services as tenancy

    dalarna = tenancy.create_consortium(db, "dalarna", "Dalarnas kommuner", "20")
    tenant = tenancy.create_tenant(
        db, "gagnef", "Gagnefs kommun", "municipality", "2026", 10000, [dalarna]
    )
    admin = accounts.create_user(db, "admin@gagnef.test", "Admin Gagnef", TEST_PASSWORD)
    reader = accounts.create_user(db, "reader@gagnef.test", "Reader Gagnef", TEST_PASSWORD)
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        accounts.add_member(db, registry, admin, tenant, "tenant_admin")
        accounts.add_member(db, registry, reader, tenant, "reader")
    db.commit()
    return Gagnef(tenant, admin, reader, dalarna)


def post(client, url: str, data: dict | None = None, page: str = "/consortia/sutohamu/"):
    """A CSRF-valid POST: the token comes from a page the user may see."""
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def invite_gagnef(client):
    return post(client, "/consortia/sutohamu/members", {"tenant": "gagnef"})


def is_member(db, tenant_id: int, consortium_slug: str = "sutohamu") -> bool:
    db.expire_all()
    tenant = db.get(Tenant, tenant_id)
    return consortium_slug in {c.slug for c in tenant.consortia}


def invitations(db, tenant_id: int) -> list[ConsortiumInvitation]:
    db.expire_all()
    with scoped(db, platform_scope()):
        return list(
            db.scalars(
                select(ConsortiumInvitation)
                .where(ConsortiumInvitation.tenant_id == tenant_id)
                .order_by(ConsortiumInvitation.id)
            )
        )


def actions(db, tenant_id: int | None) -> list[str]:
    """The audit actions of a chain (the tenant's, or the platform's for None)."""
    db.expire_all()
    with scoped(db, platform_scope((tenant_id,) if tenant_id else ())):
        column = AuditEntry.tenant_id
        query = select(AuditEntry.action).where(
            column.is_(None) if tenant_id is None else column == tenant_id
        )
        return list(db.scalars(query.order_by(AuditEntry.seq)))


def reach(client) -> dict[str, int]:
    return {url: client.get(url).status_code for url in GAGNEF_PAGES}


def accept_as(client, login, user, invitation_id: int, **extra):
    login(client, user)
    page = "/t/gagnef/admin/consortia/"
    return post(
        client, f"/t/gagnef/admin/consortia/invitations/{invitation_id}/accept", extra, page
    )


def test_finding_2_posting_an_outside_tenant_makes_it_no_member(
    client, login, db, tenant_pair, gagnef
):
    """The finding, exactly: SuToHaMu's administrator POSTs Gagnef to the member list."""
    login(client, tenant_pair.consortium_admin)
    assert invite_gagnef(client).status_code == 302
    assert not is_member(db, gagnef.tenant.id)
    assert set(reach(client).values()) == {404}
    # nor can the administrator make themselves Gagnef's administrator
    grab = post(
        client,
        "/t/gagnef/admin/members",
        {"email": tenant_pair.consortium_admin.email, "role": "tenant_admin"},
    )
    assert grab.status_code == 404
    with scoped(db, TenantScope.for_tenant(gagnef.tenant.id)):
        from samverka.auth.services import tenant_members

        assert tenant_pair.consortium_admin.id not in {
            u.id for u, _ in tenant_members(db, gagnef.tenant)
        }
    [invitation] = invitations(db, gagnef.tenant.id)
    assert invitation.status is InvitationStatus.PENDING
    assert invitation.invited_by == tenant_pair.consortium_admin.id


def test_acceptance_grants_reach_and_leaving_ends_it_at_once(
    client, login, db, tenant_pair, gagnef
):
    login(client, tenant_pair.consortium_admin)
    invite_gagnef(client)
    [invitation] = invitations(db, gagnef.tenant.id)
    client.get("/logout")

    assert accept_as(client, login, gagnef.admin, invitation.id).status_code == 302
    assert is_member(db, gagnef.tenant.id)
    assert is_member(db, gagnef.tenant.id, "dalarna")  # still in its own consortium too
    client.get("/logout")

    consortium_admin = client.application.test_client()
    login(consortium_admin, tenant_pair.consortium_admin)
    assert consortium_admin.get("/t/gagnef/admin/members").status_code == 200
    assert "Gagnefs kommun" in consortium_admin.get("/consortia/sutohamu/").get_data(as_text=True)

    login(client, gagnef.admin)
    left = post(
        client, "/t/gagnef/admin/consortia/sutohamu/leave", page="/t/gagnef/admin/consortia/"
    )
    assert left.status_code == 302
    assert not is_member(db, gagnef.tenant.id)
    # the consortium administrator's very next request (same session) finds nothing
    assert set(reach(consortium_admin).values()) == {404}

    for chain in (gagnef.tenant.id, None):
        trail = actions(db, chain)
        for step in (
            "consortium.invitation_create",
            "consortium.invitation_accept",
            "consortium.tenant_add",
            "consortium.tenant_leave",
        ):
            assert step in trail, (chain, step)


def test_declined_invitation_grants_nothing_and_may_be_sent_again(
    client, login, db, tenant_pair, gagnef
):
    login(client, tenant_pair.consortium_admin)
    invite_gagnef(client)
    [invitation] = invitations(db, gagnef.tenant.id)
    client.get("/logout")
    login(client, gagnef.admin)
    page = "/t/gagnef/admin/consortia/"
    listed = client.get(page).get_data(as_text=True).split('id="invitations"')[1]
    assert "SuToHaMu" in listed
    assert tenant_pair.consortium_admin.name in listed  # who would administer Gagnef too
    declined = post(
        client, f"/t/gagnef/admin/consortia/invitations/{invitation.id}/decline", page=page
    )
    assert declined.status_code == 302
    # a declined invitation cannot be accepted afterwards
    late = post(client, f"/t/gagnef/admin/consortia/invitations/{invitation.id}/accept", page=page)
    assert late.status_code == 404
    assert not is_member(db, gagnef.tenant.id)
    client.get("/logout")
    login(client, tenant_pair.consortium_admin)
    assert set(reach(client).values()) == {404}
    assert invite_gagnef(client).status_code == 302  # asking again is allowed
    statuses = [i.status for i in invitations(db, gagnef.tenant.id)]
    assert statuses == [InvitationStatus.DECLINED, InvitationStatus.PENDING]
    assert "consortium.invitation_decline" in actions(db, gagnef.tenant.id)
    assert "consortium.invitation_decline" in actions(db, None)


def test_withdrawn_invitation_cannot_be_accepted(client, login, db, tenant_pair, gagnef):
    login(client, tenant_pair.consortium_admin)
    invite_gagnef(client)
    [invitation] = invitations(db, gagnef.tenant.id)
    page = client.get("/consortia/sutohamu/").get_data(as_text=True)
    assert f'data-invitation="{invitation.id}"' in page
    url = f"/consortia/sutohamu/invitations/{invitation.id}/withdraw"
    assert post(client, url).status_code == 302
    assert post(client, url).status_code == 404  # no longer open
    client.get("/logout")
    assert accept_as(client, login, gagnef.admin, invitation.id).status_code == 404
    assert not is_member(db, gagnef.tenant.id)
    assert [i.status for i in invitations(db, gagnef.tenant.id)] == [InvitationStatus.WITHDRAWN]
    for chain in (gagnef.tenant.id, None):
        assert "consortium.invitation_withdraw" in actions(db, chain)


def test_a_second_invitation_while_one_is_open_is_refused(client, login, db, tenant_pair, gagnef):
    login(client, tenant_pair.consortium_admin)
    assert invite_gagnef(client).status_code == 302
    again = invite_gagnef(client)
    assert again.status_code == 422
    assert "govuk-error-summary" in again.get_data(as_text=True)
    assert len(invitations(db, gagnef.tenant.id)) == 1
    # a member cannot be invited, and an unknown organisation is a form error too
    for slug in ("sunne", "nosuch"):
        refused = post(client, "/consortia/sutohamu/members", {"tenant": slug})
        assert refused.status_code == 422, slug


def test_wrong_actors_cannot_accept(client, login, db, tenant_pair, gagnef):
    """Another tenant's administrator, the inviting consortium's administrator, Dalarna's
    administrator (a consortium admin *in* Gagnef) and Gagnef's reader: none may accept."""
    from samverka.auth import services as accounts

    dalarna_admin = accounts.create_user(db, "kons@dalarna.test", "Dalarna Admin", TEST_PASSWORD)
    accounts.add_consortium_admin(db, dalarna_admin, gagnef.consortium)
    db.commit()
    login(client, tenant_pair.consortium_admin)
    invite_gagnef(client)
    [invitation] = invitations(db, gagnef.tenant.id)
    url = f"/t/gagnef/admin/consortia/invitations/{invitation.id}/accept"
    # SuToHaMu's administrator has no role in Gagnef at all
    assert client.get("/t/gagnef/admin/consortia/").status_code == 404
    assert post(client, url).status_code == 404
    client.get("/logout")

    login(client, tenant_pair.admin_a)  # Sunne's administrator, through Sunne's page
    assert post(client, url, page="/t/sunne/admin/consortia/").status_code == 404
    # nor through Sunne's own URL with Gagnef's invitation id
    wrong = f"/t/sunne/admin/consortia/invitations/{invitation.id}/accept"
    assert post(client, wrong, page="/t/sunne/admin/consortia/").status_code == 404
    client.get("/logout")

    login(client, dalarna_admin)  # a consortium administrator in Gagnef
    assert client.get("/t/gagnef/admin/members").status_code == 200
    assert client.get("/t/gagnef/admin/consortia/").status_code == 403
    assert post(client, url, page="/t/gagnef/admin/members").status_code == 403
    leave = "/t/gagnef/admin/consortia/dalarna/leave"
    assert post(client, leave, page="/t/gagnef/admin/members").status_code == 403
    client.get("/logout")

    login(client, gagnef.reader)
    assert post(client, url, page="/account/password").status_code == 403
    assert not is_member(db, gagnef.tenant.id)
    assert is_member(db, gagnef.tenant.id, "dalarna")
    assert invitations(db, gagnef.tenant.id)[0].status is InvitationStatus.PENDING


def test_platform_admin_accepts_only_deliberately_and_on_the_record(
    client, login, db, tenant_pair, gagnef
):
    login(client, tenant_pair.consortium_admin)
    invite_gagnef(client)
    [invitation] = invitations(db, gagnef.tenant.id)
    invitation_id = invitation.id  # (the row is readable only within a scope that may)
    client.get("/logout")
    unconfirmed = accept_as(client, login, tenant_pair.platform_admin, invitation_id)
    assert unconfirmed.status_code == 422
    assert not is_member(db, gagnef.tenant.id)
    confirmed = post(
        client,
        f"/t/gagnef/admin/consortia/invitations/{invitation_id}/accept",
        {"on_behalf": "yes"},
        "/t/gagnef/admin/consortia/",
    )
    assert confirmed.status_code == 302
    assert is_member(db, gagnef.tenant.id)
    with scoped(db, platform_scope((gagnef.tenant.id,))):
        entries = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "consortium.invitation_accept")
        ).all()
    assert {e.tenant_id for e in entries} == {gagnef.tenant.id, None}
    assert all(e.details["on_behalf"] is True for e in entries)
    assert all(e.actor_user_id == tenant_pair.platform_admin.id for e in entries)
    assert invitations(db, gagnef.tenant.id)[0].decided_by == tenant_pair.platform_admin.id


def test_a_tenant_admin_accepts_without_on_behalf(client, login, db, tenant_pair, gagnef):
    login(client, tenant_pair.consortium_admin)
    invite_gagnef(client)
    [invitation] = invitations(db, gagnef.tenant.id)
    client.get("/logout")
    assert accept_as(client, login, gagnef.admin, invitation.id).status_code == 302
    with scoped(db, TenantScope.for_tenant(gagnef.tenant.id)):
        entry = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "consortium.invitation_accept")
        ).one()
    assert entry.details["on_behalf"] is False
    assert entry.actor_user_id == gagnef.admin.id


def test_removal_by_the_consortium_is_audited_in_both_chains(client, login, db, tenant_pair):
    login(client, tenant_pair.consortium_admin)
    assert post(client, "/consortia/sutohamu/members/torsby/remove").status_code == 302
    assert "consortium.tenant_remove" in actions(db, tenant_pair.b.id)
    assert "consortium.tenant_remove" in actions(db, None)
    assert client.get("/t/torsby/admin/members").status_code == 404


def test_creating_a_new_organisation_joins_it_at_once(client, login, db, tenant_pair):
    """A brand-new organisation has no administrators of its own: nobody to ask."""
    login(client, tenant_pair.consortium_admin)
    created = post(
        client,
        "/consortia/sutohamu/",
        {
            "name": "Hagfors kommun",
            "slug": "hagfors",
            "kind": "municipality",
            "municipality_code": "1783",
        },
    )
    assert created.status_code == 302
    assert client.get("/t/hagfors/admin/members").status_code == 200


def test_tenant_page_lists_consortia_and_nav_links_to_it(client, login, tenant_pair):
    login(client, tenant_pair.admin_a)
    page = client.get("/t/sunne/admin/consortia/", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "SuToHaMu" in html.split('id="memberships"')[1]
    admin_menu = client.get("/t/sunne/menu/admin").get_data(as_text=True)  # Administration
    assert 'href="/t/sunne/admin/consortia/"' in admin_menu


def test_leaving_names_consortium_admins_who_hold_roles_of_their_own(
    client, login, db, tenant_pair, gagnef
):
    """A role Gagnef's own administrator gave a consortium administrator is the
    organisation's own: leaving does not end it, so the page says so (and who). (A
    consortium administrator can no longer give themselves one: test_consortium_grants.)"""
    login(client, tenant_pair.consortium_admin)
    invite_gagnef(client)
    [invitation] = invitations(db, gagnef.tenant.id)
    invitation_id = invitation.id
    client.get("/logout")
    accept_as(client, login, gagnef.admin, invitation_id)
    granted = post(
        client,
        "/t/gagnef/admin/members",
        {"email": tenant_pair.consortium_admin.email, "role": "coordinator"},
        page="/t/gagnef/admin/members",
    )
    assert granted.status_code == 302
    page = "/t/gagnef/admin/consortia/"
    html = client.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "also holds roles here: Coordinator" in html.split('id="memberships"')[1]
    left = client.post(
        "/t/gagnef/admin/consortia/sutohamu/leave",
        data={"csrf_token": csrf_token(html)},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert f"{tenant_pair.consortium_admin.name}, administrators of SuToHaMu" in left.get_data(
        as_text=True
    )
