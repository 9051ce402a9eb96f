"""``samverka serve`` (gunicorn) and ``samverka worker`` (the job worker)."""

from __future__ import annotations

import logging
import os
import signal
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from samverka.jobs.queue import connect, get_queue
from samverka.jobs.runner import use_app
from samverka.jobs.workers import Worker
from samverka.runtime import runtime

log = logging.getLogger(__name__)


def serve_web(host: str, port: int, workers: int, quick_exit: bool = False) -> None:
    from gunicorn.app.base import BaseApplication

    from samverka.ops import server

    app = current_app._get_current_object()
    engine = runtime().engine
    settings = runtime().settings

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 4)
            server.configure(self.cfg, settings, engine)
            if quick_exit:
                self.cfg.set("worker_exit", _exit_now)

        def load(self):
            return app

    Server().run()


def _exit_now(_server, _worker) -> None:
    """The demo's web worker, once it has stopped serving, ends without the interpreter's
    teardown (seconds of CPU for an app this size on a busy machine, while the demo waits):
    it holds nothing that needs one (SQLite has committed; the embedded Redis, the job worker
    and the scheduler belong to the demo's own process, which stops them)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="gunicorn worker processes")
def serve(host: str, port: int, workers: int | None) -> None:
    """Run the web app (gunicorn) on the configured database."""
    settings = runtime().settings
    workers = workers or (1 if not settings.is_postgresql else 2)
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        log.warning("%s workers without PROMETHEUS_MULTIPROC_DIR: /metrics shows one", workers)
    serve_web(host, port, workers)


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run a background-job worker (RQ) on the configured Redis."""
    run_worker(current_app._get_current_object(), burst)


def run_worker(app, burst: bool = False) -> None:
    use_app(app)
    connection = connect(app.extensions["samverka"].settings)
    # No job descriptions in the log: a job's arguments may name people (the log names the
    # job and carries the queuing request's id instead; see samverka.jobs.runner).
    rq_worker = Worker([get_queue(connection)], connection=connection, log_job_description=False)
    # RQ's own loggers at WARNING: its several INFO lines per job ("Job OK", "Result is kept
    # for ...") give way to the one line each run leaves (samverka.logs.job_finished); its
    # warnings and errors (a job's traceback) still show.
    # RQ registers the worker before it installs its own SIGTERM handler; a stop in between
    # (Kubernetes stopping a pod that just started) would leave a registered ghost that the
    # liveness probe counts. Until RQ's handler takes over, a stop unwinds through here.
    previous = signal.signal(signal.SIGTERM, _stop_before_rq_handles_it)
    try:
        rq_worker.work(burst=burst, logging_level="WARNING")
    except SystemExit:
        _unregister(rq_worker)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop_before_rq_handles_it(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _unregister(rq_worker) -> None:
    """Remove a worker stopped during start-up from Redis's worker registry."""
    try:
        rq_worker.register_death()
    except Exception:  # best effort while stopping
        log.warning("could not unregister worker %s", rq_worker.name)


def register(cli: click.Group) -> None:
    for command in (serve, worker):
        cli.add_command(command)
