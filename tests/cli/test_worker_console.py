"""What the job worker writes to its console (``samverka worker``, and the demo's worker):
one line per job run, with the job, the tenant, the outcome and the time, instead of RQ's
several INFO lines per job."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from samverka.db import TenantScope, scoped
from samverka.jobs.outbox import enqueue
from samverka.jobs.queue import connect

TESTPLUGIN = Path(__file__).resolve().parents[1] / "testplugin"
# `samverka worker --burst`'s code, with the test plugin registered (not an entry point)
WORKER = """
import samverka_testplugin
from samverka.cli.server_commands import run_worker
from samverka.config import Settings
from samverka.testing.fixtures import create_test_app

app = create_test_app(Settings.from_env(), [(samverka_testplugin.NAME, samverka_testplugin)])
run_worker(app, burst=True)
"""


def run_worker_burst(settings) -> str:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(TESTPLUGIN), os.environ.get("PYTHONPATH", "")]),
        SAMVERKA_ENV="testing",
        SAMVERKA_DATABASE_URL=settings.database_url,
        SAMVERKA_DATABASE_OWNER_URL=settings.database_owner_url,
        SAMVERKA_REDIS_URL=settings.redis_url,
        SAMVERKA_SECRET_KEY=settings.secret_key,
        SAMVERKA_ENCRYPTION_KEYS=settings.encryption_keys,
        SAMVERKA_INSTANCE_PATH=str(settings.instance_path),
        SAMVERKA_LOG_FORMAT="text",
        SAMVERKA_LOG_LEVEL="INFO",
    )
    done = subprocess.run(
        [sys.executable, "-c", WORKER],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout + done.stderr


def test_the_worker_logs_one_line_per_job_and_none_of_rqs(
    app, db, settings, tenant_pair, with_plugins, tmp_path
):
    with_plugins(tenant_pair.a, "testplugin")
    connection = connect(settings)
    connection.flushdb()
    refuse = tmp_path / "refuse"
    refuse.touch()
    try:
        with app.app_context(), scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
            enqueue(db, "testplugin.add_note", tenant_id=tenant_pair.a.id, text="first")
            enqueue(
                db,
                "testplugin.add_note",
                tenant_id=tenant_pair.a.id,
                text="second",
                fail_while=str(refuse),
            )
            db.commit()  # the after-commit hook hands both to RQ
        output = run_worker_burst(settings)
    finally:
        connection.flushdb()
    lines = [line for line in output.splitlines() if line.strip()]
    # Each line is one run of one job (RQ may hand a job over twice; the outbox skips the
    # second run): nothing else, no "Job OK", "Result is kept ...", "*** Listening on ...".
    one_line = re.compile(
        r"^\S+ \S+ (INFO|WARNING) samverka\.jobs\.runner( \[\w+\])?: "
        r"job (?P<job>\S+) for (?P<whom>.+?): (?P<outcome>.+) in \d+\.\d s$"
    )
    runs = [one_line.match(line) for line in lines]
    assert all(runs), output
    outcomes = {(run["job"], run["whom"], run["outcome"]) for run in runs}
    assert ("testplugin.add_note", "sunne", "done") in outcomes, output
    failed = ("testplugin.add_note", "sunne", "failed (RuntimeError), will be retried")
    assert failed in outcomes, output
    assert next(line for line in lines if "done" in line).split()[2] == "INFO"
    assert next(line for line in lines if "failed" in line).split()[2] == "WARNING"
    assert "refused for second" not in output  # the failure's message may name someone
