"""The core's own jobs (``core.<name>``) and the outbox dispatcher, through the hooks."""

from __future__ import annotations

from samverka.jobs import core_jobs
from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import PeriodicJob
from samverka.runtime import runtime


@hookimpl
def register_jobs() -> dict:
    return {"send_mail": core_jobs.send_mail, "count_to": core_jobs.count_to}


@hookimpl
def register_periodic_jobs() -> list[PeriodicJob]:
    """The outbox dispatcher, which also delivers mail (each message is an outbox job)."""
    return core_jobs.periodic_jobs(runtime().settings.outbox_dispatch_seconds)
