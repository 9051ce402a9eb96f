"""The members page keeps an organisation's last administrator (issue 14, finding 8): a
tenant administrator who removes their own last admin role gets 409 and a message, nothing
changes; a platform administrator may confirm the removal deliberately (audited)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from samverka.audit.models import AuditEntry
from samverka.db import TenantScope, scoped
from samverka.tenants.models import Membership
from samverka.testing.fixtures import csrf_token

MESSAGE = "Sunne kommun must keep at least one administrator"


@pytest.fixture
def en(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def admin_roles(db, tenant) -> set[int]:
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        return set(
            db.scalars(
                select(Membership.user_id).where(
                    Membership.tenant_id == tenant.id, Membership.role == "tenant_admin"
                )
            )
        )


def remove(client, user_id: int, **data: str):
    page = client.get("/t/sunne/admin/members").get_data(as_text=True)
    return client.post(
        f"/t/sunne/admin/members/{user_id}/remove",
        data={"csrf_token": csrf_token(page), **data},
    )


@pytest.mark.parametrize("role", [{"role": "tenant_admin"}, {}])
def test_removing_ones_own_last_admin_role_is_refused(en, login, db, tenant_pair, role):
    login(en, tenant_pair.admin_a)
    response = remove(en, tenant_pair.admin_a.id, **role)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert MESSAGE in html
    assert "Remove anyway" not in html  # a tenant administrator cannot override
    assert admin_roles(db, tenant_pair.a) == {tenant_pair.admin_a.id}
    assert en.get("/t/sunne/admin/members").status_code == 200  # still administers
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        denied = db.scalars(select(AuditEntry).where(AuditEntry.action == "member.remove")).all()
    assert [(e.outcome, e.actor_user_id) for e in denied] == [("denied", tenant_pair.admin_a.id)]


def test_a_tenant_administrator_cannot_force_it(en, login, db, tenant_pair):
    login(en, tenant_pair.admin_a)
    forced = remove(en, tenant_pair.admin_a.id, role="tenant_admin", leave_without_admin="1")
    assert forced.status_code == 403
    assert admin_roles(db, tenant_pair.a) == {tenant_pair.admin_a.id}


def test_with_two_administrators_one_may_step_down(en, login, db, registry, tenant_pair):
    from samverka.auth import services as accounts

    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        accounts.add_member(db, registry, tenant_pair.reader_a, tenant_pair.a, "tenant_admin")
    db.commit()
    login(en, tenant_pair.admin_a)
    assert remove(en, tenant_pair.admin_a.id, role="tenant_admin").status_code == 302
    assert admin_roles(db, tenant_pair.a) == {tenant_pair.reader_a.id}


def test_a_platform_administrator_may_confirm_the_removal(en, login, db, tenant_pair):
    login(en, tenant_pair.platform_admin)
    refused = remove(en, tenant_pair.admin_a.id, role="tenant_admin")
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert MESSAGE in html and "Remove anyway" in html
    assert 'name="leave_without_admin" value="1"' in html
    assert admin_roles(db, tenant_pair.a) == {tenant_pair.admin_a.id}
    confirmed = remove(en, tenant_pair.admin_a.id, role="tenant_admin", leave_without_admin="1")
    assert confirmed.status_code == 302
    assert admin_roles(db, tenant_pair.a) == set()
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        done = db.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "member.remove", AuditEntry.outcome == "success"
            )
        ).one()
    assert done.actor_user_id == tenant_pair.platform_admin.id
    assert done.details == {"role": "tenant_admin", "left_without_admin": True}
