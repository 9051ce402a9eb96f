"""Layer 1 of isolation: ORM criteria on every SELECT/UPDATE/DELETE, stamping on insert."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from samverka.db import TenantScope, TenantScopeError, scoped, set_scope
from samverka.tenants.models import Membership
from samverka_testplugin import Note


@pytest.fixture
def notes(db, tenant_pair):
    for tenant, texts in [(tenant_pair.a, ["a1", "a2"]), (tenant_pair.b, ["b1"])]:
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            for text in texts:
                db.add(Note(text=text))
            db.flush()
    db.commit()
    return tenant_pair


def texts(db):
    return sorted(db.scalars(select(Note.text)))


def test_select_sees_only_the_scoped_tenant(db, notes):
    set_scope(db, TenantScope.for_tenant(notes.a.id))
    assert texts(db) == ["a1", "a2"]
    set_scope(db, TenantScope.for_tenant(notes.b.id))
    assert texts(db) == ["b1"]


def test_an_unset_scope_sees_nothing(db, notes):
    set_scope(db, TenantScope())
    assert texts(db) == []
    assert db.scalar(select(func.count()).select_from(Note)) == 0


def test_update_and_delete_touch_only_the_scope(db, notes):
    set_scope(db, TenantScope.for_tenant(notes.a.id))
    assert db.execute(update(Note).values(text="x")).rowcount == 2
    assert db.execute(delete(Note)).rowcount == 2
    db.commit()
    set_scope(db, TenantScope.for_tenant(notes.b.id))
    assert texts(db) == ["b1"]


def test_get_by_id_across_tenants_finds_nothing(db, notes):
    set_scope(db, TenantScope.for_tenant(notes.b.id))
    b_note = db.scalars(select(Note)).one()
    set_scope(db, TenantScope.for_tenant(notes.a.id))
    assert db.get(Note, b_note.id) is None


def test_insert_is_stamped_with_the_scoped_tenant(db, notes):
    set_scope(db, TenantScope.for_tenant(notes.b.id))
    note = Note(text="stamped")
    db.add(note)
    db.flush()
    assert note.tenant_id == notes.b.id


def test_writing_another_tenants_row_is_refused(db, notes):
    set_scope(db, TenantScope.for_tenant(notes.a.id))
    db.add(Note(text="smuggled", tenant_id=notes.b.id))
    with pytest.raises(TenantScopeError):
        db.flush()
    db.rollback()
    set_scope(db, TenantScope.for_tenant(notes.b.id))
    assert texts(db) == ["b1"]


def test_joins_and_subqueries_carry_the_criteria(db, notes):
    set_scope(db, TenantScope.for_tenant(notes.a.id))
    sub = select(func.max(Note.id)).scalar_subquery()
    rows = db.execute(select(Note.text).where(Note.id.in_(select(Note.id)))).all()
    assert sorted(r.text for r in rows) == ["a1", "a2"]
    assert db.scalar(select(func.count()).where(Note.id == sub)) is not None


def test_memberships_visible_in_tenant_scope_or_as_own(db, tenant_pair):
    set_scope(db, TenantScope.for_tenant(tenant_pair.a.id))
    assert {m.tenant_id for m in db.scalars(select(Membership))} == {tenant_pair.a.id}
    set_scope(db, TenantScope((), tenant_pair.reader_b.id))
    own = db.scalars(select(Membership)).all()
    assert {(m.tenant_id, m.user_id) for m in own} == {(tenant_pair.b.id, tenant_pair.reader_b.id)}
    set_scope(db, TenantScope())
    assert db.scalars(select(Membership)).all() == []
