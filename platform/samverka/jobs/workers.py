"""RQ's workers, with a stop that does not wait a minute.

RQ listens for commands (stop a job, shut down) on a pub/sub channel, in a thread that polls
with a 60-second timeout. On teardown RQ 3 unsubscribes first and then stops that thread;
redis-py 8's ``stop()`` joins the thread, which, no longer subscribed, first waits out its
60-second poll. So every worker stop, and every burst run (the tests', ``samverka worker
--burst``), could hang for a minute: the suite lost about a thousand seconds to it and the
demo's worker had to be killed. Here the thread is told to end first, then the UNSUBSCRIBE
reply wakes it, and it ends within milliseconds.
"""

from __future__ import annotations

import rq

#: How long the teardown waits for the listener thread (it is a daemon thread either way).
LISTENER_JOIN_SECONDS = 2.0


class _PromptUnsubscribe:
    pubsub_thread: object
    pubsub: object

    def unsubscribe(self) -> None:
        thread = self.pubsub_thread
        if thread is None:
            return
        try:
            thread.stop(timeout=0)  # clear its flag, do not wait yet
        except TypeError:  # redis-py before 8: stop() takes no timeout and never waits
            thread.stop()
        self.pubsub.unsubscribe()  # the reply wakes the thread, which sees it must end
        thread.join(timeout=LISTENER_JOIN_SECONDS)
        self.pubsub.close()


class Worker(_PromptUnsubscribe, rq.Worker):
    """A forking worker (``samverka worker``): each job in a work horse."""


class SimpleWorker(_PromptUnsubscribe, rq.SimpleWorker):
    """A worker that runs jobs in its own process (tests, burst runs in-process)."""
