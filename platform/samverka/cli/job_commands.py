"""``samverka scheduler`` (periodic work, one leader) and ``samverka jobs dispatch``."""

from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import with_appcontext

from samverka.cli.output import emit, json_option, operation
from samverka.jobs.outbox import dispatch_now
from samverka.jobs.queue import connect
from samverka.jobs.scheduler import Scheduler
from samverka.runtime import runtime


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run periodic work (the outbox dispatcher, plugins' periodic jobs); one of many leads."""

    process = Scheduler(current_app._get_current_object(), connect(runtime().settings))
    signal.signal(signal.SIGTERM, lambda *_: process.stop())
    click.echo("scheduler running; stop with Ctrl-C", err=True)
    try:
        process.run()
    except KeyboardInterrupt:
        process.stop()


@click.group("jobs")
def jobs() -> None:
    """Background jobs: the transactional outbox."""


@jobs.command("dispatch")
@with_appcontext
@json_option
@operation
def dispatch(as_json: bool) -> None:
    """Hand every due outbox job to RQ once (what the scheduler does every few seconds)."""

    count = dispatch_now(current_app._get_current_object())
    emit(as_json, {"dispatched": count}, lambda: f"dispatched {count} job(s)")


def register(cli: click.Group) -> None:
    cli.add_command(scheduler)
    cli.add_command(jobs)
