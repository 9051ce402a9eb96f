"""Indicators: 10^6 values aggregated to consortium level, against a hand-written SQL
``GROUP BY`` in the same run; and import throughput (rows/s) through the plugin's checks.

    source /tmp/svc-<name>/env   # bin/services: SAMVERKA_TEST_POSTGRES_URL
    .venv/bin/python bench/indicators.py [--tenants 200] [--backend both]
        [--periods 2500] [--rounds 7] [--import-periods N]   (smaller: a smoke run)

For each backend it migrates a throwaway database (core + the installed indicators plugin),
creates ``--tenants`` municipalities in one consortium with the plugin enabled, two shared
data elements (reported crimes, population) and the indicator "crimes per 100 000", and
loads 2 elements x 2 500 periods (years, quarters, months 1950-2099) per tenant as the table
owner (200 tenants: 10^6 values). Then, interleaved 7 times (medians), it times
``services.consortium_totals`` (the plugin: per period, each element summed over the
members complete in the period, then the expressions) against two hand-written queries run
by the same session, in the same scope (PostgreSQL: the RLS-bound app role): "SQL", one
``SELECT period, SUM(CASE …) … GROUP BY period`` (no completeness: the target is plugin/SQL
<= 1.5), and "2-level", the plugin's semantics (``GROUP BY tenant, period HAVING COUNT(*)
= 2``, then per period; its totals must equal the plugin's). Then again after 600 of the
2 500 periods lost one member's population ("holes": the plugin's second query).
Import: a CSV of 15 300 rows (2 elements x 2 550 periods x T/K/M) for one tenant through
``imports.read_table``, ``check_rows`` and ``store``, then a re-run (all unchanged).

Results (2026-12-02, 5 runs on a 2-core VM shared with other jobs, load 2-7; runs 1-3
before the last Python tweaks; ratio = plugin / baseline, ranges over the runs):

    backend     data      plugin s   / SQL             / 2-level
    sqlite      complete  0.29-0.70  0.53-0.77         0.33-0.41
    sqlite      holes     0.54-1.24  1.03-1.41         0.62-0.72
    postgresql  complete  0.39-1.46  1.17-1.63 (2.09)  0.42-0.59   (2.09: run 2, load 7)
    postgresql  holes     0.83-3.74  2.50-3.66         0.90-1.18
    final code (runs 4, 5): sqlite 0.71, 0.61; postgresql 1.17, 1.51. Before (one
    two-level query): sqlite 1.96-2.0, postgresql 2.7-5.1.
    Merged code, quiet machine (3 runs): sqlite complete 0.72-0.83, holes 1.08-1.21;
    postgresql complete 1.49-1.88 (÷ 2-level 0.39-0.53), holes 2.52-3.97 (÷ 2-level
    0.74-0.98); import rows/s sqlite 2 800-3 600 (re-run 4 400-6 000), postgresql
    1 050-1 250 (re-run 2 600-3 200).

PostgreSQL: the query itself is ~10-20 % over the SQL's (GROUP BY element, period and the
scope's second list of tenant ids); the rest is the plugin's lookups (two of the members,
~15 ms each) and Python per period. SQLite: the covering index (migration 3c7a9d2e5b14)
serves the plugin's GROUP BY, not the SQL's (it filters no element), so the SQL sorts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))


COUNTIES = ["17", "14", "20", "01", "03"]  # codes must start with a county's (<= 500)
ROUNDS = 7
PERIODS = 2500  # per tenant and element


def periods() -> list[str]:
    years = [str(y) for y in range(1950, 2100)]
    return (
        years
        + [f"{y}Q{q}" for y in years for q in range(1, 5)]
        + [f"{y}{m:02d}" for y in years for m in range(1, 13)]
    )


def build(backend: str, folder: Path, tenants: int):
    from samverka.app import create_app
    from samverka.bootstrap import build_host
    from samverka.config import Settings
    from samverka.testing import databases

    host = build_host()
    name = f"samverka_bench_indicators_{os.getpid()}"
    database = (
        databases.sqlite_database(folder, host)
        if backend == "sqlite"
        else databases.postgresql_database(name, host)
    )
    settings = Settings(
        instance_path=folder / "instance",
        env="testing",
        database_url=database.app_url,
        database_owner_url=database.owner_url,
        log_level="WARNING",
        secret_key="bench-secret-key-that-is-long-enough-0123456789",
    ).with_defaults()
    app = create_app(settings)

    def cleanup() -> None:
        app.extensions["samverka"].engine.dispose()
        if backend == "postgresql":
            databases.drop_postgresql_database(name)

    return app, database, cleanup


def seed(app, database, count: int, period_count: int = PERIODS):
    from samverka_indicators import services
    from samverka_indicators.models import DataValue
    from sqlalchemy import insert, text

    from samverka.db import TenantScope, make_engine, scoped
    from samverka.plugins import services as plugins
    from samverka.tenancy import services as tenancy

    host = app.extensions["samverka"].host
    session = app.extensions["samverka"].sessions()
    with app.test_request_context():
        consortium = tenancy.create_consortium(session, "bench", "Bench", "17")
        plugins.allow_plugin(session, host, "indicators", consortium)
        made = []
        for n in range(count):
            tenant = tenancy.create_tenant(
                session,
                f"t{n}",
                f"Kommun {n:03d}",
                "municipality",
                f"{COUNTIES[n // 100]}{n % 100:02d}",
                10_000,
                [consortium],
            )
            with scoped(session, TenantScope.for_tenant(tenant.id)):
                plugins.enable_plugin(session, host, tenant, "indicators")
            made.append(tenant)
        session.commit()
        first = made[0]
        with scoped(session, TenantScope.for_tenant(first.id)):
            crimes = services.define_element(session, first, "crimes", "Brott", shared=True)
            people = services.define_element(
                session, first, "people", "Folkmängd", aggregation="last", shared=True
            )
            services.define_indicator(
                session,
                first,
                "rate",
                "Brott per 100 000",
                "#{crimes}",
                "#{people}",
                factor=100_000,
                shared=True,
            )
            session.commit()
        ids = [t.id for t in made]
        element_ids = (crimes.id, people.id)
    owner = make_engine(database.owner_url)
    all_periods = periods()[:period_count]
    started = time.perf_counter()
    with owner.begin() as conn:
        if owner.dialect.name == "postgresql":  # row-level security binds the owner too
            conn.execute(
                text("SELECT set_config('samverka.tenant_ids', :t, true)"),
                {"t": ",".join(map(str, ids))},
            )
        for n, tenant_id in enumerate(ids):
            rows = [
                {
                    "tenant_id": tenant_id,
                    "element_id": e,
                    "period": p,
                    "gender": "T",
                    "value": float((n + i) % 50 if e == element_ids[0] else 10_000 + n),
                    "status": "final",
                }
                for e in element_ids
                for i, p in enumerate(all_periods)
            ]
            conn.execute(insert(DataValue), rows)
    with owner.begin() as conn:  # what autovacuum does after a bulk load: without statistics
        # PostgreSQL guessed 1 row, scanned by element_id and ran the row-level security
        # predicate (current_setting parsed into an array) as a filter on every row
        conn.execute(text("ANALYZE indicators_values"))
    owner.dispose()
    loaded = len(ids) * 2 * len(all_periods)
    print(f"  loaded {loaded} values in {time.perf_counter() - started:.1f} s")
    return session, first, ids, element_ids


BASELINE = (
    "SELECT period, SUM(CASE WHEN element_id = :a THEN value END),"
    " SUM(CASE WHEN element_id = :b THEN value END) FROM indicators_values"
    " WHERE gender = 'T' AND status IN ('preliminary', 'final') AND value IS NOT NULL"
    " GROUP BY period"
)
# the plugin's semantics by hand: per tenant and period, only tenants with both elements
TWO_LEVEL = (
    "SELECT period, SUM(e0), SUM(e1) FROM (SELECT tenant_id, period,"
    " SUM(CASE WHEN element_id = :a THEN value END) AS e0,"
    " SUM(CASE WHEN element_id = :b THEN value END) AS e1 FROM indicators_values"
    " WHERE element_id IN (:a, :b) AND gender = 'T' AND status IN ('preliminary', 'final')"
    " AND value IS NOT NULL GROUP BY tenant_id, period HAVING COUNT(*) = 2) AS per_tenant"
    " GROUP BY period"
)


def measure(app, session, first, ids, element_ids, rounds: int = ROUNDS):
    """Medians of ``rounds`` interleaved runs: (plugin, one-level SQL, two-level SQL)."""
    from samverka_indicators import services
    from sqlalchemy import text

    from samverka.toolkit import consortium_read_scope

    times: dict[str, list[float]] = {"plugin": [], "sql": [], "two_level": []}
    params = {"a": element_ids[0], "b": element_ids[1]}
    with app.test_request_context():
        indicator = next(i for i in services.visible_indicators(session, first) if i.code == "rate")
        for _ in range(rounds):
            started = time.perf_counter()
            cells = services.consortium_totals(session, first, indicator, ids)
            times["plugin"].append(time.perf_counter() - started)
            session.rollback()
            for name, sql in (("sql", BASELINE), ("two_level", TWO_LEVEL)):
                with consortium_read_scope(session, first, "indicators"):  # not timed
                    started = time.perf_counter()
                    rows = session.execute(text(sql), params).all()
                    times[name].append(time.perf_counter() - started)
                session.rollback()
                if name == "two_level":
                    check(cells, rows)
        started = time.perf_counter()
        services.visible_elements(session, first)
        lookup = time.perf_counter() - started
        session.rollback()
        print(f"  of which the definitions' lookup (members, enablement): {lookup:.3f} s")
    return tuple(statistics.median(times[name]) for name in ("plugin", "sql", "two_level"))


def check(cells, rows) -> None:
    """The plugin's totals equal the hand-written two-level query's, period by period."""
    expected = {period: (crimes, people) for period, crimes, people in rows}
    found = {p: (c.numerator, c.denominator) for p, c in cells.items()}
    assert found == expected, sorted(set(found.items()) ^ set(expected.items()))[:3]


def punch_holes(database, first_id: int, people_id: int) -> int:
    """The first tenant's population goes missing in every quarter (600 of 2 500 periods):
    those periods are incomplete, the plugin's per-member query has to settle them."""
    from sqlalchemy import text

    from samverka.db import make_engine

    owner = make_engine(database.owner_url)
    with owner.begin() as conn:
        if owner.dialect.name == "postgresql":
            conn.execute(
                text("SELECT set_config('samverka.tenant_ids', :t, true)"), {"t": str(first_id)}
            )
        changed = conn.execute(
            text(
                "UPDATE indicators_values SET value = NULL, status = 'missing'"
                " WHERE tenant_id = :t AND element_id = :e AND period LIKE '%Q%'"
            ),
            {"t": first_id, "e": people_id},
        ).rowcount
    with owner.begin() as conn:
        conn.execute(text("ANALYZE indicators_values"))
    owner.dispose()
    return changed


