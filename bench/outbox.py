"""Outbox throughput: 10 000 jobs through the transactional outbox vs straight into RQ.

One run, one throwaway PostgreSQL (as ``bench/run.py`` starts it) and one throwaway Redis:

* **direct**: ``queue.enqueue(...)`` 10 000 times (no database: what the platform did before);
* **outbox, one job per transaction**: ``enqueue(session, ...)`` + ``commit()`` 10 000 times,
  each dispatched by the after-commit hook (what a request that queues one job costs);
* **outbox, batched + dispatcher**: 10 000 rows written in transactions of 100, then handed to
  RQ by the scheduler's dispatcher (``dispatch_due``; the catch-up path after a Redis outage).

Prints jobs per second and the ratios, and writes ``bench/results/outbox-<time>.json``.
Usage: ``.venv/bin/python bench/outbox.py [--jobs 10000] [--pg-url SUPERUSER_URL]``
(``--pg-url``: a running PostgreSQL instead of a throwaway one, e.g. the test suite's).
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import text

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import (  # noqa: E402
    ExistingPostgres,
    Postgres,
    create_database,
    create_roles,
    free_port,
    migrate_database,
)


class Redis:
    """A throwaway redis-server (no persistence) on a free loopback port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="samverka-bench-redis."))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        from redis import Redis as Client
        from redis.exceptions import ConnectionError as NotYet

        for _ in range(100):
            try:
                Client.from_url(self.url).ping()
                return
            except NotYet:  # still starting
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)


def make_app(database: dict[str, str], redis_url: str, instance: Path):
    from samverka.app import create_app
    from samverka.config import Settings

    settings = Settings(
        instance_path=instance,
        env="testing",
        database_url=database["app"],
        database_owner_url=database["owner"],
        redis_url=redis_url,
        secret_key=secrets.token_urlsafe(48),
        encryption_keys=Fernet.generate_key().decode(),
    ).with_defaults()
    return create_app(settings)


def a_tenant(app) -> int:
    from samverka.tenancy import services as tenancy

    with app.app_context():
        from samverka.runtime import db_session

        session = db_session()
        tenant = tenancy.create_tenant(session, "sunne", "Sunne kommun", "municipality", "1766")
        db_session().commit()
        return tenant.id


def direct(app, tenant_id: int, jobs: int) -> float:
    from samverka.jobs.queue import connect, get_queue

    connection = connect(app.extensions["samverka"].settings)
    connection.flushdb()
    queue = get_queue(connection)
    started = time.perf_counter()
    for n in range(jobs):
        queue.enqueue("samverka.jobs.runner.run", "core.count_to", tenant_id, {"n": n})
    elapsed = time.perf_counter() - started
    assert queue.count == jobs
    return elapsed


def outbox_per_transaction(app, tenant_id: int, jobs: int) -> float:
    from samverka.db import TenantScope, set_scope
    from samverka.jobs.outbox import enqueue
    from samverka.jobs.queue import connect, get_queue

    connection = connect(app.extensions["samverka"].settings)
    connection.flushdb()
    with app.app_context():
        session = app.extensions["samverka"].sessions()
        set_scope(session, TenantScope.for_tenant(tenant_id))
        started = time.perf_counter()
        for n in range(jobs):
            enqueue(session, "core.count_to", tenant_id=tenant_id, n=n)
            session.commit()  # the after-commit hook dispatches it
        elapsed = time.perf_counter() - started
        session.close()
    assert get_queue(connection).count == jobs, get_queue(connection).count
    return elapsed


def outbox_batched(app, tenant_id: int, jobs: int, batch: int = 100) -> tuple[float, float]:
    """Rows written with Redis 'away' (no after-commit dispatch), then the dispatcher."""
    from samverka.db import TenantScope, set_scope
    from samverka.jobs.outbox import PENDING_KEY, dispatch_now, enqueue
    from samverka.jobs.queue import connect, get_queue

    connection = connect(app.extensions["samverka"].settings)
    connection.flushdb()
    with app.app_context():
        session = app.extensions["samverka"].sessions()
        set_scope(session, TenantScope.for_tenant(tenant_id))
        started = time.perf_counter()
        for n in range(jobs):
            enqueue(session, "core.count_to", tenant_id=tenant_id, n=n)
            if (n + 1) % batch == 0:
                session.info.pop(PENDING_KEY, None)  # as if Redis were down at commit
                session.commit()
        session.info.pop(PENDING_KEY, None)
        session.commit()
        written = time.perf_counter() - started
        session.close()
    started = time.perf_counter()
    dispatched = dispatch_now(app)
    dispatching = time.perf_counter() - started
    assert dispatched == jobs and get_queue(connection).count == jobs
    return written, dispatching


def clear_outbox(database: dict[str, str]) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(database["owner"])
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE job_outbox"))
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--pg-url", help="superuser URL of a running PostgreSQL (run.py's)")
    parser.add_argument("--results", type=Path, default=BENCH / "results", help="JSON folder")
    args = parser.parse_args(argv)
    postgres = ExistingPostgres(args.pg_url) if args.pg_url else Postgres(free_port())
    redis = Redis()
    instance = Path(tempfile.mkdtemp(prefix="samverka-bench-instance."))
    try:
        postgres.start()
        redis.start()
        create_roles(postgres)
        database = create_database(postgres.admin_url, postgres.database_name(0))
        migrate_database(database["owner"])
        app = make_app(database, redis.url, instance)
        tenant_id = a_tenant(app)
        results = measure(app, database, tenant_id, args.jobs)
    finally:
        redis.stop()
        postgres.stop()
        shutil.rmtree(instance, ignore_errors=True)
    report(results, args.results)
    return 0


def measure(app, database: dict[str, str], tenant_id: int, jobs: int) -> dict:
    seconds_direct = direct(app, tenant_id, jobs)
    seconds_each = outbox_per_transaction(app, tenant_id, jobs)
    clear_outbox(database)
    written, dispatching = outbox_batched(app, tenant_id, jobs)
    rate = {
        "direct_rq": jobs / seconds_direct,
        "outbox_one_per_transaction": jobs / seconds_each,
        "outbox_batched_write": jobs / written,
        "outbox_dispatcher": jobs / dispatching,
        "outbox_batched_total": jobs / (written + dispatching),
    }
    return {
        "jobs": jobs,
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": {
            "direct_rq": seconds_direct,
            "outbox_one_per_transaction": seconds_each,
            "outbox_batched_write": written,
            "outbox_dispatcher": dispatching,
        },
        "jobs_per_second": rate,
        "ratio_to_direct": {k: v / rate["direct_rq"] for k, v in rate.items()},
    }


def report(results: dict, folder: Path) -> None:
    print(f"{results['jobs']} jobs")
    for name, rate in results["jobs_per_second"].items():
        ratio = results["ratio_to_direct"][name]
        print(f"  {name:28} {rate:9.0f} jobs/s   {ratio:5.2f} x direct")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = results["time"].replace(":", "")
    (folder / f"outbox-{stamp}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
