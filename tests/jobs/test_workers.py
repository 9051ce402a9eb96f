"""A worker's teardown ends its command listener at once (RQ 3 with redis-py 8 waited out the
listener's 60-second poll: every burst run and every worker stop could take a minute)."""

from __future__ import annotations

import time

import pytest

from samverka.jobs.queue import connect, get_queue
from samverka.jobs.workers import SimpleWorker, Worker


@pytest.mark.parametrize("kind", [Worker, SimpleWorker])
def test_unsubscribing_ends_the_listener_within_seconds(settings, queue, kind):
    connection = connect(settings)
    worker = kind([get_queue(connection)], connection=connection)
    worker.subscribe()
    time.sleep(0.5)  # the listener is now inside its 60-second poll
    unsubscribe = worker.pubsub.unsubscribe

    def unsubscribe_on_a_busy_machine(*args):
        """The listener handles the reply before the worker goes on (as under load)."""
        unsubscribe(*args)
        time.sleep(0.5)

    worker.pubsub.unsubscribe = unsubscribe_on_a_busy_machine
    started = time.monotonic()
    worker.unsubscribe()
    took = time.monotonic() - started
    assert not worker.pubsub_thread.is_alive()
    assert took < 5, f"the listener took {took:.1f} s to stop"
    connection.close()


def test_a_burst_run_with_nothing_to_do_returns_at_once(settings, queue):
    connection = connect(settings)
    started = time.monotonic()
    SimpleWorker([get_queue(connection)], connection=connection).work(burst=True)
    assert time.monotonic() - started < 5
    connection.close()
