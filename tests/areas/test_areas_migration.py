"""The revision that brings the register: from the previous head, the free-text places of
existing report lines become areas (kind "other") of the round's tenant, once per distinct
name (case and spacing ignored), and the lines and compiled figures get their area ids."""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import text

from samverka import migrate
from samverka.db import make_engine

PREVIOUS = "9c2f4b6e1a37"
NOW = "2026-03-01 10:00:00"


@pytest.fixture
def core(app):
    host = app.extensions["samverka"].host
    return next(h for h in migrate.histories(host) if h.owner == migrate.CORE)


def run(engine, core, target: str) -> None:
    with engine.begin() as connection:
        command.upgrade(migrate.alembic_config(core, connection), target)


def insert(connection, table: str, **values) -> None:
    names = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)


def lines(*places: str) -> str:
    return json.dumps(
        [{"category": "vandalism", "count": 2, "area": place} for place in places]
        + [{"category": "graffiti", "count": 1, "area": ""}]
    )


def test_free_text_areas_become_register_entries(tmp_path, core):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        run(engine, core, PREVIOUS)
        with engine.begin() as c:
            for tenant_id, slug in ((1, "sunne"), (2, "torsby")):
                insert(
                    c,
                    "tenants",
                    id=tenant_id,
                    slug=slug,
                    name=slug,
                    kind="municipality",
                    created_at=NOW,
                )
            insert(
                c,
                "reporting_rounds",
                id=1,
                tenant_id=1,
                title="Mars",
                cadence="monthly",
                period_start="2026-03-01",
                period_end="2026-03-31",
                deadline="2026-04-05",
                status="closed",
                categories="[]",
                created_at=NOW,
            )
            for unit_id, reporter in ((1, 1), (2, 2)):
                insert(
                    c,
                    "round_units",
                    id=unit_id,
                    round_id=1,
                    unit_name=f"u{unit_id}",
                    reporter_tenant_id=reporter,
                    tenant_id=1,
                )
            # Sunne's own unit, and Torsby reporting as a partner in Sunne's round
            insert(
                c,
                "round_reports",
                id=1,
                round_unit_id=1,
                round_id=1,
                round_tenant_id=1,
                tenant_id=1,
                lines=lines("Centrum", "Lysvik"),
                late=False,
                submitted_at=NOW,
            )
            insert(
                c,
                "round_reports",
                id=2,
                round_unit_id=2,
                round_id=1,
                round_tenant_id=1,
                tenant_id=2,
                lines=lines(" centrum ", "Rottneros"),
                late=False,
                submitted_at=NOW,
            )
            insert(
                c,
                "records",
                id=1,
                tenant_id=1,
                type_name="core.situation_picture",
                title="Lägesbild",
                classification="internal",
                data="{}",
                version=1,
                created_at=NOW,
                updated_at=NOW,
            )
            for figure_id, area in ((1, "Centrum"), (2, "Lysvik"), (3, "")):
                insert(
                    c,
                    "picture_figures",
                    id=figure_id,
                    record_id=1,
                    tenant_id=1,
                    period_start="2026-03-01",
                    period_end="2026-03-31",
                    category="vandalism",
                    area=area,
                    count=4,
                )
        run(engine, core, "head")
        with engine.connect() as c:
            found = c.execute(text("SELECT id, tenant_id, name, kind FROM areas ORDER BY id")).all()
            assert [(t, n, k) for _i, t, n, k in found] == [
                (1, "Centrum", "other"),
                (1, "Lysvik", "other"),
                (1, "Rottneros", "other"),
            ]
            ids = {name: area_id for area_id, _t, name, _k in found}
            reported = {
                rid: json.loads(raw)
                for rid, raw in c.execute(text("SELECT id, lines FROM round_reports"))
            }
            assert [line.get("area_id") for line in reported[1]] == [
                ids["Centrum"],
                ids["Lysvik"],
                None,
            ]
            assert [line.get("area_id") for line in reported[2]] == [
                ids["Centrum"],
                ids["Rottneros"],
                None,
            ]
            figures = dict(c.execute(text("SELECT id, area_id FROM picture_figures")).all())
            assert figures == {1: ids["Centrum"], 2: ids["Lysvik"], 3: None}
    finally:
        engine.dispose()
