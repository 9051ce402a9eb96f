"""Helpers for the job tests: what a view does, and reading back what happened."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from samverka.db import TenantScope, scoped
from samverka.jobs.models import OutboxJob
from samverka.jobs.outbox import enqueue
from samverka_testplugin import Note

HERE = Path(__file__).parent


def notes(db, tenant) -> list[str]:
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        return list(db.scalars(select(Note.text).order_by(Note.id)))


def outbox_row(db, tenant, job_id) -> OutboxJob:
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        return db.get(OutboxJob, job_id)


def add_note(app, db, tenant, text: str, **kwargs) -> int:
    """What a view does: a write and its job in one transaction, then the commit."""
    with app.app_context(), scoped(db, TenantScope.for_tenant(tenant.id)):
        db.add(Note(text=f"cause of {text}"))
        job = enqueue(db, "testplugin.add_note", tenant_id=tenant.id, text=text, **kwargs)
        db.commit()
        return job.id


def worker_process(settings, lease: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [str(HERE.parent / "testplugin"), os.environ.get("PYTHONPATH", "")]
        ),
        SAMVERKA_ENV="testing",
        SAMVERKA_DATABASE_URL=settings.database_url,
        SAMVERKA_DATABASE_OWNER_URL=settings.database_owner_url,
        SAMVERKA_REDIS_URL=settings.redis_url,
        SAMVERKA_SECRET_KEY=settings.secret_key,
        SAMVERKA_ENCRYPTION_KEYS=settings.encryption_keys,
        SAMVERKA_INSTANCE_PATH=str(settings.instance_path),
        SAMVERKA_JOB_LEASE_SECONDS=str(lease),
    )
    return subprocess.Popen(  # its own process group: the work horse dies with it
        [sys.executable, str(HERE / "worker_main.py")],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_hard(process: subprocess.Popen) -> None:
    """SIGKILL the worker and its work horse (RQ forks one per job, in a session of its
    own), as when the pod or machine dies."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    for pid in [process.pid, *map(int, children)]:
        os.kill(pid, signal.SIGKILL)
    process.wait(5)
