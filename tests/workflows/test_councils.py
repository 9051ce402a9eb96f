"""Councils: a consortium body is seen by every member tenant and by no one else; members
from outside organisations get the body shared; meetings, decisions and assignments, and
assignments reach their owner in another tenant ("my assignments")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from samverka.audit.models import AuditEntry
from samverka.errors import Forbidden, ValidationError
from samverka.workflows.councils import services as councils


@pytest.fixture
def steering(ctx, db, world, acting):
    """SuToHaMu's steering group, owned by Sunne (A), shared with the consortium (A, B)."""
    with acting(world.a, world.admin_a):
        body = councils.create_council(
            db,
            name="SuToHaMu styrgrupp",
            kind="steering_group",
            consortium="sutohamu",
            user=world.admin_a,
        )
        db.commit()
    return body.id


def load(db, world, council_id, tenant=None, user=None):
    return councils.get_council(
        db, council_id, user=user or world.admin_a, viewer=tenant or world.a
    )


def test_a_consortium_body_is_seen_by_its_members_only(db, world, acting, steering):
    with acting(world.b, world.reader_b):
        assert [c.id for c in councils.councils_visible(db)] == [steering]
    with acting(world.c, world.admin_c):
        assert councils.councils_visible(db) == []
    with acting(world.a, world.admin_a):
        body = load(db, world, steering)
        assert councils.planned_meetings(body) == 4 and body.data["consortium"] == "sutohamu"


def test_meetings_decisions_and_assignments_across_tenants(db, world, acting, steering):
    past = date.today() - timedelta(days=10)
    with acting(world.a, world.admin_a):
        body = load(db, world, steering)
        councils.add_member(
            db,
            body,
            tenant=world.b,
            member_user=world.admin_b,
            role="Ordförande",
            user=world.admin_a,
        )
        councils.add_member(
            db, body, tenant=world.c, person_name="Kim Polis", role="Polisen", user=world.admin_a
        )
        meeting = councils.add_meeting(
            db,
            body,
            meeting_on=past,
            place="Kommunhuset",
            agenda="Lägesbild\nÅtgärdsplan",
            user=world.admin_a,
        )
        councils.add_decision(
            db, body, meeting, text="Lägesbilden fastställs", paragraph="§ 3", user=world.admin_a
        )
        councils.add_assignment(
            db,
            body,
            title="Ta fram statistik",
            owner_tenant=world.b,
            owner_user=world.admin_b,
            due_on=past + timedelta(days=30),
            meeting=meeting,
            user=world.admin_a,
        )
        councils.add_assignment(
            db, body, title="Trygghetsvandring", owner_tenant="hagfors", user=world.admin_a
        )
        db.commit()
        assert meeting.agenda_items == ["Lägesbild", "Åtgärdsplan"]
        actions = db.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("council.%"))
        ).all()
        assert actions == [
            "council.member.add",
            "council.member.add",
            "council.meeting.add",
            "council.decision.add",
            "council.assignment.add",
            "council.assignment.add",
        ]
    with acting(world.b, world.admin_b):
        [mine] = councils.my_assignments(db, world.b, world.admin_b)
        assert mine.title == "Ta fram statistik"
        assert councils.my_assignments(db, world.b, world.reader_b) == []
        body = load(db, world, steering, world.b, world.admin_b)
        with pytest.raises(Forbidden):
            councils.set_assignment_status(db, body, mine, status="done", user=world.admin_b)
        db.rollback()
    # Hagfors is outside the consortium: its member and assignment shared the body with it
    with acting(world.c, world.admin_c):
        assert [c.id for c in councils.councils_visible(db)] == [steering]
        [theirs] = councils.my_assignments(db, world.c, world.admin_c)
        assert theirs.title == "Trygghetsvandring"
    with acting(world.a, world.admin_a):
        body = load(db, world, steering)
        [stats] = [a for a in councils.assignments_of(db, body) if a.owner_tenant_id == world.b.id]
        done = councils.set_assignment_status(db, body, stats, status="done", user=world.admin_a)
        db.commit()
        assert done.done_on is not None
    with acting(world.b, world.admin_b):
        assert councils.my_assignments(db, world.b, world.admin_b) == []


