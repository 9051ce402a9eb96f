"""``python -m samverka.ops.probe worker|scheduler``: liveness probes without HTTP.

``worker``: alive when an RQ worker on this host (pod) has sent a heartbeat to Redis within
``MAX_SILENCE`` seconds. ``scheduler``: alive when ``samverka scheduler`` on this host wrote
its heartbeat (every tick, leader or not) within ``SCHEDULER_SILENCE`` seconds. Redis itself
being down is the readiness concern of the web pods, not a reason to restart every worker,
so an unreachable Redis counts as alive.
"""

from __future__ import annotations

import socket
import sys
from datetime import UTC, datetime

MAX_SILENCE = 120  # RQ sends a heartbeat every few seconds while idle or working
SCHEDULER_SILENCE = 60  # the scheduler beats every tick (1 s by default)


def worker_alive(redis_url: str, hostname: str, max_silence: float = MAX_SILENCE) -> bool:
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown
    from redis.exceptions import TimeoutError as RedisSlow
    from rq import Worker

    connection = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        workers = Worker.all(connection=connection)
    except (RedisDown, RedisSlow):
        return True
    finally:
        connection.close()
    now = datetime.now(UTC)
    return any(
        w.hostname == hostname
        and w.last_heartbeat is not None
        and (now - w.last_heartbeat.replace(tzinfo=UTC)).total_seconds() < max_silence
        for w in workers
    )


def main(argv: list[str]) -> int:
    if argv not in (["worker"], ["scheduler"]):
        print("usage: python -m samverka.ops.probe worker|scheduler", file=sys.stderr)
        return 2
    from samverka.config import Settings

    settings = Settings.from_env()
    if not settings.redis_url:
        print("SAMVERKA_REDIS_URL is not set", file=sys.stderr)
        return 1
    if argv == ["scheduler"]:
        from samverka.jobs.scheduler import scheduler_alive

        alive = scheduler_alive(settings.redis_url, socket.gethostname(), SCHEDULER_SILENCE)
    else:
        alive = worker_alive(settings.redis_url, socket.gethostname())
    if alive:
        return 0
    print(f"no recent heartbeat from a {argv[0]} on this host", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
