"""Exports through the hooks: the export job and the removal of expired export files."""

from __future__ import annotations

from datetime import timedelta

from samverka.exports import jobs as export_jobs
from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import PeriodicJob


@hookimpl
def register_jobs() -> dict:
    return {"export": export_jobs.export}


@hookimpl
def register_periodic_jobs() -> list[PeriodicJob]:
    return [PeriodicJob("core.export_purge", timedelta(hours=1), export_jobs.purge)]
