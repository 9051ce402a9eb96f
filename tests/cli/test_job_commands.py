"""``samverka jobs dispatch``: what the scheduler does, once, from the command line."""

from __future__ import annotations

import json

from click.testing import CliRunner
from flask.cli import ScriptInfo

from samverka.bootstrap import cli
from samverka.db import TenantScope, scoped
from samverka.jobs.outbox import PENDING_KEY, enqueue
from samverka.jobs.queue import connect, get_queue


def test_jobs_dispatch_hands_pending_jobs_to_rq_once(app, db, settings, tenant_pair):
    connection = connect(settings)
    connection.flushdb()
    with app.app_context(), scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        for n in range(3):
            enqueue(db, "core.count_to", tenant_id=tenant_pair.a.id, n=n)
        db.info.pop(PENDING_KEY)  # as if Redis had been down at the commit
        db.commit()
    assert get_queue(connection).count == 0
    runner = CliRunner()

    def dispatch() -> dict:
        result = runner.invoke(
            cli, ["jobs", "dispatch", "--json"], obj=ScriptInfo(create_app=lambda: app)
        )
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    assert dispatch() == {"dispatched": 3}
    assert dispatch() == {"dispatched": 0}
    assert get_queue(connection).count == 3
    connection.flushdb()
