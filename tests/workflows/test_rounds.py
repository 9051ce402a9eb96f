"""Reporting rounds: opening (with at least one unit), reports from own units and from an
invited partner tenant, late reports marked and counted, closing refuses further reports,
bad input stores nothing, reminders once per unit and kind, and who reads what (ORM and,
on PostgreSQL, RLS): a report is visible to its author tenant and the round's tenant only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from samverka.errors import Conflict, Forbidden, ValidationError
from samverka.jobs.models import OutboxJob
from samverka.workflows.rounds import services as rounds
from samverka.workflows.rounds.models import ReportingRound, RoundReport, RoundUnit


@pytest.fixture
def units(ctx, db, world, acting):
    """Sunne's (A) units: the defaults plus Torsby (B) invited as a partner ("Polisen")."""
    with acting(world.a, world.admin_a):
        made = rounds.ensure_default_units(db, world.a, user=world.admin_a)
        for unit in made:
            unit.email = f"{unit.kind}@sunne.test"
        police = rounds.add_unit(
            db,
            world.a,
            name="Polisen LPO Sunne",
            kind="police",
            partner=world.b,
            email="lpo@polisen.test",
            user=world.admin_a,
        )
        db.commit()
    return {u.kind: u.id for u in made} | {"partner": police.id}


def open_three(db, world, acting, units, deadline_in=2):
    with acting(world.a, world.admin_a):
        round_ = rounds.open_round(
            db,
            world.a,
            unit_ids=[units["school"], units["social_services"], units["partner"]],
            period_start=rounds.today().replace(day=1),
            deadline=rounds.today() + timedelta(days=deadline_in),
            user=world.admin_a,
        )
        db.commit()
        return round_.id


def unit_row(db, round_id, name):
    return db.scalar(
        select(RoundUnit).where(RoundUnit.round_id == round_id, RoundUnit.unit_name == name)
    )


LINES = [
    {
        "category": "vandalism",
        "count": 3,
        "area": "Centrum",
        "weekday": "fri",
        "time_of_day": "evening",
        "trend": "up",
    },
    {"category": "graffiti", "count": "7", "area": "Stationen", "trend": "unchanged"},
]


def report(db, world, acting, round_id, name, tenant=None, user=None, lines=LINES):
    tenant, user = tenant or world.a, user or world.contributor_a
    with acting(tenant, user):
        round_ = rounds.get_round(db, round_id)
        unit = unit_row(db, round_.id, name)
        made = rounds.submit_report(
            db,
            unit,
            lines=lines,
            observations="Oro kring stationen",
            sources="Skolans logg",
            user=user,
        )
        db.commit()
        return made


def test_a_round_needs_at_least_one_unit(db, world, acting, units):
    with acting(world.a, world.admin_a):
        for given in ([], None, ["x"]):
            with pytest.raises(ValidationError) as refused:
                rounds.open_round(
                    db, world.a, unit_ids=given, period_start="2026-03-01", user=world.admin_a
                )
            assert refused.value.field == "units"
            db.rollback()
        assert db.scalar(select(func.count()).select_from(ReportingRound)) == 0


def test_a_round_covers_its_period_with_a_default_deadline(db, world, acting, units):
    with acting(world.a, world.admin_a):
        monthly = rounds.open_round(
            db, world.a, unit_ids=[units["school"]], period_start="2026-02-11", user=world.admin_a
        )
        weekly = rounds.open_round(
            db,
            world.a,
            unit_ids=[units["school"]],
            period_start="2026-02-09",
            cadence="weekly",
            user=world.admin_a,
        )
        assert (monthly.period_start.isoformat(), monthly.period_end.isoformat()) == (
            "2026-02-01",
            "2026-02-28",
        )
        assert monthly.deadline.isoformat() == "2026-03-07"
        assert weekly.period_end.isoformat() == "2026-02-15"
        with pytest.raises(ValidationError, match="monthly"):
            rounds.open_round(
                db,
                world.a,
                unit_ids=[units["school"]],
                period_start="2026-02-09",
                cadence="yearly",
                user=world.admin_a,
            )


def test_units_report_a_partner_as_itself_and_late_reports_count(
    db, world, acting, units, frozen_clock
):
    round_id = open_three(db, world, acting, units)
    report(db, world, acting, round_id, "School")
    report(db, world, acting, round_id, "Polisen LPO Sunne", tenant=world.b, user=world.admin_b)
    frozen_clock.advance(days=4)
    late = report(db, world, acting, round_id, "Social services")
    assert late.late
    with acting(world.a, world.reader_a):
        status = rounds.round_status(db, rounds.get_round(db, round_id))
        assert [(s.unit.unit_name, s.reported, s.late) for s in status] == [
            ("Polisen LPO Sunne", True, False),
            ("School", True, False),
            ("Social services", True, True),
        ]
        partner_report = next(s.report for s in status if s.unit.unit_name.startswith("Pol"))
        assert partner_report.tenant_id == world.b.id
        assert partner_report.lines[1]["count"] == 7


