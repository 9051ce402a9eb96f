"""The issue's cycle up to the decided picture (the action plan is another helper's): open
a round → three units report, one of them late → compile by the job → decide; the picture
says who reported and counts the late report, and the evidence shows it decided."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from samverka.jobs import runner
from samverka.records.models import Record
from samverka.workflows import pictures, rounds
from samverka.workflows.decisions import record_decision
from samverka.workflows.rounds_models import RoundUnit


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
        assert "- Graffiti: 9" in picture.data["mapping"]
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
