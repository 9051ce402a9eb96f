"""Walking the chains: is every entry unchanged, in its place, and the tail complete?

For each chain, from its base (``base_seq``/``base_hash``: the start, or the last purge
checkpoint) each entry must have the next sequence number, the previous entry's hash as
``prev_hash``, and a hash that matches its fields; the last entry must be the head. The first
entry that fails is named, with why.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from samverka.audit.chain import (
    GENESIS,
    HASHED_FIELDS,
    chain_key,
    entry_hash,
    fields_of,
    tenant_of_chain,
)
from samverka.audit.models import AuditChainHead, AuditEntry
from samverka.audit.scope import all_chains_scope
from samverka.db import scoped

BATCH = 2000


@dataclass(frozen=True)
class Break:
    chain: str
    entry_id: int | None
    seq: int | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    chain: str
    tenant_id: int | None
    entries: int
    head_seq: int
    head_hash: str
    broken: Break | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.broken is None
        return data


def verify_all(session: Session, only_chain: str | None = None) -> list[ChainReport]:
    """Verify every chain (or only ``only_chain``) under the operator's explicit
    all-chains scope."""
    with scoped(session, all_chains_scope(session)):
        heads = select(AuditChainHead).order_by(AuditChainHead.chain)
        if only_chain is not None:
            heads = heads.where(AuditChainHead.chain == only_chain)
        reports = [verify_chain(session, head) for head in session.scalars(heads).all()]
        reports += _orphans(session, {r.chain for r in reports}, only_chain)
    return reports


def verify_chain(session: Session, head: AuditChainHead) -> ChainReport:
    expected_seq, prev = head.base_seq + 1, head.base_hash
    count, last = 0, None
    moved = _unrecorded_base(session, head)
    if moved:
        return _report(head, 0, Break(head.chain, None, head.base_seq, moved))
    for entry in _entries(session, head.chain, head.base_seq):
        problem = _problem(entry, expected_seq, prev)
        if problem:
            return _report(head, count, Break(head.chain, entry.id, entry.seq, problem))
        count, last = count + 1, entry
        expected_seq, prev = entry.seq + 1, entry.hash
    last_seq = last.seq if last is not None else head.base_seq
    if (last_seq, prev) != (head.seq, head.hash):
        reason = (
            f"the chain ends at seq {last_seq} but its head records seq {head.seq}"
            " (entries removed from the end, or the head altered)"
        )
        broken = Break(head.chain, last.id if last else None, last_seq, reason)
        return _report(head, count, broken)
    return _report(head, count, None)


def _problem(entry: Row, expected_seq: int, prev: str) -> str | None:
    if entry.seq != expected_seq:
        if entry.seq > expected_seq:
            return f"seq {expected_seq} is missing before seq {entry.seq} (entry deleted)"
        return f"seq {entry.seq} repeats or goes back, expected {expected_seq}"
    if entry.prev_hash != prev:
        return "prev_hash does not match the previous entry (entry inserted, deleted or moved)"
    if entry_hash(fields_of(entry)) != entry.hash:
        return "the entry's contents do not match its hash (entry changed)"
    if chain_key(entry.tenant_id) != entry.chain:
        return "the entry's tenant does not belong to its chain"
    return None


def _unrecorded_base(session: Session, head: AuditChainHead) -> str | None:
    """A chain that starts after seq 0 must say so itself: its newest ``audit.purge`` entry
    names the same checkpoint (else entries were cut off the front by hand)."""
    if head.base_seq == 0 and head.base_hash == GENESIS:
        return None
    details = session.scalar(
        select(AuditEntry.details)
        .where(AuditEntry.chain == head.chain, AuditEntry.action == "audit.purge")
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    if isinstance(details, str):
        details = json.loads(details)
    recorded = (details or {}).get("through_seq"), (details or {}).get("checkpoint")
    if recorded != (head.base_seq, head.base_hash):
        return (
            f"the chain starts after seq {head.base_seq} but no purge entry records that "
            "checkpoint (entries removed from the start, or the head altered)"
        )
    return None


def _entries(session: Session, chain: str, after: int = 0) -> Iterator[Row]:
    """The chain in sequence order, in batches of plain rows (a chain may hold millions of
    entries: nothing is kept in the session's identity map)."""
    columns = [AuditEntry.id, AuditEntry.hash, *(getattr(AuditEntry, f) for f in HASHED_FIELDS)]
    while True:
        batch = session.execute(
            select(*columns)
            .where(AuditEntry.chain == chain, AuditEntry.seq > after)
            .order_by(AuditEntry.seq, AuditEntry.id)
            .limit(BATCH)
        ).all()
        yield from batch
        if len(batch) < BATCH:
            return
        after = batch[-1].seq


def _orphans(session: Session, known: set[str], only_chain: str | None) -> list[ChainReport]:
    """Entries in a chain that has no head at all: forged (or the head was deleted)."""
    query = select(AuditEntry.chain).where(AuditEntry.chain.not_in(known or {""})).distinct()
    if only_chain is not None:
        query = query.where(AuditEntry.chain == only_chain)
    reports = []
    for chain in session.scalars(query).all():
        first = session.execute(
            select(AuditEntry.id, AuditEntry.seq)
            .where(AuditEntry.chain == chain)
            .order_by(AuditEntry.seq)
            .limit(1)
        ).one()
        reason = "the chain has no head row (forged entries, or the head deleted)"
        broken = Break(chain, first.id, first.seq, reason)
        reports.append(ChainReport(chain, _tenant(chain), 0, 0, "", broken))
    return reports


def _tenant(chain: str) -> int | None:
    try:
        return tenant_of_chain(chain)
    except ValueError:
        return None


def _report(head: AuditChainHead, count: int, broken: Break | None) -> ChainReport:
    return ChainReport(head.chain, _tenant(head.chain), count, head.seq, head.hash, broken)
