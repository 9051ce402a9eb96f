"""The core's own jobs (``core.<name>``) and periodic work (registered in jobs/hooks.py)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from samverka.jobs.outbox import dispatch_due
from samverka.jobs.queue import get_queue, shared_connection
from samverka.jobs.runner import report_progress
from samverka.mail import send_mail as deliver
from samverka.plugins.manifest import PeriodicJob
from samverka.runtime import runtime

COUNTING = "Counting"  # msgid of the demo job's progress text (marked below for extraction)
_l("Counting")


def send_mail(tenant_id: int | None, to: str, subject: str, body: str) -> None:
    """Mail through the outbox: sent by a worker after the commit, retried with backoff
    while the SMTP server refuses (an OSError), so a request never waits for SMTP."""

    deliver(to, subject, body)


def count_to(tenant_id: int | None, n: int = 20, pause: float = 0.25) -> int:
    """A demo of progress reporting: counts to ``n``, one step per ``pause`` seconds."""
    n = max(1, min(int(n), 1000))
    for done in range(n + 1):
        report_progress(done, n, COUNTING)
        if done < n:
            time.sleep(max(0.0, min(float(pause), 5.0)))
    return n


def dispatch_outbox(session: Session, now: datetime) -> int:
    """The outbox dispatcher as a periodic job (the session has the all-tenants scope)."""

    return dispatch_due(session, get_queue(shared_connection(runtime().settings)), now)


def periodic_jobs(dispatch_every: float) -> list[PeriodicJob]:
    """Mail needs no job of its own: each message is an outbox job, so the dispatcher below
    (which also re-runs abandoned ones and retries failed attempts) delivers it."""
    return [PeriodicJob("core.outbox_dispatch", timedelta(seconds=dispatch_every), dispatch_outbox)]
