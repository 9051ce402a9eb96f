"""An organisation always keeps an administrator (issue 14, finding 8).

The rule lives in :func:`samverka.auth.services.remove_member`; these tests go through the
service, single sign-on's role sync, the command line, and two concurrent transactions
(PostgreSQL and SQLite). The pages and the API: ``tests/web/test_last_admin_pages.py`` and
``tests/api/test_members_api.py``.
"""

from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from samverka.audit.models import AuditEntry
from samverka.auth import services as accounts
from samverka.auth.sso.provisioning import sync_roles
from samverka.bootstrap import cli
from samverka.db import TenantScope, scoped, set_scope
from samverka.tenancy import services as tenancy
from samverka.tenants.models import Membership


def roles_of(db, tenant, user) -> set[str]:
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        return set(
            db.scalars(
                select(Membership.role).where(
                    Membership.tenant_id == tenant.id, Membership.user_id == user.id
                )
            )
        )


def audit(db, tenant, action: str) -> list[AuditEntry]:
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        return list(
            db.scalars(
                select(AuditEntry)
                .where(AuditEntry.tenant_id == tenant.id, AuditEntry.action == action)
                .order_by(AuditEntry.id)
            )
        )


@pytest.fixture
def run(app):
    def invoke(*args: str):
        return CliRunner().invoke(
            cli, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False
        )

    return invoke


# --- the service ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["tenant_admin", None])
def test_the_last_administrator_is_neither_demoted_nor_removed(ctx, db, tenant_pair, role):
    a = tenant_pair.a
    with scoped(db, TenantScope.for_tenant(a.id)):
        with pytest.raises(accounts.LastAdministrator) as refused:
            accounts.remove_member(db, tenant_pair.admin_a.id, a, role)
        db.rollback()
    assert "Sunne kommun must keep at least one administrator" in str(refused.value)
    assert roles_of(db, a, tenant_pair.admin_a) == {"tenant_admin"}


def test_other_roles_and_other_members_are_removed_as_before(ctx, db, registry, tenant_pair):
    a = tenant_pair.a
    with scoped(db, TenantScope.for_tenant(a.id)):
        accounts.add_member(db, registry, tenant_pair.admin_a, a, "coordinator")
        assert accounts.remove_member(db, tenant_pair.admin_a.id, a, "coordinator") == 1
        assert accounts.remove_member(db, tenant_pair.reader_a.id, a, None) == 1
        assert accounts.remove_member(db, tenant_pair.reader_b.id, a, "reader") == 0
        db.commit()
    assert roles_of(db, a, tenant_pair.admin_a) == {"tenant_admin"}


def test_with_a_second_administrator_either_may_go(ctx, db, registry, tenant_pair):
    a = tenant_pair.a
    with scoped(db, TenantScope.for_tenant(a.id)):
        accounts.add_member(db, registry, tenant_pair.reader_a, a, "tenant_admin")
        assert accounts.remove_member(db, tenant_pair.admin_a.id, a, "tenant_admin") == 1
        with pytest.raises(accounts.LastAdministrator):  # now reader_a is the last one
            accounts.remove_member(db, tenant_pair.reader_a.id, a, None)
        db.commit()
    assert roles_of(db, a, tenant_pair.reader_a) == {"reader", "tenant_admin"}


def test_a_deactivated_administrator_does_not_count(ctx, db, registry, tenant_pair):
    """An account that cannot sign in administers nothing: the last *active* one stays."""
    a = tenant_pair.a
    with scoped(db, TenantScope.for_tenant(a.id)):
        accounts.add_member(db, registry, tenant_pair.reader_a, a, "tenant_admin")
        tenant_pair.reader_a.is_active = False
        db.flush()
        with pytest.raises(accounts.LastAdministrator):
            accounts.remove_member(db, tenant_pair.admin_a.id, a, "tenant_admin")
        # the switched-off one may be removed: the tenant keeps its active administrator
        assert accounts.remove_member(db, tenant_pair.reader_a.id, a, "tenant_admin") == 1


def test_leaving_without_administrator_is_deliberate_and_audited(ctx, db, tenant_pair):
    a = tenant_pair.a
    with scoped(db, TenantScope.for_tenant(a.id)):
        removed = accounts.remove_member(
            db, tenant_pair.admin_a.id, a, "tenant_admin", leave_without_admin=True
        )
        db.commit()
    assert removed == 1 and roles_of(db, a, tenant_pair.admin_a) == set()
    (entry,) = audit(db, a, "member.remove")
    assert entry.details == {"role": "tenant_admin", "left_without_admin": True}


def test_only_platform_administrators_and_the_operator_may_leave_a_tenant_without_one(
    db, registry, tenant_pair
):
    from samverka.auth.authorization import Principal, authorize

    def may(principal) -> bool:
        return authorize(
            db, registry, principal, accounts.LEAVE_WITHOUT_ADMIN, tenant=tenant_pair.a
        )

    assert may(Principal.of(tenant_pair.platform_admin))
    assert may(Principal.operator())
    assert not may(Principal.of(tenant_pair.admin_a))
    assert not may(Principal.of(tenant_pair.consortium_admin))


# --- two administrators at once ---------------------------------------------------------


