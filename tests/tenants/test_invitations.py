"""Invitations to consortia (samverka.tenancy.invitations): one open per pair, expiry,
decisions taken once, the operator's direct path, and who reads them in PostgreSQL."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

from samverka import clock
from samverka.audit.models import AuditEntry
from samverka.db import TenantScope, platform_scope, scoped
from samverka.errors import NotFound, ValidationError
from samverka.tenancy import invitations
from samverka.tenancy import services as tenancy
from samverka.tenants.models import ConsortiumInvitation, InvitationStatus


@pytest.fixture
def outsider(app, db, tenant_pair):
    """AGERA Värmland, outside SuToHaMu (the test session acts as platform work)."""
    tenant = tenancy.create_tenant(db, "agera", "AGERA Värmland", "ngo")
    db.commit()
    return tenant


def test_one_open_invitation_per_pair(ctx, db, tenant_pair, outsider):
    with scoped(db, platform_scope()):
        invitations.invite(db, tenant_pair.consortium, outsider, invited_by=None)
        with pytest.raises(ValidationError, match="already been invited"):
            invitations.invite(db, tenant_pair.consortium, outsider, invited_by=None)
        with pytest.raises(ValidationError, match="already a member"):
            invitations.invite(db, tenant_pair.consortium, tenant_pair.a, invited_by=None)
        db.commit()
        # the database refuses a second open one too (two requests at the same moment)
        now = clock.now()
        db.add(
            ConsortiumInvitation(
                consortium_id=tenant_pair.consortium.id,
                tenant_id=outsider.id,
                status=InvitationStatus.PENDING,
                invited_at=now,
                expires_at=now,
            )
        )
        with pytest.raises(IntegrityError):
            db.flush()
        db.rollback()


def test_an_invitation_expires_and_may_then_be_sent_again(
    ctx, db, tenant_pair, outsider, frozen_clock
):
    with scoped(db, platform_scope()):
        first = invitations.invite(db, tenant_pair.consortium, outsider, invited_by=None)
        db.commit()
        first_id = first.id
        frozen_clock.advance(days=invitations.INVITATION_DAYS, seconds=1)
        assert invitations.pending_for_tenant(db, outsider) == []
        with pytest.raises(NotFound):
            invitations.open_invitation_of_tenant(db, outsider, first_id)
        second = invitations.invite(db, tenant_pair.consortium, outsider, invited_by=None)
        db.commit()
        assert db.get(ConsortiumInvitation, first_id).status is InvitationStatus.EXPIRED
        assert invitations.pending_for_consortium(db, tenant_pair.consortium) == [second]


def test_an_invitation_expired_since_it_was_loaded_cannot_be_accepted(
    ctx, db, tenant_pair, outsider, frozen_clock
):
    with scoped(db, platform_scope()):
        invitation = invitations.invite(db, tenant_pair.consortium, outsider, invited_by=None)
        db.commit()
        frozen_clock.advance(days=invitations.INVITATION_DAYS + 1)
        with pytest.raises(ValidationError, match="no longer open"):
            invitations.accept(db, invitation, by=None, on_behalf=False)
        db.rollback()
    assert tenant_pair.consortium not in outsider.consortia


def test_a_decision_is_taken_once(ctx, db, tenant_pair, outsider):
    """Withdrawn while the organisation was deciding: its acceptance comes too late."""
    with scoped(db, platform_scope()):
        invitation = invitations.invite(db, tenant_pair.consortium, outsider, invited_by=None)
        db.commit()
        invitations.withdraw(db, invitation, by=None)
        with pytest.raises(ValidationError, match="no longer open"):
            invitations.accept(db, invitation, by=None, on_behalf=False)
        db.rollback()
    db.expire_all()
    assert tenant_pair.consortium not in outsider.consortia


def test_each_step_is_in_both_chains(ctx, db, tenant_pair, outsider):
    with scoped(db, platform_scope((outsider.id,))):
        invitation = invitations.invite(db, tenant_pair.consortium, outsider, invited_by=None)
        invitations.accept(db, invitation, by=None, on_behalf=False)
        invitations.leave(db, outsider, tenant_pair.consortium)
        db.commit()
        rows = db.execute(
            select(AuditEntry.tenant_id, AuditEntry.action).order_by(AuditEntry.id)
        ).all()
    steps = [
        "consortium.invitation_create",
        "consortium.invitation_accept",
        "consortium.tenant_add",
        "consortium.tenant_leave",
    ]
    for chain in (outsider.id, None):
        assert [a for t, a in rows if t == chain and a in steps] == steps, chain


def test_the_operator_adds_directly_and_closes_an_open_invitation(app, db, tenant_pair, outsider):
    """The command line stays direct (the operator is trusted with the whole platform)."""
    from samverka.bootstrap import cli

    with app.test_request_context(), scoped(db, platform_scope()):
        invitations.invite(db, tenant_pair.consortium, outsider, invited_by=None)
        db.commit()
    result = CliRunner().invoke(
        cli,
        ["consortium", "add-tenant", "sutohamu", "agera"],
        obj=ScriptInfo(create_app=lambda: app),
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    db.expire_all()
    assert tenant_pair.consortium in outsider.consortia
    with scoped(db, platform_scope((outsider.id,))):
        [invitation] = db.scalars(select(ConsortiumInvitation)).all()
        assert invitation.status is InvitationStatus.ACCEPTED
        entry = db.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "consortium.tenant_add", AuditEntry.tenant_id.is_(None)
            )
        ).one()
    assert entry.details["via"] == "operator"
    assert entry.actor_kind == "operator"


@pytest.mark.postgresql_only
def test_postgresql_shows_invitations_to_the_two_sides_only(
    app, db, tenant_pair, outsider, samverka_database
):
    """Row-level security: the invited tenant's scope, the inviting consortium's
    administrators, platform administrators and platform work read the invitation; another
    tenant, another consortium's administrator and a scope without a user do not, and none
    of those may write one."""
    from samverka.auth import services as accounts

    dalarna = tenancy.create_consortium(db, "dalarna", "Dalarna", "20")
    other_admin = accounts.create_user(db, "kons@dalarna.test", "Dalarna", "x" * 20)
    accounts.add_consortium_admin(db, other_admin, dalarna)
    with app.test_request_context(), scoped(db, platform_scope()):
        invitations.invite(db, tenant_pair.consortium, outsider, invited_by=None)
    db.commit()

    engine = create_engine(samverka_database.app_url)
    try:
        with engine.connect() as conn:

            def visible(tenants: str, user: object = "") -> int:
                with conn.begin():
                    conn.execute(
                        text(
                            "SELECT set_config('samverka.tenant_ids', :t, true),"
                            " set_config('samverka.user_id', :u, true)"
                        ),
                        {"t": tenants, "u": str(user)},
                    )
                    return conn.scalar(text("SELECT count(*) FROM consortium_invitations"))

            assert visible(str(outsider.id)) == 1
            assert visible("", tenant_pair.consortium_admin.id) == 1
            assert visible("", tenant_pair.platform_admin.id) == 1
            assert visible("0") == 1
            assert visible(str(tenant_pair.a.id), tenant_pair.admin_a.id) == 0
            assert visible("", other_admin.id) == 0
            assert visible("") == 0
            with pytest.raises(Exception, match="row-level security"), conn.begin():
                conn.execute(
                    text(
                        "SELECT set_config('samverka.tenant_ids', '', true),"
                        " set_config('samverka.user_id', :u, true)"
                    ),
                    {"u": str(other_admin.id)},
                )
                conn.execute(
                    text(
                        "INSERT INTO consortium_invitations (consortium_id, tenant_id, status,"
                        " invited_at, expires_at) VALUES (:c, :t, 'pending', now(), now())"
                    ),
                    {"c": tenant_pair.consortium.id, "t": tenant_pair.a.id},
                )
    finally:
        engine.dispose()


def test_outside_organisations_are_names_to_invite_only(ctx, db, tenant_pair, outsider):
    with scoped(db, TenantScope()):
        outside = tenancy.tenants_outside(db, tenant_pair.consortium)
    assert [t.slug for t in outside] == ["agera"]