def import_rate(app, session, first, period_count: int | None = None) -> tuple[int, float, float]:
    from samverka_indicators import imports

    from samverka.db import TenantScope, scoped

    lines = ["municipality;element;period;gender;value"] + [
        f"{first.municipality_code};{e};{p};{g};{n % 97}"
        for n, (e, p, g) in enumerate(
            (e, p, g) for e in ("crimes", "people") for p in periods()[:period_count] for g in "TKM"
        )
    ]
    content = ("\n".join(lines) + "\n").encode()
    times = []
    with app.test_request_context(), scoped(session, TenantScope.for_tenant(first.id)):
        for _ in range(2):  # the second run finds every row unchanged
            started = time.perf_counter()
            checked = imports.check_rows(session, first, imports.read_table("csv", content))
            assert not checked.errors, checked.errors[:3]
            with scoped(session, TenantScope.for_tenant(first.id)):
                imports.store(session, first.id, checked)
            session.commit()
            times.append(time.perf_counter() - started)
    rows = len(lines) - 1
    return rows, rows / times[0], rows / times[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument(
        "--periods", type=int, default=PERIODS, help="periods per tenant and element"
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="timed runs (median)")
    parser.add_argument(
        "--import-periods", type=int, help="periods in the import CSV (default: all 2 550)"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = []
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="samverka-bench-indicators.") as folder:
            print(f"{backend}:")
            app, database, cleanup = build(backend, Path(folder), args.tenants)
            try:
                session, first, ids, element_ids = seed(app, database, args.tenants, args.periods)
                complete = measure(app, session, first, ids, element_ids, args.rounds)
                holes = punch_holes(database, first.id, element_ids[1])
                print(f"  {holes} values of tenant {first.id} set missing")
                incomplete = measure(app, session, first, ids, element_ids, args.rounds)
                rows, first_rate, rerun_rate = import_rate(app, session, first, args.import_periods)
                results.append((backend, "complete", *complete, rows, first_rate, rerun_rate))
                results.append((backend, "holes", *incomplete, None, None, None))
                session.close()
            finally:
                cleanup()
    print()
    print(
        f"{'backend':<11}{'data':<9}{'plugin s':>9}{'SQL s':>7}{'ratio':>6}{'2-level s':>10}"
        f"{'ratio':>6}{'import rows':>12}{'rows/s':>8}{'re-run rows/s':>14}"
    )
    for backend, data, plugin, sql, two_level, rows, first_rate, rerun_rate in results:
        line = (
            f"{backend:<11}{data:<9}{plugin:>9.3f}{sql:>7.3f}{plugin / sql:>6.2f}"
            f"{two_level:>10.3f}{plugin / two_level:>6.2f}"
        )
        if rows is not None:
            line += f"{rows:>12}{first_rate:>8.0f}{rerun_rate:>14.0f}"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
