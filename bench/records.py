"""Records list and detail pages with the audit of reads on and off, in one process.

    source /tmp/svc-<name>/env   # bin/services: SAMVERKA_TEST_POSTGRES_URL
    .venv/bin/python bench/records.py [--records 1000] [--requests 400] [--backend both]

For each backend (SQLite file; PostgreSQL from ``bin/services`` as the RLS-bound app role)
it migrates a throwaway database, creates a tenant with a reader and ``--records``
confidential records through the services, logs the reader in through the real login form
and then times, through the Flask test client, the list page (the first 50 of them) and
the detail page of one, interleaving batches with the audit on and off so that load
elsewhere on the machine hits both alike (median of the batches' ms per request).

"Off" is the same request with the read-audit calls made no-ops in this process only:
``samverka.records.services._audit`` skips ``record.read``/``record.attachment_read`` (the
detail page's entry) and ``samverka.web.records.audit_listing`` does nothing (the list
page's one entry per page). Nothing else changes, and nothing is written to the suite.
Prints a table of ms/request and the throughput ratio off/on (overhead = 1 - on/off).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

PASSWORD = "bench password that is long enough"
READ_ACTIONS = {"record.read", "record.attachment_read"}


def build(backend: str, folder: Path, records: int):
    """A migrated database with one tenant, a reader and ``records`` confidential records;
    returns (app, reader, record id, cleanup)."""
    from samverka.app import create_app
    from samverka.bootstrap import build_host
    from samverka.config import Settings
    from samverka.db import TenantScope, scoped
    from samverka.testing import databases

    host = build_host()
    name = f"samverka_bench_records_{os.getpid()}"
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
        from samverka.auth import services as accounts
        from samverka.records import services
        from samverka.tenancy import services as tenancy

        db = session
        tenant = tenancy.create_tenant(db, "sunne", "Sunne kommun", "municipality", "1766", 13366)
        reader = accounts.create_user(db, "reader@sunne.bench", "Reader", PASSWORD)
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            accounts.add_member(db, app.extensions["samverka"].registry, reader, tenant, "reader")
            writer = accounts.create_user(db, "writer@sunne.bench", "Writer", PASSWORD)
            accounts.add_member(
                db, app.extensions["samverka"].registry, writer, tenant, "coordinator"
            )
            db.commit()
        with scoped(db, TenantScope.for_tenant(tenant.id, writer.id)):
            for n in range(records):
                record = services.create_record(
                    db,
                    record_type="core.document",
                    title=f"Lägesbild {n}",
                    data={
                        "summary": f"Sammanfattning {n}",
                        "body": "Iakttagelser i centrum. " * 20,
                        "document_date": "2026-03-01",
                        "status": "final",
                        "contact_person": "Anna Andersson",
                    },
                    classification="confidential",
                    user=writer,
                )
                if n % 200 == 199:
                    db.commit()
            db.commit()
            record_id = record.id
    session.close()

    def cleanup() -> None:
        app.extensions["samverka"].engine.dispose()
        if backend == "postgresql":
            databases.drop_postgresql_database(name)

    return app, record_id, cleanup


def logged_in(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": "reader@sunne.bench", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    return client


@contextmanager
def audit_of_reads(enabled: bool):
    """Off: the read-audit calls are no-ops (this process only); writes stay audited."""
    from samverka.records import services

    if enabled:
        yield
        return
    original_audit, original_listing = services._audit, services.audit_listing

    def audit(session, action, record, **details):
        if action not in READ_ACTIONS:
            original_audit(session, action, record, **details)

    services._audit = audit
    services.audit_listing = lambda *args, **kwargs: 0  # the list's audit, in the service
    try:
        yield
    finally:
        services._audit, services.audit_listing = original_audit, original_listing


def measure(client, path: str, requests: int, batch: int = 20) -> dict[str, float]:
    """Median ms/request over interleaved batches, audit on and off."""
    batch = min(batch, requests)  # a smoke run asks for a handful
    for enabled in (True, False):  # warm up both ways
        with audit_of_reads(enabled):
            for _ in range(batch):
                assert client.get(path).status_code == 200
    times: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(max(1, requests // batch)):
        for label, enabled in (("on", True), ("off", False)):
            with audit_of_reads(enabled):
                started = time.perf_counter()
                for _ in range(batch):
                    client.get(path)
                times[label].append((time.perf_counter() - started) / batch * 1000)
    return {label: statistics.median(values) for label, values in times.items()}


def audit_rows(app) -> int:
    from sqlalchemy import func, select

    from samverka.audit.models import AuditEntry
    from samverka.db import TenantScope, scoped
    from samverka.tenants.models import Tenant

    session = app.extensions["samverka"].sessions()
    try:
        ids = tuple(session.scalars(select(Tenant.id)))
        with scoped(session, TenantScope(ids)):
            return session.scalar(select(func.count()).select_from(AuditEntry))
    finally:
        session.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    rows = []
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="samverka-bench-records.") as folder:
            started = time.perf_counter()
            app, record_id, cleanup = build(backend, Path(folder), args.records)
            print(f"{backend}: {args.records} records in {time.perf_counter() - started:.0f} s")
            try:
                client = logged_in(app)
                for page, path in (
                    ("list (50 of N)", "/t/sunne/records/"),
                    ("detail", f"/t/sunne/records/{record_id}"),
                ):
                    before = audit_rows(app)
                    result = measure(client, path, args.requests)
                    written = audit_rows(app) - before
                    rows.append((backend, page, result["on"], result["off"], written))
            finally:
                cleanup()
    print()
    header = f"{'backend':<11}{'page':<16}{'on ms':>8}{'off ms':>8}{'on/off req/s':>14}"
    print(f"{header}{'overhead':>10}{'entries (on)':>14}")
    for backend, page, on, off, written in rows:
        ratio = off / on  # throughput with audit on relative to off
        line = f"{backend:<11}{page:<16}{on:>8.2f}{off:>8.2f}{ratio:>14.3f}{1 - ratio:>10.1%}"
        print(f"{line}{written:>14}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
