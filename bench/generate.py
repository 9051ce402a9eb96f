"""Benchmark data: 290 municipalities and their partners in 40 consortia, and bench_items.

    python bench/generate.py --owner-url URL --rows 1000000 [--load-url SUPERUSER_URL]
                             [--migrate APP_ROLE]

The directory (40 consortia, 393 tenants, users, memberships, the benchmark plugin offered by
every consortium and enabled in every tenant) is created once per database, as the table
owner, with bulk inserts (tenant-owned rows inside a scope of all tenants); names and codes go
through the core's validators, and the benchmarked reader's membership and the plugin check go
through the core's services. ``bench_items`` is emptied and refilled with ``--rows`` rows
spread over every tenant in random order (so one tenant's rows are scattered over the whole
table, as in a real shared table), then VACUUM ANALYZEd.

Rows are loaded with COPY. PostgreSQL refuses ``COPY FROM`` into a table whose row-level
security applies to the loading role ("COPY FROM not supported with row-level security"), and
RLS is FORCEd even for the owner. So:

* with ``--load-url`` (a superuser or BYPASSRLS role) the rows are COPYed straight in;
* otherwise the owner COPYs into a temporary table (no RLS) and moves the rows with one
  ``INSERT ... SELECT`` while ``samverka.tenant_ids`` lists every tenant (the policy's WITH
  CHECK then passes) — slower, but needs no privileged role.

Prints a JSON summary (the benchmarked tenant, the reader's login, counts and timings).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

import samverka_benchplugin
from samverka.auth import services as accounts
from samverka.auth.models import ConsortiumAdmin, User
from samverka.bootstrap import build_runtime as build_runtime_of
from samverka.config import Settings
from samverka.db import TenantScope, scoped
from samverka.plugins import services as plugins
from samverka.plugins.models import TenantPlugin
from samverka.runtime import Runtime
from samverka.tenancy import services as tenancy
from samverka.tenants.models import Consortium, Membership, Tenant, consortium_tenants

PLUGIN = samverka_benchplugin.NAME
READER_EMAIL = "lasare@bench.samverka.se"
READER_PASSWORD = "bench-lasare-2026"  # throwaway database only
DEFAULT_TENANT = "kommun-1714"
MIN_BENCH_TENANT_ROWS = 3000  # so that the benchmarked tenant's 50-row pages are always full
USERS_PER_TENANT = 3

# SCB county code: (county, number of municipalities in it) — 290 in all, as in Sweden.
COUNTIES = {
    "01": ("Stockholm", 26),
    "03": ("Uppsala", 8),
    "04": ("Södermanland", 9),
    "05": ("Östergötland", 13),
    "06": ("Jönköping", 13),
    "07": ("Kronoberg", 8),
    "08": ("Kalmar", 12),
    "09": ("Gotland", 1),
    "10": ("Blekinge", 5),
    "12": ("Skåne", 33),
    "13": ("Halland", 6),
    "14": ("Västra Götaland", 49),
    "17": ("Värmland", 16),
    "18": ("Örebro", 12),
    "19": ("Västmanland", 10),
    "20": ("Dalarna", 15),
    "21": ("Gävleborg", 10),
    "22": ("Västernorrland", 7),
    "23": ("Jämtland", 8),
    "24": ("Västerbotten", 15),
    "25": ("Norrbotten", 14),
}
MUNICIPALITIES_PER_CONSORTIUM = 7.5  # gives 40 consortia

TOPICS = [
    "Klotter",
    "Skadegörelse",
    "Otrygghet",
    "Langning",
    "Narkotika",
    "Ungdomsbrott",
    "Inbrott",
    "Våld i nära relation",
    "Bedrägerier mot äldre",
    "Våldsbejakande extremism",
    "Alkohol vid evenemang",
    "Trafiksäkerhet",
    "Belysning",
    "Nattvandring",
    "Trygghetsvandring",
]
PLACES = [
    "centrum",
    "resecentrum",
    "skolgården",
    "idrottsplatsen",
    "parken",
    "köpcentret",
    "hamnen",
    "badplatsen",
    "bibliotekets entré",
    "busshållplatsen",
    "fritidsgården",
    "industriområdet",
]
KINDS = ["lägesbild", "åtgärd", "uppföljning", "anmälan", "samråd", "rapport", "insats"]


@dataclass
class Directory:
    tenant_ids: list[int]
    weights: list[float]
    bench_tenant_id: int
    bench_tenant_slug: str
    reader_id: int
    created: bool


def municipality_codes() -> list[tuple[str, str, list[str]]]:
    """(county code, county name, synthetic municipality codes) per county."""
    out = []
    for county, (name, count) in COUNTIES.items():
        step = max(1, 85 // count)
        out.append((county, name, [f"{county}{14 + i * step:02d}" for i in range(count)]))
    return out


def build_runtime(owner_url: str) -> Runtime:
    settings = Settings(
        database_url=owner_url,
        database_owner_url=owner_url,
        secret_key="bench-generator-secret-not-used-for-sessions",
        log_level="WARNING",
    ).with_defaults()
    return build_runtime_of(settings, [(PLUGIN, samverka_benchplugin)], load_entry_points=False)


def ensure_directory(runtime: Runtime, bench_slug: str, seed: int) -> Directory:
    """Create consortia, tenants, users and enablement once; afterwards just read them.

    The reader is made a member of the benchmarked tenant either way (through the services),
    and the plugin's enablement there is checked.
    """
    session = runtime.sessions()
    created = False
    try:
        reader = session.scalar(select(User).where(User.email == READER_EMAIL))
        if reader is None:
            _create_directory(session, runtime.host, seed)
            reader = accounts.create_user(session, READER_EMAIL, "Lars Läsare", READER_PASSWORD)
            created = True
        bench = session.scalar(select(Tenant).where(Tenant.slug == bench_slug))
        if bench is None:
            raise SystemExit(f"no tenant {bench_slug!r} in the benchmark directory")
        with scoped(session, TenantScope.for_tenant(bench.id)):
            accounts.add_member(session, runtime.registry, reader, bench, "reader")
            if PLUGIN not in plugins.enabled_plugins(session, runtime.host, bench):
                raise SystemExit(f"{PLUGIN} is not enabled in {bench_slug}")
        session.commit()
        rows = session.execute(
            select(Tenant.id, Tenant.kind, Tenant.population).order_by(Tenant.id)
        ).all()
        bench_id, reader_id = bench.id, reader.id
    finally:
        session.close()
    # municipalities hold most material, in proportion to their size; partners less
    weights = [
        (row.population or 20000) / 10000 if row.kind == "municipality" else 0.5 for row in rows
    ]
    return Directory([row.id for row in rows], weights, bench_id, bench_slug, reader_id, created)


def directory_plan(seed: int) -> tuple[list[dict], list[dict], dict[str, list[str]]]:
    """Consortia, tenants and each tenant's consortia (by slug), validated like the CLI does."""
    rng = random.Random(seed)
    consortia: list[dict] = []
    tenants: list[dict] = []
    member_of: dict[str, list[str]] = {}

    def tenant(slug, name, kind, groups, code=None, population=None) -> None:
        kind = tenancy.validate_kind(kind)
        tenants.append(
            {
                "slug": tenancy.validate_slug(slug),
                "name": tenancy.validate_name(name),
                "kind": kind,
                "municipality_code": tenancy.validate_municipality_code(kind, code),
                "population": population,
            }
        )
        member_of[slug] = groups

    for county, county_name, codes in municipality_codes():
        n = max(1, round(len(codes) / MUNICIPALITIES_PER_CONSORTIUM))
        slugs = [f"bfs-{county}-{j + 1}" for j in range(n)]
        for j, slug in enumerate(slugs):
            consortia.append(
                {
                    "slug": tenancy.validate_slug(slug),
                    "name": f"Brottsförebyggande samverkan {county_name} {j + 1}",
                    "county_code": tenancy.validate_county_code(county),
                }
            )
        # county-wide partners belong to every consortium in the county
        tenant(f"lansstyrelsen-{county}", f"Länsstyrelsen {county_name}", "county_board", slugs)
        tenant(f"region-{county}", f"Region {county_name}", "region", slugs)
        tenant(f"brottsofferjouren-{county}", f"Brottsofferjouren {county_name}", "ngo", slugs)
        for j, slug in enumerate(slugs):
            tenant(
                f"polisen-lpo-{county}-{j + 1}",
                f"Polisen, lokalpolisområde {county_name} {j + 1}",
                "police",
                [slug],
            )
            for code in codes[j::n]:
                population = int(rng.lognormvariate(9.8, 0.9))
                tenant(f"kommun-{code}", f"Kommun {code}", "municipality", [slug], code, population)
    return consortia, tenants, member_of