def test_the_partner_sees_its_own_invitation_only(db, world, acting, units):
    round_id = open_three(db, world, acting, units)
    report(db, world, acting, round_id, "School")
    with acting(world.b, world.admin_b):
        round_ = rounds.get_round(db, round_id)
        assert [u.unit_name for u in rounds.units_in(db, round_)] == ["Polisen LPO Sunne"]
        assert rounds.reports_in(db, round_) == []  # Sunne's school report is not B's
        assert [r.id for r, _u in rounds.invitations_for(db, world.b)] == [round_id]
        with pytest.raises(Forbidden):
            rounds.close_round(db, round_, user=world.admin_b)
        with pytest.raises(Forbidden):  # B cannot report for Sunne's own school
            rounds.submit_report(
                db,
                unit_row(db, round_id, "School") or _school(db, round_id),
                lines=[],
                user=world.admin_b,
            )
    with acting(world.c, world.admin_c):
        assert db.scalars(select(ReportingRound)).all() == []
        assert db.scalars(select(RoundUnit)).all() == []
        assert db.scalars(select(RoundReport)).all() == []


def _school(db, round_id):
    from samverka.db import TenantScope, scoped

    with scoped(db, TenantScope((db.scalar(select(ReportingRound.tenant_id)),))):
        row = unit_row(db, round_id, "School")
    return row


@pytest.mark.postgresql_only
def test_rls_agrees(db, world, acting, units, app_sql):
    round_id = open_three(db, world, acting, units)
    report(db, world, acting, round_id, "School")
    report(db, world, acting, round_id, "Polisen LPO Sunne", tenant=world.b, user=world.admin_b)
    reports = "SELECT tenant_id FROM round_reports ORDER BY tenant_id"
    assert [r.tenant_id for r in app_sql((world.a.id,), reports)] == [world.a.id, world.b.id]
    assert [r.tenant_id for r in app_sql((world.b.id,), reports)] == [world.b.id]
    assert app_sql((world.c.id,), reports) == []
    assert len(app_sql((world.b.id,), "SELECT id FROM reporting_rounds")) == 1
    assert len(app_sql((world.b.id,), "SELECT id FROM round_units")) == 1
    assert app_sql((world.c.id,), "SELECT id FROM reporting_rounds") == []
    # the reader never writes what it reads
    assert app_sql((world.b.id,), "UPDATE reporting_rounds SET status = 'closed'") == 0
    assert app_sql((world.a.id,), "UPDATE round_reports SET late = true") == 1


def test_a_report_after_closing_is_refused_and_nothing_is_lost(db, world, acting, units):
    round_id = open_three(db, world, acting, units)
    first = report(db, world, acting, round_id, "School")
    with acting(world.a, world.admin_a):
        rounds.close_round(db, rounds.get_round(db, round_id), user=world.admin_a)
        db.commit()
    with pytest.raises(Conflict, match="closed"):
        report(db, world, acting, round_id, "School", lines=[{"category": "arson", "count": 1}])
    db.rollback()
    with acting(world.a):
        kept = db.get(RoundReport, first.id)
        assert [line["category"] for line in kept.lines] == ["vandalism", "graffiti"]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"category": "vandalism", "count": -1}, "lines.0.count"),
        ({"category": "vandalism", "count": "tre"}, "lines.0.count"),
        ({"category": "vandalism", "count": 2.5}, "lines.0.count"),
        ({"category": "vandalism", "count": 10**7}, "lines.0.count"),
        ({"category": "nosuch", "count": 1}, "lines.0.category"),
        ({"category": "vandalism", "count": 1, "trend": "sideways"}, "lines.0.trend"),
        ({"category": "vandalism", "count": 1, "weekday": "funday"}, "lines.0.weekday"),
    ],
)
def test_bad_counts_are_refused_and_nothing_is_stored(db, world, acting, units, line, field):
    round_id = open_three(db, world, acting, units)
    with pytest.raises(ValidationError) as refused:
        report(db, world, acting, round_id, "School", lines=[line])
    assert refused.value.field == field
    db.rollback()
    with acting(world.a):
        assert db.scalars(select(RoundReport)).all() == []


def test_reminders_go_once_per_unit_and_kind(db, world, acting, units, frozen_clock):
    round_id = open_three(db, world, acting, units, deadline_in=1)
    report(db, world, acting, round_id, "School")

    def remind() -> list[str]:
        with acting(world.a):
            rounds.send_reminders(db, frozen_clock.moment)
            db.commit()
            jobs = db.scalars(select(OutboxJob).where(OutboxJob.job == "core.send_mail")).all()
            return sorted(json.loads(j.arguments)["to"] for j in jobs)

    assert remind() == ["lpo@polisen.test", "social_services@sunne.test"]
    assert remind() == ["lpo@polisen.test", "social_services@sunne.test"]
    frozen_clock.advance(days=3)
    assert len(remind()) == 4
    assert len(remind()) == 4


class FakeArchive:
    def __init__(self) -> None:
        self.files: dict[str, list] = {}

    def add_jsonl(self, path: str, rows) -> None:
        self.files[path] = list(rows)


def test_the_tenant_archive_holds_its_own_rows(db, world, acting, units):
    round_id = open_three(db, world, acting, units)
    report(db, world, acting, round_id, "Polisen LPO Sunne", tenant=world.b, user=world.admin_b)
    for tenant, expected in ((world.a, (7, 1, 3, 0)), (world.b, (0, 0, 0, 1))):
        archive = FakeArchive()
        with acting(tenant):
            rounds.export_rounds(db, tenant, archive)
        counts = tuple(
            len(archive.files[f"rounds/{name}.jsonl"])
            for name in ("units", "rounds", "round_units", "reports")
        )
        assert counts == expected
