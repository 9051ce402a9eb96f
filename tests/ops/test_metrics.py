"""``/metrics``: requests by URL rule (not the raw path) and status, latency, the job queue;
404 on the app's port unless ``SAMVERKA_METRICS_ON_WEB`` opens it there (finding 9a)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rq import Queue

from samverka.jobs.queue import QUEUE_NAME
from samverka.testing.fixtures import create_test_app


@pytest.fixture
def settings(settings):
    """These tests read the metrics through the app: opened on its port explicitly."""
    return replace(settings, metrics_on_web=True)


def samples(client) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_by_url_rule_and_status(app, client, tenant_pair, login):
    before = samples(client)
    login(client, tenant_pair.admin_a)  # GET /login 200, POST /login 302
    client.get("/t/sunne/")
    client.get("/t/torsby/")  # no role there: 404, same rule
    client.get("/no/such/page")
    after = samples(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    total = "samverka_http_requests_total"
    assert delta(total, route="/login", method="GET", status="200") == 1
    assert delta(total, route="/login", method="POST", status="302") == 1
    assert delta(total, route="/t/<tenant_slug>/", method="GET", status="200") == 1
    assert delta(total, route="/t/<tenant_slug>/", method="GET", status="404") == 1
    assert delta(total, route="<unmatched>", method="GET", status="404") == 1
    assert not any("sunne" in str(labels) for _name, labels in after)  # no raw paths
    latency = "samverka_http_request_duration_seconds_count"
    assert delta(latency, route="/t/<tenant_slug>/", method="GET") == 2
    assert (
        value(
            after,
            "samverka_http_request_duration_seconds_bucket",
            route="/login",
            method="POST",
            le="+Inf",
        )
        >= 1
    )


def test_queue_depth_and_failed_jobs_come_from_redis(app, client, settings):
    from samverka.jobs.queue import connect

    connection = connect(settings)
    connection.flushdb()
    queue = Queue(QUEUE_NAME, connection=connection)
    try:
        for n in range(3):
            queue.enqueue("samverka.jobs.runner.run", "testplugin.count_notes", n, {})
        found = samples(client)
        assert value(found, "samverka_jobs_queued", queue=QUEUE_NAME) == 3
        assert value(found, "samverka_jobs_failed", queue=QUEUE_NAME) == 0
        assert value(found, "samverka_redis_up") == 1
        job = queue.jobs[0]
        queue.failed_job_registry.add(job, exc_string="Traceback: boom")
        assert value(samples(client), "samverka_jobs_failed", queue=QUEUE_NAME) == 1
    finally:
        connection.flushdb()


def test_a_scrape_still_answers_when_redis_is_not_configured(settings, samverka_plugins):
    application = create_test_app(replace(settings, redis_url=""), samverka_plugins)
    found = samples(application.test_client())
    assert value(found, "samverka_redis_up") == 0
    application.extensions["samverka"].engine.dispose()


@pytest.mark.parametrize(
    "changes",
    [{"metrics_on_web": False}, {"metrics_on_web": False, "metrics_port": 9102}],
    ids=["by-default", "with-a-metrics-port"],
)
def test_not_on_the_web_port_unless_opened_there(settings, samverka_plugins, changes):
    application = create_test_app(replace(settings, **changes), samverka_plugins)
    response = application.test_client().get("/metrics")
    assert response.status_code == 404
    assert "samverka_" not in response.get_data(as_text=True)
    application.extensions["samverka"].engine.dispose()


def test_the_web_port_switch_is_read_from_the_environment(tmp_path):
    from samverka.config import Settings

    environ = {"SAMVERKA_INSTANCE_PATH": str(tmp_path)}
    assert not Settings.from_env(environ).metrics_on_web
    assert Settings.from_env({**environ, "SAMVERKA_METRICS_ON_WEB": "true"}).metrics_on_web


def test_the_outbox_backlog_is_what_the_dispatcher_last_counted(
    app, client, db, settings, tenant_pair
):
    from samverka.db import TenantScope, scoped
    from samverka.jobs.outbox import dispatch_now, enqueue
    from samverka.jobs.queue import connect

    connection = connect(settings)
    connection.flushdb()
    try:
        assert "samverka_outbox_backlog" not in {name for name, _labels in samples(client)}
        with app.app_context(), scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
            for n in range(4):
                enqueue(db, "core.count_to", tenant_id=tenant_pair.a.id, n=n)
            db.commit()  # dispatched at once; not run (no worker): still a backlog
        dispatch_now(app)
        found = samples(client)
        assert value(found, "samverka_outbox_backlog") == 4
        assert value(found, "samverka_outbox_backlog_age_seconds") < 5
    finally:
        connection.flushdb()