def _create_directory(session, host, seed: int) -> None:
    """Bulk inserts (a few statements instead of thousands of ORM round trips)."""
    consortia, tenants, member_of = directory_plan(seed)
    consortium_ids = dict(
        session.execute(
            insert(Consortium).returning(Consortium.slug, Consortium.id), consortia
        ).all()
    )
    tenant_ids = dict(
        session.execute(insert(Tenant).returning(Tenant.slug, Tenant.id), tenants).all()
    )
    session.execute(
        insert(consortium_tenants),
        [
            {"consortium_id": consortium_ids[group], "tenant_id": tenant_ids[slug]}
            for slug, groups in member_of.items()
            for group in groups
        ],
    )
    for consortium in session.scalars(select(Consortium)):
        plugins.allow_plugin(session, host, PLUGIN, consortium)
    # people: a few members per tenant and one administrator per consortium (SSO-only, no
    # password), so that memberships and consortium_admins are not trivially small
    people = [
        {"email": f"person{k}@{slug}.bench.samverka.se", "name": f"Person {k} {slug}"}
        for slug in tenant_ids
        for k in range(USERS_PER_TENANT)
    ] + [
        {"email": f"samordnare@{slug}.bench.samverka.se", "name": f"Admin {slug}"}
        for slug in consortium_ids
    ]
    user_ids = dict(session.execute(insert(User).returning(User.email, User.id), people).all())
    session.execute(
        insert(ConsortiumAdmin),
        [
            {"consortium_id": cid, "user_id": user_ids[f"samordnare@{slug}.bench.samverka.se"]}
            for slug, cid in consortium_ids.items()
        ],
    )
    roles = ("tenant_admin", "coordinator", "contributor", "reader")
    with scoped(session, TenantScope(tuple(tenant_ids.values()))):
        session.execute(
            insert(Membership),
            [
                {
                    "tenant_id": tid,
                    "user_id": user_ids[f"person{k}@{slug}.bench.samverka.se"],
                    "role": roles[k % len(roles)],
                }
                for slug, tid in tenant_ids.items()
                for k in range(USERS_PER_TENANT)
            ],
        )
        session.execute(
            insert(TenantPlugin),
            [
                {"tenant_id": tid, "plugin": PLUGIN, "enabled": True, "config": {}}
                for tid in tenant_ids.values()
            ],
        )


