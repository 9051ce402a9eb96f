"""``samverka seed-demo``, ``serve``, ``worker`` and ``demo`` (seed, then web + worker)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from samverka.cli.output import emit, json_option, operation
from samverka.errors import ValidationError
from samverka.runtime import db_session, runtime

log = logging.getLogger(__name__)


@click.command("seed-demo")
@with_appcontext
@json_option
@operation
def seed_demo(as_json: bool) -> None:
    """Create the demo consortia, organisations and users (idempotent)."""
    from samverka import demo

    if runtime().settings.is_production:
        raise ValidationError("refusing to seed demo users in production")
    created = demo.seed(db_session(), runtime().registry)
    emit(
        as_json,
        created,
        lambda: "demo data: created " + ", ".join(f"{n} {what}" for what, n in created.items()),
    )


def _serve(host: str, port: int, workers: int) -> None:
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

        def load(self):
            return app

    Server().run()


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
    _serve(host, port, workers)


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run a background-job worker (RQ) on the configured Redis."""
    run_worker(current_app._get_current_object(), burst)


def run_worker(app, burst: bool = False) -> None:
    from rq import Worker

    from samverka.jobs.queue import connect, get_queue
    from samverka.jobs.runner import use_app

    use_app(app)
    connection = connect(app.extensions["samverka"].settings)
    # No job descriptions in the log: a job's arguments may name people (the log names the
    # job and carries the queuing request's id instead; see samverka.jobs.runner).
    rq_worker = Worker([get_queue(connection)], connection=connection, log_job_description=False)
    # RQ registers the worker before it installs its own SIGTERM handler; a stop in between
    # (Kubernetes stopping a pod that just started) would leave a registered ghost that the
    # liveness probe counts. Until RQ's handler takes over, a stop unwinds through here.
    previous = signal.signal(signal.SIGTERM, _stop_before_rq_handles_it)
    try:
        rq_worker.work(burst=burst)
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


@click.command("demo")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo_command(host: str, port: int) -> None:
    """Upgrade the database, seed the demo data, then serve web + a job worker + the
    scheduler (which dispatches the outbox: mail, retries)."""
    from samverka import demo, migrate
    from samverka.jobs.queue import redis_url

    settings = runtime().settings
    migrate.upgrade(settings.database_owner_url, runtime().host)
    with current_app.app_context():
        demo.seed(db_session(), runtime().registry)
        db_session().commit()
    env = dict(
        os.environ,
        SAMVERKA_REDIS_URL=redis_url(settings),
        SAMVERKA_INSTANCE_PATH=str(settings.instance_path),
    )
    settings.redis_url = env["SAMVERKA_REDIS_URL"]
    helpers = [
        subprocess.Popen([sys.executable, "-m", "samverka", command], env=env)  # noqa: S603
        for command in ("worker", "scheduler")
    ]
    click.echo(demo.logins_text(f"http://{host}:{port}"))
    click.echo(f"Job queue: {env['SAMVERKA_REDIS_URL']} (embedded Redis unless configured)")
    pids = ", ".join(str(p.pid) for p in helpers)
    click.echo(f"Job worker and scheduler running (pids {pids}); stop everything with Ctrl-C.")
    try:
        _serve(host, port, 1)
    finally:
        for helper in helpers:
            helper.terminate()
        for helper in helpers:
            helper.wait(timeout=10)


def register(cli: click.Group) -> None:
    for command in (seed_demo, serve, worker, demo_command):
        cli.add_command(command)
