"""Action plans: causes linked to a picture's problems (the number must exist), measures
only under a cause, causes without measures flagged, follow-ups with history, audited,
readable where the plan is shared and nowhere else (ORM and RLS)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from samverka.audit.models import AuditEntry
from samverka.errors import Forbidden, ValidationError
from samverka.records import services
from samverka.workflows.action_plans import services as plans


def make_picture(db, tenant, user, problems="Klotter i centrum\nOtrygghet vid busstationen"):
    return services.create_record(
        db,
        record_type="core.situation_picture",
        title="Lägesbild 2026",
        data={"period_start": "2026-01-01", "period_end": "2026-03-31", "problems": problems},
        user=user,
    )


def make_plan(db, user):
    return services.create_record(
        db,
        record_type="core.action_plan",
        title="Åtgärdsplan 2026",
        data={"title": "Åtgärdsplan 2026", "valid_from": "2026-01-01"},
        user=user,
    )


@pytest.fixture
def plan(ctx, db, world, acting):
    """Sunne's plan with one cause linked to problem 2 of Sunne's picture; shared with Torsby."""
    with acting(world.a, world.admin_a):
        picture = make_picture(db, world.a, world.admin_a)
        record = make_plan(db, world.admin_a)
        plans.add_cause(
            db,
            record,
            description="Dålig belysning",
            picture_id=picture.id,
            problem_number=2,
            user=world.admin_a,
        )
        services.share_record(db, record, tenant=world.b, user=world.admin_a)
        db.commit()
    return record.id, picture.id


def load(db, world, record_id, user=None, tenant=None):
    return services.get_record(
        db, record_id, user=user or world.admin_a, viewer_tenant=tenant or world.a
    )


MEASURE = {
    "title": "Ny belysning vid busstationen",
    "operational_goal": "Alla gångvägar upplysta",
    "due_on": "2026-09-30",
    "responsible_tenant": "torsby",
    "responsible_name": "Gatuenheten",
    "effort": "one_off",
    "resources": "Budget 200 000 kr",
    "hours": "40",
}


def test_cause_keeps_the_problem_and_measures_follow_ups(db, world, acting, plan):
    record_id, _picture = plan
    with acting(world.a, world.admin_a):
        record = load(db, world, record_id)
        [cause] = plans.causes_of(db, record)
        assert (cause.number, cause.problem_number) == (1, 2)
        assert cause.problem_text == "Otrygghet vid busstationen"
        measure = plans.add_measure(db, record, cause_id=cause.id, user=world.admin_a, **MEASURE)
        plans.follow_up(
            db, record, measure, status="yellow", followed_up_on="2026-03-01", user=world.admin_a
        )
        plans.follow_up(db, record, measure, status="red", comment="Försenat", user=world.admin_a)
        db.commit()
        [view] = plans.plan_view(db, record, world.a)
        assert view.measures[0].status == "red"
        assert [f.status for f in view.measures[0].history] == ["red", "yellow"]
        assert view.measures[0].measure.responsible_tenant_id == world.b.id
        assert view.measures[0].measure.hours == 40
        assert not view.flagged
        actions = db.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("plan.%"))
        ).all()
    assert actions == ["plan.cause.add", "plan.measure.add", "plan.follow_up", "plan.follow_up"]


def test_a_measure_without_a_cause_is_refused(db, world, acting, plan):
    record_id, _picture = plan
    with acting(world.a, world.admin_a):
        record = load(db, world, record_id)
        for cause_id in (None, "", "99999", "x"):
            with pytest.raises(ValidationError) as refused:
                plans.add_measure(db, record, cause_id=cause_id, user=world.admin_a, **MEASURE)
            assert refused.value.field == "cause"
        db.rollback()
        assert db.scalars(select(plans.PlanMeasure)).all() == []


def test_a_cause_of_another_plan_is_refused(db, world, acting, plan):
    record_id, _picture = plan
    with acting(world.a, world.admin_a):
        other = make_plan(db, world.admin_a)
        cause = plans.causes_of(db, load(db, world, record_id))[0]
        with pytest.raises(ValidationError):
            plans.add_measure(db, other, cause_id=cause.id, user=world.admin_a, **MEASURE)


@pytest.mark.parametrize("number", [0, 3, None])
def test_a_problem_that_does_not_exist_is_refused(db, world, acting, plan, number):
    record_id, picture_id = plan
    with acting(world.a, world.admin_a):
        record = load(db, world, record_id)
        with pytest.raises(ValidationError) as refused:
            plans.add_cause(
                db,
                record,
                description="X",
                picture_id=picture_id,
                problem_number=number,
                user=world.admin_a,
            )
        assert refused.value.field == "problem_number"
        db.rollback()
        assert len(plans.causes_of(db, record)) == 1


def test_a_picture_the_owner_cannot_read_is_refused(db, world, acting, plan):
    record_id, _picture = plan
    with acting(world.c, world.admin_c):
        hidden = make_picture(db, world.c, world.admin_c)
        db.commit()
    with acting(world.a, world.admin_a):
        record = load(db, world, record_id)
        with pytest.raises(ValidationError) as refused:
            plans.add_cause(
                db,
                record,
                description="X",
                picture_id=hidden.id,
                problem_number=1,
                user=world.admin_a,
            )
        assert refused.value.field == "picture"


def test_a_cause_without_measures_is_flagged(ctx, db, world, acting, plan):
    record_id, _picture = plan
    with acting(world.a, world.admin_a):
        record = load(db, world, record_id)
        second = plans.add_cause(
            db, record, description="Ungdomar saknar fritid", user=world.admin_a
        )
        plans.add_measure(
            db, record, cause_id=plans.causes_of(db, record)[0].id, user=world.admin_a, **MEASURE
        )
        db.commit()
        assert [c.id for c in plans.causes_without_measures(db, record)] == [second.id]
        assert [v.flagged for v in plans.plan_view(db, record, world.a)] == [False, True]
        assert second.number == 2
        empty = make_plan(db, world.admin_a)
        three = make_plan(db, world.admin_a)
        for n in range(3):
            plans.add_cause(db, three, description=f"Orsak {n}", user=world.admin_a)
        db.commit()
        listed = plans.visible_plans(db, viewer_tenant=world.a, user=world.admin_a, via=None)
        assert {r.id for r in listed} == {record.id, empty.id, three.id}
        from querykit import counted

        with counted(ctx) as statements:
            counts = plans.flagged_counts(db, listed)
        assert counts == {record.id: 1, empty.id: 0, three.id: 3}
        assert len(statements) == 1  # one query for the whole list


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"title": " "}, "title"),
        ({"due_on": "30/9"}, "due_on"),
        ({"start_on": "2026-10-01"}, "due_on"),
        ({"due_on": None, "period": None}, "due_on"),
        ({"effort": "sometimes"}, "effort"),
        ({"hours": "many"}, "hours"),
        ({"responsible_tenant": "nowhere"}, "responsible_tenant"),
    ],
)
def test_bad_measures_are_refused(db, world, acting, plan, given, field):
    record_id, _picture = plan
    with acting(world.a, world.admin_a):
        record = load(db, world, record_id)
        cause = plans.causes_of(db, record)[0]
        with pytest.raises(ValidationError) as refused:
            plans.add_measure(
                db, record, cause_id=cause.id, user=world.admin_a, **(MEASURE | given)
            )
        assert refused.value.field == field


def test_a_follow_up_in_the_future_or_of_unknown_status_is_refused(db, world, acting, plan):
    record_id, _picture = plan
    with acting(world.a, world.admin_a):
        record = load(db, world, record_id)
        cause = plans.causes_of(db, record)[0]
        measure = plans.add_measure(db, record, cause_id=cause.id, user=world.admin_a, **MEASURE)
        with pytest.raises(ValidationError):
            plans.follow_up(db, record, measure, status="blue", user=world.admin_a)
        with pytest.raises(ValidationError):
            plans.follow_up(
                db,
                record,
                measure,
                status="red",
                followed_up_on=plans.today() + timedelta(days=3),
                user=world.admin_a,
            )


def test_a_receiver_reads_but_cannot_write_and_outsiders_see_nothing(db, world, acting, plan):
    record_id, _picture = plan
    with acting(world.a, world.admin_a):
        record = load(db, world, record_id)
        cause = plans.causes_of(db, record)[0]
        plans.add_measure(db, record, cause_id=cause.id, user=world.admin_a, **MEASURE)
        db.commit()
    with acting(world.b, world.admin_b):
        record = load(db, world, record_id, world.admin_b, world.b)
        [view] = plans.plan_view(db, record, world.b)
        assert view.measures[0].measure.title == MEASURE["title"]
        with pytest.raises(Forbidden):
            plans.add_cause(db, record, description="X", user=world.admin_b)
        db.rollback()
    with acting(world.c, world.admin_c):
        for model in (plans.PlanCause, plans.PlanMeasure, plans.PlanFollowUp):
            assert db.scalars(select(model)).all() == []


@pytest.mark.postgresql_only
def test_rls_agrees(db, world, acting, plan, app_sql):
    record_id, _picture = plan
    with acting(world.a, world.admin_a):
        record = load(db, world, record_id)
        cause = plans.causes_of(db, record)[0]
        measure = plans.add_measure(db, record, cause_id=cause.id, user=world.admin_a, **MEASURE)
        plans.follow_up(db, record, measure, status="green", user=world.admin_a)
        db.commit()
    for table in ("plan_causes", "plan_measures", "plan_follow_ups"):
        assert len(app_sql((world.a.id,), f"SELECT id FROM {table}")) == 1
        assert len(app_sql((world.b.id,), f"SELECT id FROM {table}")) == 1
        assert app_sql((world.c.id,), f"SELECT id FROM {table}") == []


def test_indicators_come_from_the_plugin_hook(db, world, acting, plan, with_plugins):
    record_id, _picture = plan
    with acting(world.a, world.admin_a):
        record = load(db, world, record_id)
        cause = plans.causes_of(db, record)[0]
        measure = plans.add_measure(db, record, cause_id=cause.id, user=world.admin_a, **MEASURE)
        assert plans.measure_summaries(db, world.a, measure) == []
        db.commit()
    with_plugins(world.a, "testplugin")
    with acting(world.a, world.admin_a):
        found = plans.measure_summaries(db, world.a, measure)
    assert found == [{"label": "Test indicator", "value": measure.id}]


def test_plan_dates_are_dates(db, world, acting, plan):
    record_id, _picture = plan
    with acting(world.a, world.admin_a):
        record = load(db, world, record_id)
        cause = plans.causes_of(db, record)[0]
        measure = plans.add_measure(
            db,
            record,
            cause_id=cause.id,
            user=world.admin_a,
            **(MEASURE | {"start_on": "2026-02-01"}),
        )
        assert measure.start_on == date(2026, 2, 1) and measure.due_on == date(2026, 9, 30)