def test_a_municipal_body_is_not_seen_by_others(ctx, db, world, acting):
    with acting(world.a, world.admin_a):
        council = councils.create_council(
            db, name="BRÅ Sunne", kind="bra_council", user=world.admin_a
        )
        councils.add_meeting(db, council, meeting_on="2026-02-01", user=world.admin_a)
        db.commit()
    for tenant, user in ((world.b, world.admin_b), (world.c, world.admin_c)):
        with acting(tenant, user):
            assert councils.councils_visible(db) == []
            assert db.scalars(select(councils.CouncilMeeting)).all() == []


@pytest.mark.postgresql_only
def test_rls_agrees(db, world, acting, steering, app_sql):
    with acting(world.a, world.admin_a):
        body = load(db, world, steering)
        councils.add_meeting(db, body, meeting_on="2026-02-01", user=world.admin_a)
        db.commit()
    sql = "SELECT id FROM council_meetings"
    assert len(app_sql((world.b.id,), sql)) == 1
    assert app_sql((world.c.id,), sql) == []


@pytest.mark.parametrize(
    ("call", "given", "field"),
    [
        ("create", {"kind": "club"}, "kind"),
        ("create", {"meetings_per_year": "99"}, "meetings_per_year"),
        ("create", {"consortium": "nowhere"}, "consortium"),
        ("meeting", {"meeting_on": "igår"}, "meeting_on"),
        ("meeting", {"meeting_on": None}, "meeting_on"),
        ("member", {"tenant": "nowhere"}, "tenant"),
        ("member", {"person_name": None}, "person_name"),
        ("assignment", {"title": ""}, "title"),
    ],
)
def test_bad_input_is_refused(db, world, acting, steering, call, given, field):
    with acting(world.a, world.admin_a):
        body = load(db, world, steering)
        before = db.scalars(select(AuditEntry.id)).all()
        with pytest.raises(ValidationError) as refused:
            if call == "create":
                councils.create_council(
                    db, **({"name": "X", "kind": "samsa"} | given), user=world.admin_a
                )
            elif call == "meeting":
                councils.add_meeting(db, body, **given, user=world.admin_a)
            elif call == "member":
                councils.add_member(
                    db,
                    body,
                    **({"tenant": "torsby", "person_name": "A"} | given),
                    user=world.admin_a,
                )
            else:
                councils.add_assignment(
                    db, body, **({"owner_tenant": "torsby"} | given), user=world.admin_a
                )
        assert refused.value.field == field
        db.rollback()
        assert db.scalars(select(AuditEntry.id)).all() == before


def test_a_meeting_not_yet_held_cannot_decide(db, world, acting, steering):
    with acting(world.a, world.admin_a):
        body = load(db, world, steering)
        meeting = councils.add_meeting(
            db, body, meeting_on=date.today() + timedelta(days=30), user=world.admin_a
        )
        with pytest.raises(ValidationError):
            councils.add_decision(db, body, meeting, text="Beslut", user=world.admin_a)


def test_the_assignee_reports_done_from_its_own_organisation(db, world, acting, steering):
    with acting(world.a, world.admin_a):
        body = load(db, world, steering)
        for_b = councils.add_assignment(
            db,
            body,
            title="Ta fram statistik",
            owner_tenant=world.b,
            owner_user=world.admin_b,
            user=world.admin_a,
        )
        for_org = councils.add_assignment(
            db, body, title="Trygghetsvandring", owner_tenant=world.b, user=world.admin_a
        )
        db.commit()
        ids = (for_b.id, for_org.id)
    with acting(world.b, world.reader_b):
        named, unnamed = sorted(
            councils.my_assignments(db, world.b, world.admin_b), key=lambda a: a.id
        )
        with pytest.raises(Forbidden):  # named for someone else
            councils.report_assignment_done(db, named, tenant=world.b, user=world.reader_b)
        with pytest.raises(Forbidden):  # a reader may not write for the organisation
            councils.report_assignment_done(db, unnamed, tenant=world.b, user=world.reader_b)
        db.rollback()
    with acting(world.b, world.admin_b):
        for assignment in councils.my_assignments(db, world.b, world.admin_b):
            councils.report_assignment_done(db, assignment, tenant=world.b, user=world.admin_b)
        db.commit()
    with acting(world.a, world.admin_a):
        body = load(db, world, steering)
        done = {a.id: a.status for a in councils.assignments_of(db, body)}
        assert done == {ids[0]: "done", ids[1]: "done"}
        audited = db.scalars(
            select(AuditEntry.tenant_id).where(AuditEntry.action == "council.assignment.done")
        ).all()
        assert audited == [world.a.id, world.a.id]  # in the body owner's log