def test_two_administrators_demoting_each_other_at_once_cannot_both_succeed(
    app, db, registry, tenant_pair
):
    """Two connections: A demotes B and holds its transaction open; B demotes A meanwhile.
    B's guard waits for A's lock, then counts again and is refused — without the lock both
    would commit and Sunne would have no administrator (on PostgreSQL and on SQLite alike)."""
    a = tenant_pair.a
    second = tenant_pair.reader_a
    with scoped(db, TenantScope.for_tenant(a.id)):
        accounts.add_member(db, registry, second, a, "tenant_admin")
    db.commit()
    sessions = app.extensions["samverka"].sessions
    first_session, second_session = sessions(), sessions()
    outcome: dict[str, object] = {}

    def demote_first_admin() -> None:
        with app.test_request_context():
            set_scope(second_session, TenantScope.for_tenant(a.id))
            try:
                accounts.remove_member(second_session, tenant_pair.admin_a.id, a, "tenant_admin")
                second_session.commit()
                outcome["second"] = "removed"
            except accounts.LastAdministrator:
                second_session.rollback()
                outcome["second"] = "refused"

    try:
        with app.test_request_context():
            set_scope(first_session, TenantScope.for_tenant(a.id))
            assert accounts.remove_member(first_session, second.id, a, "tenant_admin") == 1
            rival = threading.Thread(target=demote_first_admin)
            rival.start()
            rival.join(timeout=1.5)
            assert rival.is_alive(), f"the second demotion did not wait: {outcome}"
            first_session.commit()
            rival.join(timeout=30)
            assert not rival.is_alive()
    finally:
        first_session.close()
        second_session.close()
    assert outcome == {"second": "refused"}
    assert roles_of(db, a, tenant_pair.admin_a) == {"tenant_admin"}
    assert roles_of(db, a, second) == {"reader"}


# --- single sign-on ----------------------------------------------------------------------


def test_sso_keeps_the_last_administrators_role_and_warns(ctx, db, registry, caplog):
    """The provider stops mapping the only administrator to tenant_admin: the role stays
    (and its SSO grant, so a later sync takes it once someone else administers), a warning
    is logged and audited; with a second administrator the next sync takes it."""
    arvika = tenancy.create_tenant(db, "arvika", "Arvika kommun", "municipality", "1784", 1, [])
    anna = accounts.create_user(db, "anna@arvika.test", "Anna")
    with scoped(db, TenantScope.for_tenant(arvika.id)):
        sync_roles(db, registry, arvika, anna, {"tenant_admin"})
        db.commit()
        with caplog.at_level("WARNING", logger="samverka.auth.sso.provisioning"):
            sync_roles(db, registry, arvika, anna, {"reader"})
        db.commit()
    assert roles_of(db, arvika, anna) == {"tenant_admin", "reader"}
    assert "kept the last administrator role" in caplog.text
    (kept,) = audit(db, arvika, "sso.last_admin_kept")
    assert kept.target_id == str(anna.id) and kept.details == {"role": "tenant_admin"}
    bertil = accounts.create_user(db, "bertil@arvika.test", "Bertil")
    with scoped(db, TenantScope.for_tenant(arvika.id)):
        accounts.add_member(db, registry, bertil, arvika, "tenant_admin")
        sync_roles(db, registry, arvika, anna, {"reader"})
        db.commit()
    assert roles_of(db, arvika, anna) == {"reader"}


def test_sso_with_no_mapped_group_still_keeps_the_last_administrator(ctx, db, registry):
    arvika = tenancy.create_tenant(db, "arvika", "Arvika kommun", "municipality", "1784", 1, [])
    anna = accounts.create_user(db, "anna@arvika.test", "Anna")
    with scoped(db, TenantScope.for_tenant(arvika.id)):
        sync_roles(db, registry, arvika, anna, {"tenant_admin", "coordinator"})
        sync_roles(db, registry, arvika, anna, set())
        db.commit()
    assert roles_of(db, arvika, anna) == {"tenant_admin"}


# --- the command line --------------------------------------------------------------------


@pytest.mark.parametrize("role_args", [["--role", "tenant_admin"], []])
def test_the_cli_refuses_the_last_administrator(run, db, tenant_pair, role_args):
    result = run("member", "remove", "admin@sunne.test", "sunne", *role_args)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: Sunne kommun must keep at least one administrator: appoint another "
        "administrator before removing this one.\n"
    )
    assert roles_of(db, tenant_pair.a, tenant_pair.admin_a) == {"tenant_admin"}
    (denied,) = audit(db, tenant_pair.a, "member.remove")
    assert denied.outcome == "denied" and denied.details["reason"] == "last_admin"


def test_the_operator_may_leave_a_tenant_without_administrator_explicitly(run, db, tenant_pair):
    result = run(
        "member", "remove", "admin@sunne.test", "sunne", "--role", "tenant_admin",
        "--allow-no-admin", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "email": "admin@sunne.test",
        "tenant": "sunne",
        "role": "tenant_admin",
        "removed": 1,
    }
    assert roles_of(db, tenant_pair.a, tenant_pair.admin_a) == set()
    (entry,) = audit(db, tenant_pair.a, "member.remove")
    assert entry.actor_kind == "operator" and entry.details["left_without_admin"] is True


def test_the_cli_removes_other_roles_and_says_when_there_is_nothing(run, db, tenant_pair):
    assert run("member", "remove", "reader@sunne.test", "sunne").exit_code == 0
    assert roles_of(db, tenant_pair.a, tenant_pair.reader_a) == set()
    again = run("member", "remove", "reader@sunne.test", "sunne", "--role", "reader")
    assert (
        again.exit_code == 1
        and again.stderr == "Error: reader@sunne.test holds no reader in sunne\n"
    )