def item_tenants(directory: Directory, rows: int, rng: random.Random) -> list[int]:
    """Which tenant owns each row, in insertion (= id) order, tenants interleaved at random.

    The benchmarked tenant's weight is raised, if need be, so that it expects at least
    ``MIN_BENCH_TENANT_ROWS`` rows (or half of a small table).
    """
    ids, weights = directory.tenant_ids, list(directory.weights)
    bench = ids.index(directory.bench_tenant_id)
    others = sum(weights) - weights[bench]
    wanted = min(MIN_BENCH_TENANT_ROWS, rows // 2)
    if weights[bench] / (weights[bench] + others) * rows < wanted:
        weights[bench] = wanted * others / (rows - wanted)
    return rng.choices(ids, weights, k=rows)


def copy_chunks(owners: list[int], rng: random.Random, chunk: int = 100_000):
    """COPY text format: title, created_at, tenant_id (ids grow with created_at).

    Built from lookup tables (title prefixes, day and time-of-day strings): formatting a
    datetime per row would cost more than the COPY itself.
    """
    rows = len(owners)
    days = 3 * 365
    first_day = datetime.now(UTC).date() - timedelta(days=days)
    day_text = [f"{first_day + timedelta(days=d):%Y-%m-%d} " for d in range(days + 2)]
    time_text = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(86400)]
    step = days * 86400 / max(rows, 1)
    prefixes = [f"{t} vid {p} – {k} " for t in TOPICS for p in PLACES for k in KINDS]
    for offset in range(0, rows, chunk):
        end = min(offset + chunk, rows)
        picks = rng.choices(prefixes, k=end - offset)
        lines = []
        for i, prefix in zip(range(offset, end), picks, strict=True):
            second = int(i * step)
            lines.append(
                f"{prefix}{i + 1}\t{day_text[second // 86400]}{time_text[second % 86400]}"
                f"\t{owners[i]}\n"
            )
        yield "".join(lines)


