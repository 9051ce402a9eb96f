"""Prometheus metrics: requests by route (the URL rule, so ids in paths do not explode the
series) and status, request latency, RQ queue depth and failed jobs.

Several gunicorn workers: with ``PROMETHEUS_MULTIPROC_DIR`` set (before the process starts;
``prometheus_client`` reads it on import) every worker writes its samples to files there and
a scrape adds them up (``MultiProcessCollector``); ``samverka serve`` empties the folder at
start and marks exited workers dead. Without it, each process reports only its own requests.

Where: with ``SAMVERKA_METRICS_PORT`` ``samverka serve`` serves them on that port
(:func:`serve_metrics`). The app's own ``/metrics`` (the web port) answers 404 unless
``SAMVERKA_METRICS_ON_WEB`` is true: route names, request counts and the job queue's depth
tell an outsider what runs and how busy it is, and a web port is the one an Ingress routes.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from samverka.config import Settings
from samverka.jobs.outbox import BACKLOG_KEY
from samverka.jobs.queue import get_queue, redis_url

log = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "<unmatched>"

# Not registered in prometheus_client's global registry: every scrape builds its own (below),
# so several apps in one process (tests) never register a name twice.
REQUESTS = Counter(
    "samverka_http_requests",
    "HTTP requests answered, by route (URL rule), method and status.",
    ("route", "method", "status"),
    registry=None,
)
LATENCY = Histogram(
    "samverka_http_request_duration_seconds",
    "Time to answer an HTTP request, by route (URL rule) and method.",
    ("route", "method"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=None,
)


def init_app(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_observe)
    app.add_url_rule("/metrics", "ops.metrics", metrics_view)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.get("metrics_started")
    if started is None:
        return response
    rule = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    REQUESTS.labels(rule, request.method, str(response.status_code)).inc()
    LATENCY.labels(rule, request.method).observe(time.perf_counter() - started)
    return response


def metrics_view() -> Response:
    settings: Settings = current_app.extensions["samverka"].settings
    if not settings.metrics_on_web:
        abort(404)  # the metrics port only, unless explicitly opened on the web port
    return exposition(settings)


def exposition(settings: Settings) -> Response:
    body = generate_latest(build_registry(settings))
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def build_registry(settings: Settings) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=True)
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)  # every worker's request metrics, from the files
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(JobQueueCollector(settings))
    return registry


class JobQueueCollector:
    """Reads the job queue at scrape time (one process asks Redis; nothing is cached)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def describe(self) -> list[Metric]:
        return []  # unknown until collected: Redis may be down

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "samverka_jobs_queued", "Jobs waiting in the RQ queue.", labels=["queue"]
        )
        failed = GaugeMetricFamily(
            "samverka_jobs_failed", "Jobs in the RQ failed-job registry.", labels=["queue"]
        )
        up = GaugeMetricFamily("samverka_redis_up", "1 when Redis answered this scrape.")
        try:
            queued, failures, name = _queue_counts(self.settings)
        except Exception as exc:  # a scrape must still answer when Redis is down
            log.warning("metrics: the job queue could not be read: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        depth.add_metric([name], queued)
        failed.add_metric([name], failures)
        up.add_metric([], 1)
        yield from (depth, failed, up)
        yield from _outbox_backlog(self.settings)


def _outbox_backlog(settings: Settings) -> Iterator[Metric]:
    """Outbox jobs not finished (pending, dispatched, running), as the scheduler's dispatcher
    last counted them (every few seconds), and that count's age: a growing age means no
    scheduler runs, a growing backlog that workers or Redis fall behind."""
    from redis import Redis

    connection = Redis.from_url(redis_url(settings), socket_connect_timeout=1, socket_timeout=1)
    try:
        raw = connection.get(BACKLOG_KEY)
    finally:
        connection.close()
    if raw is None:
        return
    count, at = raw.decode().split()
    backlog = GaugeMetricFamily(
        "samverka_outbox_backlog", "Outbox jobs not finished yet (pending, dispatched, running)."
    )
    backlog.add_metric([], int(count))
    age = GaugeMetricFamily(
        "samverka_outbox_backlog_age_seconds", "Seconds since the dispatcher counted the backlog."
    )
    age.add_metric([], max(0.0, time.time() - float(at)))
    yield from (backlog, age)


def _queue_counts(settings: Settings) -> tuple[int, int, str]:
    from redis import Redis

    if not settings.redis_url:
        raise LookupError("no Redis configured")  # never start the embedded one for a scrape
    connection = Redis.from_url(redis_url(settings), socket_connect_timeout=1, socket_timeout=1)
    try:
        queue = get_queue(connection)
        return queue.count, queue.failed_job_registry.count, queue.name
    finally:
        connection.close()


# --- multiprocess mode under gunicorn ----------------------------------------------------------


def reset_multiprocess_dir() -> None:
    """Empty ``PROMETHEUS_MULTIPROC_DIR`` before the workers start (stale files of a previous
    run would be added to this one's counts)."""
    folder = os.environ.get(MULTIPROC_ENV)
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def worker_exited(pid: int) -> None:
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def serve_metrics(settings: Settings, port: int) -> None:
    """Serve the metrics on ``port`` from the gunicorn master (a daemon thread)."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, *_args) -> None:  # scrapes every 15 s need no log line
            pass

    def app(environ, start_response):
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        body = generate_latest(build_registry(settings))
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [body]

    import threading

    try:
        server = make_server("0.0.0.0", port, app, handler_class=Quiet)  # noqa: S104 - pod network
    except OSError as exc:  # e.g. still bound after a gunicorn reload (HUP)
        log.warning("metrics port %s not opened: %s", port, exc.strerror)
        return
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("metrics on port %s", port)
