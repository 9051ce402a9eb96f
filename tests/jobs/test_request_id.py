"""The request that queued a job and the job's log lines share one request id."""

from __future__ import annotations

import logging

from flask import jsonify

from samverka.jobs import runner
from samverka.jobs.queue import REQUEST_ID_META, connect, enqueue, get_queue
from samverka.jobs.workers import SimpleWorker


def test_the_request_id_travels_into_the_job(app, settings, tenant_pair, with_plugins, caplog):
    with_plugins(tenant_pair.a, "testplugin")
    connection = connect(settings)
    connection.flushdb()
    queue = get_queue(connection)
    host = app.extensions["samverka"].host

    @app.post("/_queue-count")
    def queue_count():  # what a view that starts background work does
        job = enqueue(
            queue, host, frozenset({"testplugin"}), tenant_pair.a.id, "testplugin.count_notes"
        )
        return jsonify(job=job.id)

    runner.use_app(app)
    try:
        app.config["WTF_CSRF_ENABLED"] = False
        response = app.test_client().post("/_queue-count")
        request_id = response.headers["X-Request-ID"]
        job = queue.fetch_job(response.get_json()["job"])
        assert job.meta[REQUEST_ID_META] == request_id
        caplog.set_level(logging.INFO, logger="samverka.jobs.runner")
        SimpleWorker([queue], connection=connection).work(burst=True)
        job.refresh()
        assert job.get_status() == "finished", job.latest_result()
        started = [r for r in caplog.records if r.getMessage().startswith("job testplugin")]
        assert started, caplog.text
        assert {r.request_id for r in started} == {request_id}
        assert {r.job for r in started} == {"testplugin.count_notes"}
        assert {r.tenant for r in started} == {"sunne"}
    finally:
        runner.use_app(None)
        connection.flushdb()
