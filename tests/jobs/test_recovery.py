"""Nothing is lost: jobs written while Redis is down are dispatched once it is back, each
exactly once; a worker killed with SIGKILL in the middle of a job leaves it to a new worker,
which completes it exactly once (after the job's lease, bounded in time)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from jobkit import add_note, kill_hard, notes, outbox_row, worker_process
from throwaway import RedisServer, wait_until

from samverka.db import TenantScope, scoped
from samverka.jobs.models import OutboxJob
from samverka.jobs.outbox import dispatch_now
from samverka.jobs.queue import connect, get_queue
from samverka.testing.jobs import work_jobs

HERE = Path(__file__).parent


@pytest.fixture
def own_redis():
    server = RedisServer().start()
    yield server
    server.destroy()


def test_jobs_written_while_redis_is_down_are_dispatched_once_it_is_back(
    app, db, own_redis, tenant_pair, with_plugins, caplog
):
    with_plugins(tenant_pair.a, "testplugin")
    app.extensions["samverka"].settings.redis_url = own_redis.url
    own_redis.stop()
    ids = [add_note(app, db, tenant_pair.a, f"n{i}") for i in range(20)]  # commits succeed
    postponed = [r for r in caplog.records if "dispatch after commit postponed" in r.message]
    assert len(postponed) == 1  # the other requests did not wait for Redis again
    with pytest.raises(Exception, match=r"[Cc]onnect"):
        dispatch_now(app)
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        assert {db.get(OutboxJob, i).status for i in ids} == {"pending"}
    own_redis.start()
    assert dispatch_now(app) == 20
    assert dispatch_now(app) == 0
    assert get_queue(connect(app.extensions["samverka"].settings)).count == 20
    work_jobs(app)
    written = notes(db, tenant_pair.a)
    assert sorted(n for n in written if not n.startswith("cause")) == sorted(
        f"n{i}" for i in range(20)
    )
    assert len(written) == 40


def test_a_job_whose_worker_is_killed_completes_exactly_once_on_a_new_worker(
    app, db, queue, settings, tenant_pair, with_plugins, tmp_path
):
    with_plugins(tenant_pair.a, "testplugin")
    lease = 3
    app.extensions["samverka"].settings.job_lease_seconds = lease
    hold = tmp_path / "hold"
    hold.touch()
    job_id = add_note(app, db, tenant_pair.a, "survivor", hold=str(hold))
    first = worker_process(settings, lease)
    try:
        wait_until(
            lambda: outbox_row(db, tenant_pair.a, job_id).status == "running",
            "the first worker never started the job",
        )
        time.sleep(0.3)  # inside the job: its note is added, not committed
    finally:
        kill_hard(first)
    hold.unlink()
    assert outbox_row(db, tenant_pair.a, job_id).status == "running"
    wait_until(lambda: dispatch_now(app) == 1, "the abandoned job was not dispatched again", 10)
    second = worker_process(settings, lease)
    try:
        wait_until(
            lambda: outbox_row(db, tenant_pair.a, job_id).status == "done",
            "the new worker did not complete the job",
        )
    finally:
        second.terminate()
        second.wait(90)  # a warm shutdown; slow only on a loaded 2-core machine
    assert outbox_row(db, tenant_pair.a, job_id).attempts == 2
    assert notes(db, tenant_pair.a) == ["cause of survivor", "survivor"]
