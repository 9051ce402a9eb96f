"""The worker's liveness probe: alive while its RQ worker sends heartbeats, not once it is gone;
a Redis outage alone does not make Kubernetes restart every worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from throwaway import free_port, wait_until

from samverka.ops.probe import main, worker_alive


def test_alive_while_a_worker_of_this_host_runs(own_redis, tmp_path):
    host = socket.gethostname()
    assert not worker_alive(own_redis.url, host)
    env = dict(
        os.environ,
        SAMVERKA_INSTANCE_PATH=str(tmp_path),
        SAMVERKA_DATABASE_URL=f"sqlite:///{tmp_path / 'probe.db'}",
        SAMVERKA_REDIS_URL=own_redis.url,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "samverka", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: worker_alive(own_redis.url, host), "the worker never registered", 60)
        assert not worker_alive(own_redis.url, "another-pod")
        assert not worker_alive(own_redis.url, host, max_silence=-1)  # a stale heartbeat
    finally:
        worker.terminate()
        worker.wait(timeout=90)  # a warm shutdown; slow only on a loaded 2-core machine
    assert not worker_alive(own_redis.url, host)  # a clean shutdown unregisters


def test_redis_down_is_not_a_reason_to_restart_workers(monkeypatch, tmp_path):
    gone = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    assert worker_alive(gone, socket.gethostname())
    monkeypatch.setenv("SAMVERKA_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SAMVERKA_REDIS_URL", gone)
    assert main(["worker"]) == 0
    assert main(["other"]) == 2


def test_the_scheduler_probe_follows_its_heartbeat(own_redis, tmp_path, monkeypatch):
    from samverka.jobs.scheduler import scheduler_alive

    host = socket.gethostname()
    assert not scheduler_alive(own_redis.url, host, 60)
    env = dict(
        os.environ,
        SAMVERKA_INSTANCE_PATH=str(tmp_path),
        SAMVERKA_DATABASE_URL=f"sqlite:///{tmp_path / 'probe.db'}",
        SAMVERKA_REDIS_URL=own_redis.url,
    )
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "samverka", "scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: scheduler_alive(own_redis.url, host, 60), "no heartbeat", 60)
        monkeypatch.setenv("SAMVERKA_INSTANCE_PATH", str(tmp_path))
        monkeypatch.setenv("SAMVERKA_REDIS_URL", own_redis.url)
        assert main(["scheduler"]) == 0
        assert not scheduler_alive(own_redis.url, "another-pod", 60)
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=30)
    wait_until(lambda: not scheduler_alive(own_redis.url, host, 1), "the heartbeat went on", 10)
