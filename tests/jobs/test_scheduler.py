"""Two schedulers on one Redis: only the leader runs periodic work; when it stops, the other
takes over; the heartbeat the probe reads is written by both."""

from __future__ import annotations

import socket
import threading
import time

from samverka.jobs.queue import connect
from samverka.jobs.scheduler import Scheduler, scheduler_alive
from samverka_testplugin import TICKS


def wait_until(condition, seconds: float = 10.0) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` pass: a busy CI machine may run the
    scheduler's 0.05 s ticks late, so a test counts events, not sleeps."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_two_schedulers_never_both_run_periodic_work(app, settings, queue):
    TICKS.clear()
    schedulers = {
        name: Scheduler(app, connect(settings), tick=0.05) for name in ("first", "second")
    }
    threads = {
        name: threading.Thread(target=s.run, name=name, daemon=True)
        for name, s in schedulers.items()
    }
    try:
        for thread in threads.values():
            thread.start()
        assert wait_until(lambda: len(TICKS) >= 5), f"the leader ran too rarely: {TICKS}"
        leaders = set(TICKS)
        assert len(leaders) == 1, f"periodic work ran in {leaders}"
        assert scheduler_alive(settings.redis_url, socket.gethostname(), max_silence=5)
        (leader,) = leaders
        (other,) = set(schedulers) - leaders
        schedulers[leader].stop()
        threads[leader].join(5)
        assert not threads[leader].is_alive()
        TICKS.clear()
        # the lock was released: the other leads within a tick or two
        assert wait_until(lambda: len(TICKS) >= 3), "no scheduler took over"
        assert set(TICKS) == {other}
    finally:  # never leave a scheduler running periodic work into the next tests
        for name, scheduler in schedulers.items():
            scheduler.stop()
            threads[name].join(5)


def test_a_silent_scheduler_is_not_alive(settings, queue):
    assert not scheduler_alive(settings.redis_url, "no-such-host", max_silence=5)
