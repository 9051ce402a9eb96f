"""One function decides, with roles that depend on the context."""

from __future__ import annotations

import pytest

from samverka.auth.authorization import Principal, authorize, roles_for
from samverka.db import TenantScope, set_scope


@pytest.fixture
def decide(app, db):
    registry = app.extensions["samverka"].registry

    def check(user, action, **context) -> bool:
        principal = Principal.of(user) if user else Principal.operator()
        set_scope(db, TenantScope((), principal.user_id))
        return authorize(db, registry, principal, action, **context)

    return check


def test_tenant_roles_come_from_memberships(db, tenant_pair):
    set_scope(db, TenantScope((), tenant_pair.admin_a.id))
    assert roles_for(db, Principal.of(tenant_pair.admin_a), tenant=tenant_pair.a) == {
        "tenant_admin"
    }
    assert roles_for(db, Principal.of(tenant_pair.admin_a), tenant=tenant_pair.b) == set()


def test_member_management(decide, tenant_pair):
    pair = tenant_pair
    assert decide(pair.admin_a, "tenant:members:manage", tenant=pair.a)
    assert not decide(pair.admin_a, "tenant:members:manage", tenant=pair.b)
    assert not decide(pair.reader_a, "tenant:members:manage", tenant=pair.a)
    assert decide(pair.consortium_admin, "tenant:members:manage", tenant=pair.a)
    assert decide(pair.platform_admin, "tenant:members:manage", tenant=pair.b)
    assert decide(None, "tenant:members:manage", tenant=pair.b)


def test_consortium_admins_do_not_read_tenant_content(decide, tenant_pair):
    assert not decide(tenant_pair.consortium_admin, "tenant:dashboard:view", tenant=tenant_pair.a)
    assert not decide(tenant_pair.platform_admin, "tenant:dashboard:view", tenant=tenant_pair.a)
    assert decide(tenant_pair.reader_a, "tenant:dashboard:view", tenant=tenant_pair.a)


def test_consortium_scope(decide, tenant_pair, db):
    from samverka.tenancy.services import create_consortium

    other = create_consortium(db, "gr", "Göteborgsregionen", "14")
    assert decide(
        tenant_pair.consortium_admin, "consortium:plugins:manage", consortium=tenant_pair.consortium
    )
    assert not decide(tenant_pair.consortium_admin, "consortium:plugins:manage", consortium=other)
    assert not decide(
        tenant_pair.consortium_admin, "consortium:admins:manage", consortium=tenant_pair.consortium
    )


def test_platform_scope(decide, tenant_pair):
    assert decide(tenant_pair.platform_admin, "platform:consortia:manage")
    assert not decide(tenant_pair.consortium_admin, "platform:consortia:manage")
    assert not decide(tenant_pair.admin_a, "platform:users:manage")


def test_a_tenant_action_needs_a_tenant(decide, tenant_pair):
    with pytest.raises(ValueError, match="needs a tenant"):
        decide(tenant_pair.admin_a, "tenant:members:manage")


def test_a_tenant_bound_principal_holds_nothing_elsewhere(app, db, registry, tenant_pair):
    """An SSO session's principal: membership roles in its tenant only, no consortium or
    platform administration anywhere, not even in its own tenant."""
    from samverka.auth import services as accounts
    from samverka.db import scoped

    pair = tenant_pair
    with scoped(db, TenantScope.for_tenant(pair.b.id)):
        accounts.add_member(db, registry, pair.consortium_admin, pair.b, "reader")
    db.commit()
    set_scope(db, TenantScope((), pair.consortium_admin.id))
    free = Principal.of(pair.consortium_admin)
    bound = Principal.of(pair.consortium_admin, tenant_bound=pair.b.id)
    assert roles_for(db, free, tenant=pair.b) == {"reader", "consortium_admin"}
    assert roles_for(db, bound, tenant=pair.b) == {"reader"}
    assert roles_for(db, bound, tenant=pair.a) == set()
    assert roles_for(db, bound, consortium=pair.consortium) == set()
    assert authorize(db, registry, free, "consortium:tenants:manage", consortium=pair.consortium)
    assert not authorize(
        db, registry, bound, "consortium:tenants:manage", consortium=pair.consortium
    )
    root = Principal.of(pair.platform_admin, tenant_bound=pair.a.id)
    assert not root.is_platform_admin
    assert not authorize(db, registry, root, "platform:users:manage")


def test_inside_a_bound_session_every_principal_of_its_user_is_bound(tenant_pair):
    """Services that authorise from the user object (records, plans) get the session's
    bound principal, not the account's full power."""
    from samverka.auth.authorization import bind_session, unbind_session

    pair = tenant_pair
    token = bind_session(pair.consortium_admin.id, pair.b.id)
    try:
        assert Principal.of(pair.consortium_admin).tenant_bound == pair.b.id
        assert Principal.of(pair.reader_a).tenant_bound is None  # someone else: unbound
    finally:
        unbind_session(token)
    assert Principal.of(pair.consortium_admin).tenant_bound is None
