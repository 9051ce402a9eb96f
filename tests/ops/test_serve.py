"""``samverka serve`` as in the container: gunicorn with two workers, JSON logs on stderr,
metrics summed over the workers (``PROMETHEUS_MULTIPROC_DIR``) on the metrics port only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families
from throwaway import free_port, wait_until

from samverka.testing.fixtures import worker_redis_url


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


@pytest.fixture
def served(tmp_path):
    web, metrics = free_port(), free_port()
    env = dict(
        os.environ,
        SAMVERKA_INSTANCE_PATH=str(tmp_path / "instance"),
        SAMVERKA_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}",
        SAMVERKA_REDIS_URL=worker_redis_url(),
        SAMVERKA_LOG_FORMAT="json",
        SAMVERKA_METRICS_PORT=str(metrics),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
    )
    command = [sys.executable, "-m", "samverka"]
    subprocess.run([*command, "db", "upgrade"], env=env, check=True, capture_output=True)
    stderr = (tmp_path / "stderr.log").open("w")
    server = subprocess.Popen(
        [*command, "serve", "--host", "127.0.0.1", "--port", str(web), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    base = f"http://127.0.0.1:{web}"
    try:
        wait_until(lambda: fetch(f"{base}/healthz")[0] == 200, "gunicorn did not start", 60)
        yield base, f"http://127.0.0.1:{metrics}", tmp_path / "stderr.log"
    finally:
        server.terminate()
        server.wait(timeout=30)
        stderr.close()


def test_gunicorn_workers_metrics_and_json_logs(served):
    base, metrics, stderr = served
    for _ in range(20):
        assert fetch(f"{base}/login?token=leaked-secret-123")[0] == 200
    assert fetch(f"{base}/metrics")[0] == 404  # not on the web port
    status, body = fetch(f"{metrics}/metrics")
    assert status == 200
    counts = {
        (s.labels.get("route"), s.labels.get("status")): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
        if s.name == "samverka_http_requests_total"
    }
    assert counts[("/login", "200")] == 20  # both workers' requests, added up
    time.sleep(0.5)  # let the log lines reach the file
    lines = stderr.read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    access = [e for e in entries if e["logger"] == "samverka.access" and e["path"] == "/login"]
    assert len(access) == 20
    assert len({e["request_id"] for e in access}) == 20
    assert "leaked-secret-123" not in stderr.read_text()
    assert any(e["logger"].startswith("gunicorn") for e in entries)  # gunicorn's own, as JSON
