"""The facade's ``consortium_read_scope``: it widens a session only to the members of the
tenant's consortia that enabled the plugin, and nothing may be written inside it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from samverka.toolkit import ReadOnlyScopeError, consortium_read_scope, scope_tenant_ids
from samverka_testplugin import Note


@pytest.fixture
def notes(ctx, db, world, acting, with_plugins):
    """Sunne and Torsby (one consortium) enable the test plugin; Hagfors is outside."""
    a, b, c = world.a, world.b, world.c
    with_plugins(a, "testplugin")
    with_plugins(b, "testplugin")
    for tenant in (a, b, c):
        with acting(tenant):
            db.add(Note(tenant_id=tenant.id, text=f"note of {tenant.slug}"))
            db.commit()
    return world


def test_members_are_visible_and_a_non_member_is_not(db, notes, acting):
    with acting(notes.a), consortium_read_scope(db, notes.a, "testplugin"):
        texts = sorted(db.scalars(select(Note.text)))
        hagfors = db.scalars(select(Note).where(Note.tenant_id == notes.c.id)).all()
    assert texts == ["note of sunne", "note of torsby"]
    assert hagfors == []
    with acting(notes.a):
        assert scope_tenant_ids(db) == (notes.a.id,)
        with consortium_read_scope(db, notes.a, "testplugin"):
            assert scope_tenant_ids(db) == tuple(sorted((notes.a.id, notes.b.id)))
        assert scope_tenant_ids(db) == (notes.a.id,)


def test_a_member_without_the_plugin_stays_invisible(db, notes, acting):
    with acting(notes.a), consortium_read_scope(db, notes.a, "samverka_missing_plugin"):
        assert sorted(db.scalars(select(Note.text))) == ["note of sunne"]


def test_a_write_inside_raises_also_when_nested(db, notes, acting):
    with acting(notes.a):
        with consortium_read_scope(db, notes.a, "testplugin"):
            with consortium_read_scope(db, notes.a, "testplugin"):
                pass
            db.add(Note(tenant_id=notes.a.id, text="sneaked in"))
            with pytest.raises(ReadOnlyScopeError):
                db.flush()
        db.rollback()
        with consortium_read_scope(db, notes.a, "testplugin"):
            theirs = db.scalar(select(Note).where(Note.tenant_id == notes.b.id))
            theirs.text = "changed by Sunne"
            with pytest.raises(ReadOnlyScopeError):
                db.flush()
        db.rollback()
        db.add(Note(tenant_id=notes.a.id, text="outside the scope"))
        db.commit()  # writing is fine again once the scope is left
    with acting(notes.b):
        assert db.scalars(select(Note.text)).all() == ["note of torsby"]


def test_a_bulk_write_inside_raises(db, notes, acting):
    from sqlalchemy import update

    with (
        acting(notes.a),
        consortium_read_scope(db, notes.a, "testplugin"),
        pytest.raises(ReadOnlyScopeError),
    ):
        db.execute(update(Note).values(text="every member's note"))
    db.rollback()
    with acting(notes.b):
        assert db.scalars(select(Note.text)).all() == ["note of torsby"]
