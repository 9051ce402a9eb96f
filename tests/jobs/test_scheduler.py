"""Two schedulers on one Redis: only the leader runs periodic work; when it stops, the other
takes over; the heartbeat the probe reads is written by both."""

from __future__ import annotations

import socket
import threading
import time

from samverka.jobs.queue import connect
from samverka.jobs.scheduler import Scheduler, scheduler_alive
from samverka_testplugin import TICKS


def test_two_schedulers_never_both_run_periodic_work(app, settings, queue):
    TICKS.clear()
    first = Scheduler(app, connect(settings), tick=0.05)
    second = Scheduler(app, connect(settings), tick=0.05)
    threads = [
        threading.Thread(target=s.run, name=name, daemon=True)
        for s, name in ((first, "first"), (second, "second"))
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    leaders = set(TICKS)
    assert len(leaders) == 1, f"periodic work ran in {leaders}"
    assert len(TICKS) >= 5, "the leader ran too rarely"
    assert scheduler_alive(settings.redis_url, socket.gethostname(), max_silence=5)
    (leader,) = leaders
    stopping = first if leader == "first" else second
    stopping.stop()
    threads[0 if leader == "first" else 1].join(5)
    TICKS.clear()
    time.sleep(1.0)  # the lock was released: the other leads within a tick or two
    (second.stop(), first.stop())
    for thread in threads:
        thread.join(5)
    assert set(TICKS) == {"second" if leader == "first" else "first"}


def test_a_silent_scheduler_is_not_alive(settings, queue):
    assert not scheduler_alive(settings.redis_url, "no-such-host", max_silence=5)
