"""The audit log's periodic work, through the hooks: the retention purge (every chain) and
the sample reviews (one tenant at a time; each sets the scopes it needs)."""

from __future__ import annotations

from datetime import timedelta

from samverka.audit.retention import purge_expired
from samverka.audit.reviews import due_sample_reviews
from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import PeriodicJob


@hookimpl
def register_periodic_jobs() -> list[PeriodicJob]:
    return [
        PeriodicJob("core.audit_purge", timedelta(hours=24), purge_expired),
        PeriodicJob("core.audit_sample_reviews", timedelta(hours=1), due_sample_reviews),
    ]
