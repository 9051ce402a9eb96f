"""Retention: entries older than the retention period are purged, chain by chain, and the
chain stays verifiable from a checkpoint.

HSLF-FS 2016:40 asks for access logs to be kept at least five years; the default and the
floor is :data:`MIN_RETENTION_DAYS` (five years and a leap day), in every environment:
``SAMVERKA_AUDIT_RETENTION_DAYS`` may only lengthen it. PostgreSQL enforces the same floor in
``samverka_audit_purge`` (see :mod:`samverka.rls`), so even a mistaken caller cannot delete a
younger entry. Tests age entries by recording them with the accounts' clock set back.

Purging a chain removes a prefix ``seq <= N``: the head's ``base_seq``/``base_hash`` become
``N`` and the hash of entry ``N``, and an ``audit.purge`` entry with the same checkpoint is
appended to the chain itself, so verification starts at the checkpoint and a moved base
without its purge entry shows. A chain that does not verify is not purged (the evidence is
kept for whoever investigates).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from samverka import clock
from samverka.audit.chain import tenant_of_chain
from samverka.audit.context import SYSTEM, acting_as, current_actor
from samverka.audit.events import record_event
from samverka.audit.models import AuditChainHead, AuditEntry
from samverka.audit.scope import all_chains_scope
from samverka.audit.verify import verify_chain
from samverka.config import MIN_RETENTION_DAYS
from samverka.db import scoped

PURGE_ACTION = "audit.purge"


@dataclass(frozen=True)
class Purged:
    chain: str
    through_seq: int
    removed: int
    skipped: str | None = None  # why nothing was removed from a chain that had old entries


def purge_expired(
    session: Session, now: datetime, retention_days: int | None = None, *, dry_run: bool = False
) -> list[Purged]:
    """Remove every chain's entries older than the retention period (in ``session``'s
    transaction: the caller commits). For the scheduler: ``purge_expired(session, now)``."""
    days = max(retention_days or _configured_days(), MIN_RETENTION_DAYS)
    cutoff = now - timedelta(days=days)
    results = []
    actor = current_actor()
    context = acting_as(SYSTEM, label="retention") if actor.kind == SYSTEM else nullcontext()
    with context, scoped(session, all_chains_scope(session)):
        heads = session.scalars(select(AuditChainHead).order_by(AuditChainHead.chain)).all()
        for head in heads:
            result = _purge_chain(session, head, cutoff, dry_run)
            if result is not None:
                results.append(result)
        if not dry_run:
            session.flush()
    return results


def _purge_chain(
    session: Session, head: AuditChainHead, cutoff: datetime, dry_run: bool
) -> Purged | None:
    through = _last_expired_seq(session, head.chain, head.base_seq, cutoff)
    if through is None:
        return None
    count = through - head.base_seq
    if dry_run:
        return Purged(head.chain, through, count)
    report = verify_chain(session, head)
    if report.broken is not None:
        return Purged(head.chain, through, 0, f"chain broken: {report.broken.reason}")
    checkpoint = session.scalar(
        select(AuditEntry.hash).where(AuditEntry.chain == head.chain, AuditEntry.seq == through)
    )
    removed = _delete_through(session, head.chain, through)
    if removed != count:
        raise RuntimeError(
            f"purge of {head.chain} removed {removed} entries, expected {count}: "
            "the database clock and the application clock disagree"
        )
    session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.chain == head.chain)
        .values(base_seq=through, base_hash=checkpoint)
    )
    record_event(
        session,
        PURGE_ACTION,
        tenant_id=tenant_of_chain(head.chain),
        target_type="audit_chain",
        target_id=head.chain,
        details={"through_seq": through, "checkpoint": checkpoint, "removed": removed},
    )
    return Purged(head.chain, through, removed)


def _last_expired_seq(session: Session, chain: str, base_seq: int, cutoff: datetime) -> int | None:
    """The end of the chain's expired prefix: just before its first young entry (entries
    are written in commit order, so times are only nearly in sequence order)."""
    in_chain = (AuditEntry.chain == chain, AuditEntry.seq > base_seq)
    first_young = session.scalar(
        select(func.min(AuditEntry.seq)).where(*in_chain, AuditEntry.occurred_at >= cutoff)
    )
    last_old = session.scalar(
        select(func.max(AuditEntry.seq)).where(*in_chain, AuditEntry.occurred_at < cutoff)
    )
    if last_old is None:
        return None
    through = min(last_old, first_young - 1) if first_young is not None else last_old
    return through if through > base_seq else None


def _delete_through(session: Session, chain: str, through: int) -> int:
    """PostgreSQL: through the SECURITY DEFINER function (the app role may not DELETE);
    SQLite: directly, with the same floor."""
    if session.get_bind().dialect.name == "postgresql":
        return session.scalar(
            text("SELECT samverka_audit_purge(:chain, :through)"),
            {"chain": chain, "through": through},
        )
    floor = clock.now() - timedelta(days=MIN_RETENTION_DAYS)
    return session.execute(
        delete(AuditEntry)
        .where(AuditEntry.chain == chain, AuditEntry.seq <= through)
        .where(AuditEntry.occurred_at < floor)
        .execution_options(synchronize_session=False)
    ).rowcount


def _configured_days() -> int:
    from flask import current_app, has_app_context

    if not has_app_context():
        return MIN_RETENTION_DAYS
    return current_app.extensions["samverka"].settings.audit_retention_days
