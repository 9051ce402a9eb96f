"""Decisions on records: recorded by the owner with body, date and minute paragraph, audited,
readable wherever the record is shared (ORM and, on PostgreSQL, RLS), never by others; bad
input changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from samverka import clock
from samverka.audit.models import AuditEntry
from samverka.errors import Forbidden, ValidationError
from samverka.records import services
from samverka.workflows.decisions import Decision, decisions_of, latest_decision, record_decision


@pytest.fixture
def picture(ctx, db, world, acting):
    """A document of Sunne's (A), shared with Torsby (B); Hagfors (C) is outside."""
    with acting(world.a, world.admin_a):
        record = services.create_record(
            db,
            record_type="core.document",
            title="Lägesbild 2026",
            data={"body": "Kartläggning"},
            user=world.admin_a,
        )
        services.share_record(db, record, tenant=world.b, user=world.admin_a)
        db.commit()
    return record.id


def decide(db, world, acting, record_id, **given):
    with acting(world.a, world.admin_a):
        record = services.get_record(db, record_id, user=world.admin_a, viewer_tenant=world.a)
        values = {"body": "Kommunstyrelsen", "decided_on": date(2026, 3, 2)} | given
        decision = record_decision(db, record, user=world.admin_a, **values)
        db.commit()
        return decision


def test_the_owner_records_decisions_and_the_latest_counts(db, world, acting, picture):
    first = decide(db, world, acting, picture, minute_paragraph="§ 41")
    second = decide(db, world, acting, picture, body="Kommunfullmäktige", decided_on="2026-04-20")
    with acting(world.a, world.reader_a):
        record = services.get_record(db, picture, user=world.reader_a, viewer_tenant=world.a)
        found = decisions_of(db, record)
        assert [d.id for d in found] == [second.id, first.id]
        assert latest_decision(db, record).body == "Kommunfullmäktige"
        assert found[1].minute_paragraph == "§ 41" and found[1].record_version == record.version
    with acting(world.a):
        actions = db.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "record.decision")
        ).all()
    assert [d["decision"] for d in actions] == [first.id, second.id]


def test_a_receiver_reads_the_decision_but_cannot_decide(db, world, acting, picture):
    decide(db, world, acting, picture)
    with acting(world.b, world.admin_b):
        record = services.get_record(db, picture, user=world.admin_b, viewer_tenant=world.b)
        assert [d.body for d in decisions_of(db, record)] == ["Kommunstyrelsen"]
        with pytest.raises(Forbidden):
            record_decision(
                db, record, body="Torsby KS", decided_on=date(2026, 1, 1), user=world.admin_b
            )
        db.rollback()
    with acting(world.c, world.admin_c):
        assert db.scalars(select(Decision)).all() == []


@pytest.mark.postgresql_only
def test_rls_agrees(db, world, acting, picture, app_sql):
    decide(db, world, acting, picture)
    sql = "SELECT body FROM record_decisions"
    assert [r.body for r in app_sql((world.b.id,), sql)] == ["Kommunstyrelsen"]
    assert app_sql((world.c.id,), sql) == []


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"body": "  "}, "body"),
        ({"decided_on": "2.3.2026"}, "decided_on"),
        ({"decided_on": None}, "decided_on"),
        ({"minute_paragraph": "§" * 51}, "minute_paragraph"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(db, world, acting, picture, given, field):
    with pytest.raises(ValidationError) as refused:
        decide(db, world, acting, picture, **given)
    assert refused.value.field == field
    db.rollback()
    with acting(world.a):
        assert db.scalars(select(Decision)).all() == []


def test_a_decision_cannot_be_dated_in_the_future(db, world, acting, picture):
    tomorrow = clock.now().date() + timedelta(days=2)
    with pytest.raises(ValidationError, match="future"):
        decide(db, world, acting, picture, decided_on=tomorrow)