def psycopg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def load_items(
    owner_url: str, load_url: str | None, directory: Directory, rows: int, seed: int
) -> dict:
    rng = random.Random(seed + rows)
    owners = item_tenants(directory, rows, rng)
    timings = {}
    started = time.perf_counter()
    with psycopg.connect(psycopg_dsn(load_url or owner_url)) as conn:
        superuser, bypass = conn.execute(
            "SELECT rolsuper, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        with conn.transaction():
            conn.execute("TRUNCATE bench_items RESTART IDENTITY")
            columns = "(title, created_at, tenant_id)"
            if bypass:
                if superuser:  # skip the per-row foreign-key check: the ids come from `tenants`
                    conn.execute("SET LOCAL session_replication_role = replica")
                cursor = conn.cursor()
                with cursor.copy(
                    f"COPY bench_items {columns} FROM STDIN", writer=QueuedLibpqWriter(cursor)
                ) as copy:
                    for block in copy_chunks(owners, rng):
                        copy.write(block)
            else:
                conn.execute(
                    "CREATE TEMP TABLE bench_items_load"
                    " (n serial, title text, created_at timestamptz, tenant_id integer)"
                    " ON COMMIT DROP"
                )
                cursor = conn.cursor()
                with cursor.copy(
                    f"COPY bench_items_load {columns} FROM STDIN", writer=QueuedLibpqWriter(cursor)
                ) as copy:
                    for block in copy_chunks(owners, rng):
                        copy.write(block)
                conn.execute(
                    "SELECT set_config('samverka.tenant_ids', %s, true)",
                    [",".join(str(t) for t in sorted(set(owners)))],
                )
                conn.execute(
                    f"INSERT INTO bench_items {columns}"
                    " SELECT title, created_at, tenant_id FROM bench_items_load ORDER BY n"
                )
        timings["load_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    with psycopg.connect(psycopg_dsn(owner_url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) bench_items")
    timings["vacuum_analyze_s"] = round(time.perf_counter() - started, 2)
    return {
        "rows": rows,
        "bench_tenant_rows": owners.count(directory.bench_tenant_id),
        "method": "copy" if bypass else "copy-to-temp+insert-select",
        **timings,
    }


def migrate_database(owner_url: str, app_role: str = "samverka_app") -> list[str]:
    """``samverka db upgrade`` with a plugin host that has the benchmark plugin (its table,
    the RLS policies and the app role's grants): what a database needs before ``generate``."""
    from samverka import migrate
    from samverka.bootstrap import build_host

    host = build_host([(PLUGIN, samverka_benchplugin)], load_entry_points=False)
    return migrate.upgrade(owner_url, host, app_role)


def generate(
    owner_url: str,
    rows: int,
    *,
    load_url: str | None = None,
    tenant: str = DEFAULT_TENANT,
    seed: int = 2026,
) -> dict:
    started = time.perf_counter()
    runtime = build_runtime(owner_url)
    try:
        directory = ensure_directory(runtime, tenant, seed)
        directory_s = round(time.perf_counter() - started, 2)
    finally:
        runtime.engine.dispose()
    items = load_items(owner_url, load_url, directory, rows, seed)
    return {
        "tenant_slug": directory.bench_tenant_slug,
        "tenant_id": directory.bench_tenant_id,
        "tenants": len(directory.tenant_ids),
        "reader_email": READER_EMAIL,
        "reader_password": READER_PASSWORD,
        "reader_id": directory.reader_id,
        "directory_created": directory.created,
        "directory_s": directory_s,
        **items,
        "total_s": round(time.perf_counter() - started, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--owner-url", required=True, help="SQLAlchemy URL of the table owner")
    parser.add_argument(
        "--load-url", help="superuser/BYPASSRLS URL for a direct COPY (default: the owner)"
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--tenant", default=DEFAULT_TENANT, help="the benchmarked tenant")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--migrate",
        metavar="APP_ROLE",
        help="first migrate the database (core + the benchmark plugin, grants to APP_ROLE)",
    )
    args = parser.parse_args(argv)
    if args.migrate:
        migrate_database(args.owner_url, args.migrate)
    summary = generate(
        args.owner_url, args.rows, load_url=args.load_url, tenant=args.tenant, seed=args.seed
    )
    print(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
