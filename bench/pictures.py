"""The consortium picture of a Göteborgsregionen-sized consortium against one hand-written
SQL aggregation over the same rows, in the same run.

    source /tmp/svc-<name>/env   # bin/services: SAMVERKA_TEST_POSTGRES_URL
    .venv/bin/python bench/pictures.py [--members 13] [--units 40] [--months 12] [--backend both]

For each backend (SQLite file; PostgreSQL from ``bin/services`` as the RLS-bound app role)
it migrates a throwaway database, makes ``--members`` municipalities in one consortium, each
with ``--units`` reporting units and ``--months`` monthly rounds in which every unit reports
a few lines (category, area, weekday, time of day, trend; inserted in bulk), compiles each
municipality's picture per month through the service (``compile_picture``: text, figures,
audit) and shares it with the consortium. Then, in one member's scope, it times:

* **service**: ``pictures.consortium_table`` (the ORM query over ``picture_figures`` with the
  tenant scoping and share criteria, plus small-count suppression), the part of
  ``compile_consortium_picture`` that grows with the consortium;
* **sql**: one hand-written ``SELECT … GROUP BY`` over the same ``picture_figures`` rows of
  the pictures shared with the consortium (same session, same scope, RLS on PostgreSQL);

interleaved, median of ``--repeat`` runs each, and prints the ratio service/sql (target ≤ 2).

It also times, in the first member's scope on its last round, **compiling** a picture
(issue 16): today's ``compile_picture`` (summary, three kinds of figures) followed by every
breakdown the charts draw from (``figures.picture_figures``: by category, 12 months,
weekday × time of day, by area, comparison) against the compile as it was before
issue 16 (``pictures_before.py``: text lists, category × area figures), interleaved, each
rolled back, median of ``--repeat``; and the consortium's ``member_breakdown``. It prints
the ratio new/old (issue 16's target for compile and charts: ≤ 1.5; the charts' rendering
is timed where the chart service is wired in).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

PASSWORD = "bench password that is long enough"
AREAS = ["Centrum", "Stationen", "Skolområdet", "Hamnen", "Norr", "Söder", "Väster", "Öster"]
SQL = """
SELECT t.name, f.category, SUM(f.count)
FROM picture_figures f
JOIN tenants t ON t.id = f.tenant_id
JOIN records r ON r.id = f.record_id
WHERE f.record_id IN (
    SELECT s.record_id FROM record_shares s
    WHERE s.consortium_id = :consortium AND s.revoked_at IS NULL)
  AND f.dimension = 'area'
  AND f.period_start >= :start AND f.period_end <= :end AND r.deleted_at IS NULL
GROUP BY t.name, f.category
"""


def build(backend: str, folder: Path, members: int, units: int, months: int):
    """The consortium with its members' shared pictures; returns (app, ids, cleanup)."""
    from samverka.app import create_app
    from samverka.bootstrap import build_host
    from samverka.config import Settings
    from samverka.testing import databases

    host = build_host()
    name = f"samverka_bench_pictures_{os.getpid()}"
    if backend == "sqlite":
        database = databases.sqlite_database(folder, host)
    else:
        database = databases.postgresql_database(name, host)
    settings = Settings(
        instance_path=folder / "instance",
        env="testing",
        database_url=database.app_url,
        database_owner_url=database.owner_url,
        secret_key="bench-secret-key-that-is-long-enough-0123456789",
        log_level="WARNING",
    ).with_defaults()
    app = create_app(settings)
    session = app.extensions["samverka"].sessions()
    with app.test_request_context():
        ids = seed(app, session, members, units, months)
    session.close()

    def cleanup() -> None:
        app.extensions["samverka"].engine.dispose()
        if backend == "postgresql":
            databases.drop_postgresql_database(name)

    return app, ids, cleanup


def seed(app, db, members: int, units: int, months: int) -> dict:
    from samverka.auth import services as accounts
    from samverka.db import TenantScope, scoped
    from samverka.records import services as records
    from samverka.tenancy import services as tenancy
    from samverka.workflows.pictures import services as pictures
    from samverka.workflows.rounds import services as rounds
    from samverka.workflows.rounds.models import RoundReport, RoundUnit

    registry = app.extensions["samverka"].registry
    rng = random.Random(5)
    group = tenancy.create_consortium(db, "gr", "Göteborgsregionen", "14")
    coordinator = accounts.create_user(db, "samordnare@gr.bench", "Samordnare", PASSWORD)
    categories = [k for k, _label in rounds.EST_CATEGORIES]
    tenants = []
    first_rounds = []  # each member's last round (the first member's is timed)
    for m in range(members):
        tenant = tenancy.create_tenant(
            db, f"kommun{m}", f"Kommun {m:02d}", "municipality", f"14{m:02d}", 50000, [group]
        )
        tenants.append(tenant)
        with scoped(db, TenantScope.for_tenant(tenant.id, coordinator.id)):
            accounts.add_member(db, registry, coordinator, tenant, "coordinator")
            made = [
                rounds.add_unit(db, tenant, name=f"Enhet {u}", user=coordinator)
                for u in range(units)
            ]
            for month in range(1, months + 1):
                round_ = rounds.open_round(
                    db,
                    tenant,
                    unit_ids=[u.id for u in made],
                    period_start=date(2025, month, 1),
                    user=coordinator,
                )
                for unit in db.query(RoundUnit).filter(RoundUnit.round_id == round_.id):
                    db.add(
                        RoundReport(
                            tenant_id=tenant.id,
                            round_unit_id=unit.id,
                            round_id=round_.id,
                            round_tenant_id=tenant.id,
                            lines=[
                                {
                                    "category": rng.choice(categories),
                                    "area": rng.choice(AREAS),
                                    "count": rng.randint(0, 9),
                                    "weekday": rng.choice(rounds.WEEKDAYS)[0],
                                    "time_of_day": rng.choice(rounds.TIMES_OF_DAY)[0],
                                    "trend": rng.choice(rounds.TRENDS)[0],
                                }
                                for _line in range(4)
                            ],
                        )
                    )
                db.flush()
                picture = pictures.compile_picture(db, round_, user=coordinator)
                last = round_.id
                records.share_record(db, picture, consortium=group, user=coordinator)
            first_rounds.append(last)
            db.commit()
    return {
        "consortium": group.id,
        "tenant": tenants[0].id,
        "user": coordinator.id,
        "round": first_rounds[0],
    }


