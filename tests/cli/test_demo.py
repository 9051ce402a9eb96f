"""`samverka demo` on the embedded default: SQLite, demo data, an embedded Redis with a
working job worker and the scheduler, and a web server that answers — what the README's first
command runs."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from redis import Redis
from rq import Worker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def demo(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMVERKA_")}
    env["SAMVERKA_INSTANCE_PATH"] = str(tmp_path / "instance")
    process = subprocess.Popen(
        [sys.executable, "-m", "samverka", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Job worker and scheduler running" in line:
            break
    try:
        yield port, "".join(lines), tmp_path / "instance"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def get(url: str, attempts: int = 50) -> tuple[int, str]:
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                return response.status, response.read().decode()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def test_demo_prints_logins_serves_and_runs_a_worker_and_the_scheduler(demo):
    port, output, instance = demo
    assert f"http://127.0.0.1:{port}/login" in output
    assert re.search(r"admin@sunne\.test\s+tenant admin, Sunne", output)
    assert "Password for every demo user: " in output
    status, html = get(f"http://127.0.0.1:{port}/login")
    assert status == 200
    assert "Logga in" in html
    assert (instance / "samverka.db").exists()
    queue_url = re.search(r"Job queue: (\S+)", output).group(1)
    connection = Redis.from_url(queue_url)
    assert connection.ping()
    deadline = time.monotonic() + 20
    while not Worker.all(connection=connection) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert Worker.all(connection=connection), "no job worker registered with the queue"
    from samverka.jobs.scheduler import HEARTBEAT_KEY

    while not connection.hlen(HEARTBEAT_KEY) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert connection.hlen(HEARTBEAT_KEY), "the scheduler never beat"
