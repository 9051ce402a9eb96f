"""Test helpers for background jobs: do once what the scheduler and a worker do forever."""

from __future__ import annotations

from flask import Flask

from samverka.jobs import runner
from samverka.jobs.outbox import dispatch_now
from samverka.jobs.queue import connect, get_queue
from samverka.jobs.workers import SimpleWorker


def work_jobs(app: Flask) -> int:
    """Dispatch every due outbox job, then run the queue until it is empty (in this
    process, against ``app``); returns how many jobs the dispatcher handed over."""
    dispatched = dispatch_now(app)
    connection = connect(app.extensions["samverka"].settings)
    previous = runner._app
    runner.use_app(app)
    try:
        SimpleWorker([get_queue(connection)], connection=connection).work(burst=True)
    finally:
        runner.use_app(previous)
        connection.close()
    return dispatched