def measure(app, ids: dict, repeat: int) -> dict:
    from sqlalchemy import text

    from samverka.db import TenantScope, scoped
    from samverka.tenants.models import Consortium
    from samverka.workflows.pictures import services as pictures

    start, end = date(2025, 1, 1), date(2025, 12, 31)
    timings: dict[str, list[float]] = {"service": [], "sql": []}
    with app.test_request_context():
        db = app.extensions["samverka"].sessions()
        with scoped(db, TenantScope.for_tenant(ids["tenant"], ids["user"])):
            group = db.get(Consortium, ids["consortium"])
            rows = db.execute(text(SQL), {"consortium": group.id, "start": start, "end": end}).all()
            _columns, shown = pictures.consortium_table(db, group, start, end)
            assert len(rows) == sum(1 for r in shown.values() for v in r.values() if v != "0")
            figures = db.execute(text("SELECT count(*) FROM picture_figures")).scalar()
            for _ in range(repeat):
                t0 = time.perf_counter()
                pictures.consortium_table(db, group, start, end)
                t1 = time.perf_counter()
                db.execute(text(SQL), {"consortium": group.id, "start": start, "end": end}).all()
                t2 = time.perf_counter()
                timings["service"].append((t1 - t0) * 1000)
                timings["sql"].append((t2 - t1) * 1000)
                db.rollback()
            timings |= measure_compile(db, group, ids, start, end, repeat)
        db.close()
    return {
        "service": statistics.median(timings["service"]),
        "sql": statistics.median(timings["sql"]),
        "figures": figures,
        "cells": len(rows),
        "compile": statistics.median(timings["compile"]),
        "compile_before": statistics.median(timings["compile_before"]),
        "members": statistics.median(timings["members"]),
    }


def measure_compile(db, group, ids: dict, start: date, end: date, repeat: int) -> dict:
    """The new compile with every breakdown against the compile before issue 16, and the
    consortium's per-member breakdown (milliseconds per run, each run rolled back)."""
    from pictures_before import compile_picture_before

    from samverka.auth.models import User
    from samverka.tenants.models import Tenant
    from samverka.workflows.pictures import figures as breakdowns
    from samverka.workflows.pictures import services as pictures
    from samverka.workflows.rounds import services as rounds

    out: dict[str, list[float]] = {"compile": [], "compile_before": [], "members": []}
    for _ in range(repeat):
        user, tenant = db.get(User, ids["user"]), db.get(Tenant, ids["tenant"])
        round_ = rounds.get_round(db, ids["round"])
        t0 = time.perf_counter()
        record = pictures.compile_picture(db, round_, user=user)
        breakdowns.picture_figures(db, tenant, record)
        t1 = time.perf_counter()
        db.rollback()
        user, round_ = db.get(User, ids["user"]), rounds.get_round(db, ids["round"])
        t2 = time.perf_counter()
        compile_picture_before(db, round_, user=user)
        t3 = time.perf_counter()
        db.rollback()
        tenant = db.get(Tenant, ids["tenant"])
        t4 = time.perf_counter()
        breakdowns.member_breakdown(db, tenant, group, start, end)
        t5 = time.perf_counter()
        db.rollback()
        out["compile"].append((t1 - t0) * 1000)
        out["compile_before"].append((t3 - t2) * 1000)
        out["members"].append((t5 - t4) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--members", type=int, default=13)
    parser.add_argument("--units", type=int, default=40)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = []
    for backend in backends:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            app, ids, cleanup = build(backend, Path(folder), args.members, args.units, args.months)
            seeded = time.perf_counter() - started
            try:
                result = measure(app, ids, args.repeat)
            finally:
                cleanup()
        per_picture = seeded / (args.members * args.months)
        print(
            f"{backend}: seeded and compiled {args.members * args.months} pictures in "
            f"{seeded:.0f} s ({per_picture * 1000:.0f} ms each, incl. opening the rounds)",
            flush=True,
        )
        results.append((backend, result))
    print(f"{'backend':<11}{'figures':>9}{'cells':>7}{'service ms':>12}{'sql ms':>9}{'ratio':>7}")
    for backend, r in results:
        ratio = r["service"] / r["sql"]
        print(
            f"{backend:<11}{r['figures']:>9}{r['cells']:>7}{r['service']:>12.2f}"
            f"{r['sql']:>9.2f}{ratio:>7.2f}"
        )
    print(f"{'backend':<11}{'compile ms':>12}{'before ms':>11}{'ratio':>7}{'members ms':>12}")
    for backend, r in results:
        ratio = r["compile"] / r["compile_before"]
        print(
            f"{backend:<11}{r['compile']:>12.1f}{r['compile_before']:>11.1f}{ratio:>7.2f}"
            f"{r['members']:>12.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
