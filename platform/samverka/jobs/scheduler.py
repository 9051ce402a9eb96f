"""``samverka scheduler``: periodic work, run by exactly one process at a time.

Plugins (and the core) declare periodic work with the hook ``register_periodic_jobs()``
returning :class:`PeriodicJob` entries. Every scheduler process competes for a leader lock in
Redis (``SET NX PX`` with a token, renewed each tick by a compare-and-renew script); only the
leader runs jobs, so two schedulers (a rolling update, a second replica) never double-run.
If the leader dies its lock expires after ``3 ticks`` and another takes over; the time of each
job's last run is kept in Redis, so the schedule carries on where it was.

A job's ``func(session, now)`` runs in its own transaction: scoped to one tenant at a time
for ``per_tenant`` jobs, else to every tenant and the platform explicitly (the platform
acting across tenants, platform rows included; see :func:`samverka.jobs.outbox.platform_scope`).
Every process, leader or not, writes a heartbeat (read by ``python -m samverka.ops.probe
scheduler``).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid

from flask import Flask
from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka import clock
from samverka.db import SCOPE_FREE, TenantScope, platform_scope, set_scope
from samverka.plugins.manifest import PeriodicJob
from samverka.runtime import Runtime
from samverka.tenants.models import Tenant

log = logging.getLogger(__name__)
LEADER_KEY = "samverka:scheduler:leader"
HEARTBEAT_KEY = "samverka:scheduler:heartbeat"  # hash: hostname -> unix time
LAST_RUN_KEY = "samverka:scheduler:last:"
RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


def periodic_jobs(host) -> list[PeriodicJob]:
    jobs: list[PeriodicJob] = []
    for found in host.hook.register_periodic_jobs():
        jobs.extend(found or [])
    return jobs


class Scheduler:
    """One scheduler process (or thread, in tests and the demo)."""

    def __init__(self, app: Flask, connection: Redis, tick: float | None = None) -> None:

        self.app = app
        self.runtime: Runtime = app.extensions["samverka"]
        self.redis = connection
        self.tick = tick or self.runtime.settings.scheduler_tick_seconds
        self.token = f"{socket.gethostname()}:{uuid.uuid4().hex}"
        self.stopping = threading.Event()
        self._renew = connection.register_script(RENEW)

    @property
    def lock_ms(self) -> int:
        return max(int(self.tick * 3000), 1000)

    def is_leader(self) -> bool:
        """Take the lock if free, else renew it if ours."""
        if self.redis.set(LEADER_KEY, self.token, nx=True, px=self.lock_ms):
            log.info("scheduler: this process leads")
            return True
        return bool(self._renew(keys=[LEADER_KEY], args=[self.token, self.lock_ms]))

    def release(self) -> None:
        if self.redis.get(LEADER_KEY) == self.token.encode():
            self.redis.delete(LEADER_KEY)

    def heartbeat(self) -> None:
        self.redis.hset(HEARTBEAT_KEY, socket.gethostname(), str(time.time()))

    def run(self) -> None:
        """Until :meth:`stop`: heartbeat, and run due jobs while leading."""
        try:
            while not self.stopping.is_set():
                self.step()
                self.stopping.wait(self.tick)
        finally:
            self.release()

    def step(self) -> None:
        try:
            self.heartbeat()
            if self.is_leader():
                self.run_due()
        except Exception as error:  # Redis or the database away: try again next tick
            log.warning("scheduler: tick failed: %s", type(error).__name__)

    def stop(self) -> None:
        self.stopping.set()

    def run_due(self) -> list[str]:
        """Run every job whose period has passed since its last run; returns their names."""
        ran = []
        with self.app.app_context():
            for job in periodic_jobs(self.runtime.host):
                if not self.is_leader():  # lost the lock during a long job: stop here
                    break
                key = LAST_RUN_KEY + job.name
                last = float(self.redis.get(key) or 0)
                if time.time() - last < job.every.total_seconds():
                    continue
                self.redis.set(key, str(time.time()))
                self._run(job)
                ran.append(job.name)
        return ran

    def _run(self, job: PeriodicJob) -> None:
        now = clock.now()
        with self.runtime.sessions() as session:
            tenants = platform_tenants(session)
            scopes = (
                [TenantScope.for_tenant(t) for t in tenants]
                if job.per_tenant
                else [platform_scope(tenants)]
            )
            for scope in scopes:
                set_scope(session, scope)
                try:
                    job.func(session, now)
                    session.commit()
                except Exception as error:
                    session.rollback()
                    log.error("periodic job %s failed: %s", job.name, type(error).__name__)


def platform_tenants(session: Session) -> tuple[int, ...]:

    return tuple(
        session.scalars(select(Tenant.id).order_by(Tenant.id).execution_options(**SCOPE_FREE))
    )


def scheduler_alive(redis_url: str, hostname: str, max_silence: float) -> bool:
    """The probe: this host's scheduler wrote a heartbeat lately (Redis down counts as alive,
    like the worker's probe: restarting the scheduler would not bring Redis back)."""
    from redis.exceptions import ConnectionError as RedisDown
    from redis.exceptions import TimeoutError as RedisSlow

    connection = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        beat = connection.hget(HEARTBEAT_KEY, hostname)
    except (RedisDown, RedisSlow):
        return True
    finally:
        connection.close()
    return beat is not None and time.time() - float(beat) < max_silence
