"""The issue's whole cycle: open a round → three units report, one of them late → compile
by the job → decide → an action plan whose cause is linked to the picture's problem → a
follow-up turns its measure red → the coordinator's overview shows it, and the compliance
evidence holds the decided picture and the plan."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from samverka.jobs import runner
from samverka.records import services
from samverka.records.models import Record
from samverka.runtime import runtime
from samverka.workflows.action_plans import services as action_plans
from samverka.workflows.cycle_types import ACTION_PLAN_TYPE
from samverka.workflows.decisions import record_decision
from samverka.workflows.pictures import services as pictures
from samverka.workflows.rounds import services as rounds
from samverka.workflows.rounds.models import RoundUnit


def test_open_report_late_compile_decide(app, ctx, db, world, acting, frozen_clock):
    with acting(world.a, world.admin_a):
        units = rounds.ensure_default_units(db, world.a, user=world.admin_a)
        round_ = rounds.open_round(
            db,
            world.a,
            unit_ids=[u.id for u in units[:3]],
            period_start=rounds.today().replace(day=1),
            deadline=rounds.today() + timedelta(days=1),
            user=world.admin_a,
        )
        db.commit()
        round_id = round_.id
        unit_ids = db.scalars(
            select(RoundUnit.id).where(RoundUnit.round_id == round_id).order_by(RoundUnit.id)
        ).all()
    for n, unit_id in enumerate(unit_ids):
        if n == 2:
            frozen_clock.advance(days=3)  # the third unit reports after the deadline
        with acting(world.a, world.contributor_a):
            rounds.submit_report(
                db,
                db.get(RoundUnit, unit_id),
                lines=[{"category": "graffiti", "count": 2 + n, "area": "Centrum"}],
                user=world.contributor_a,
            )
            db.commit()
    with acting(world.a, world.admin_a):
        job = pictures.request_compile(db, rounds.get_round(db, round_id), user=world.admin_a)
        db.commit()
        job_id = job.id
    runner.use_app(app)
    try:
        assert runner.run_outbox(job_id, world.a.id, 1) == "done"
    finally:
        runner.use_app(None)
    with acting(world.a, world.admin_a):
        round_ = rounds.get_round(db, round_id)
        picture = db.get(Record, round_.picture_record_id)
        assert "3 of 3 units reported" in picture.data["mapping"]
        assert "(1 late, counted)" in picture.data["mapping"]
        assert "most of them Graffiti (9)" in picture.data["mapping"]  # the summary
        record_decision(
            db,
            picture,
            body="Kommunstyrelsen",
            decided_on=rounds.today(),
            minute_paragraph="§ 7",
            user=world.admin_a,
        )
        db.commit()
        evidence = pictures.evidence(db, world.a)[0]
        assert evidence["met"] and evidence["as_of"] == rounds.today()
    plan_id, picture_id = _plan_against_the_picture(db, world, acting, picture.id)
    with acting(world.a, world.admin_a):
        core = runtime().host.hooks_for(())
        items = [
            item
            for found in core.cycle_overview_items(session=db, tenant=world.a, user=world.admin_a)
            for item in found
        ]
        red = [i for i in items if i["kind"] == "red_measure"]
        assert [(i["title"], i["status"]) for i in red] == [("Nattvandring i centrum", "red")]
        evidence = core.compliance_evidence(session=db, tenant=world.a)
        duties = {e["duty"]: e for found in evidence for e in found}
        assert duties["situation_picture"]["met"]
        assert duties["follow_up"]["met"]
        plan = db.get(Record, plan_id)
        (cause,) = action_plans.causes_of(db, plan)
        assert (cause.picture_id, cause.problem_number) == (picture_id, 1)
        assert cause.problem_text == "Klotter i centrum"
        assert action_plans.causes_without_measures(db, plan) == []


def _plan_against_the_picture(db, world, acting, picture_id):
    """The coordinator names the picture's problem, then plans a measure against it and
    follows it up as red."""
    with acting(world.a, world.admin_a):
        picture = db.get(Record, picture_id)
        services.update_record(
            db,
            picture,
            data={"problems": "Klotter i centrum\nOtrygghet vid stationen"},
            user=world.admin_a,
        )
        plan = services.create_record(
            db,
            record_type=ACTION_PLAN_TYPE,
            title="Åtgärdsplan",
            data={"title": "Åtgärdsplan", "valid_from": rounds.today().isoformat()},
            user=world.admin_a,
        )
        cause = action_plans.add_cause(
            db,
            plan,
            description="Ungdomar saknar vuxennärvaro kvällstid",
            picture_id=picture.id,
            problem_number=1,
            user=world.admin_a,
        )
        measure = action_plans.add_measure(
            db,
            plan,
            cause_id=cause.id,
            title="Nattvandring i centrum",
            operational_goal="Vuxna ute fredag och lördag kväll",
            due_on=(rounds.today() + timedelta(days=60)).isoformat(),
            user=world.admin_a,
        )
        action_plans.follow_up(
            db, plan, measure, status="red", comment="Inga vandrare anmälda", user=world.admin_a
        )
        db.commit()
        return plan.id, picture.id
