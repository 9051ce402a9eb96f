"""Appending entries: :func:`record_event`, in the caller's transaction.

An entry is built when the event is recorded (its time and actor are fixed then) and written
when the session commits, in the same transaction as the change it records: both commit or
neither does, and a rollback discards it. Writing at commit time does two things:

- the chains' head rows are locked only for the moment of the commit, not from the event to
  the commit, so appends to a busy chain (the platform's log-ins) wait as little as possible;
- a transaction that touches several chains locks their heads in one global order (by chain
  key), so two transactions that record events for tenants A and B never deadlock.

:func:`flush_pending` writes the pending entries at once (tests, or a caller that needs the
entry's ``id``/``seq``/``hash`` before committing; the head stays locked until the commit).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy import bindparam, event, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from samverka import clock
from samverka.audit.chain import GENESIS, chain_key, entry_hash, fields_of
from samverka.audit.context import current_actor
from samverka.audit.models import AuditChainHead, AuditEntry
from samverka.db import SCOPE_FREE

OUTCOMES = frozenset({"success", "denied", "failure"})
ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
DETAIL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# ids, slugs, role and field names, reason words: no spaces (free text), no "@" (addresses)
DETAIL_TEXT = re.compile(r"^[A-Za-z0-9_.:/+-]{0,100}$")
SECRET_KEY = re.compile(r"pass|pwd|secret|otp|credential|cookie|recovery|^code$|hash|salt")
MAX_DETAIL_ITEMS = 50
PENDING_KEY = "samverka.audit_pending"

# The chain heads, advanced at every commit that records events: plain Core statements built
# once, run without the ORM's tenant criteria (the heads carry no tenant; adding and caching
# the criteria options cost more than the statements themselves, per audited request).
_heads = AuditChainHead.__table__
BUMP = (
    update(_heads)
    .where(_heads.c.chain == bindparam("p_chain"))
    .values(seq=_heads.c.seq + bindparam("p_count"))
    .returning(_heads.c.seq, _heads.c.hash)
)
SET_HASH = (
    update(_heads).where(_heads.c.chain == bindparam("p_chain")).values(hash=bindparam("p_hash"))
)
HEAD_SQL = {**SCOPE_FREE, "synchronize_session": False}


class AuditDetailsError(ValueError):
    """``details`` held something an audit log must not: a secret or free text."""


def record_event(
    session: Session,
    action: str,
    *,
    tenant_id: int | None,
    target_type: str | None = None,
    target_id: str | int | None = None,
    outcome: str = "success",
    details: dict | None = None,
) -> AuditEntry:
    """Record one event for ``tenant_id``'s chain (the platform chain for None), written
    when ``session`` commits; the caller commits (or rolls back both)."""
    _check(action, outcome, target_type)
    clean = clean_details(details)
    actor = current_actor()
    entry = AuditEntry(
        occurred_at=clock.now(),
        tenant_id=tenant_id,
        actor_kind=actor.kind,
        actor_user_id=actor.user_id,
        actor_token_id=actor.token_id,
        actor_label=actor.label,
        on_behalf_tenant_id=actor.on_behalf_tenant_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id)[:64],
        outcome=outcome,
        client_address=actor.client_address,
        request_id=actor.request_id,
        details=clean,
        chain=chain_key(tenant_id),
    )
    session.info.setdefault(PENDING_KEY, []).append((entry, session.get_nested_transaction()))
    return entry


def flush_pending(session: Session) -> list[AuditEntry]:
    """Write the session's recorded entries now: each chain's head is advanced once for all
    of its entries, chains in key order (one lock order for every transaction)."""
    pending = session.info.pop(PENDING_KEY, [])
    by_chain: dict[str, list[AuditEntry]] = defaultdict(list)
    for entry, _savepoint in pending:
        by_chain[entry.chain].append(entry)
    for chain in sorted(by_chain):
        _append(session, chain, by_chain[chain])
    if pending:
        session.flush()
    return [entry for entry, _savepoint in pending]


def _append(session: Session, chain: str, entries: list[AuditEntry]) -> None:
    last_seq, prev_hash = _advance_head(session, chain, len(entries))
    for seq, entry in enumerate(entries, start=last_seq - len(entries) + 1):
        entry.seq, entry.prev_hash = seq, prev_hash
        entry.hash = prev_hash = entry_hash(fields_of(entry))
        session.add(entry)
    session.execute(SET_HASH, {"p_chain": chain, "p_hash": prev_hash}, execution_options=HEAD_SQL)


@event.listens_for(Session, "before_commit")
def _write_at_commit(session: Session) -> None:
    if session.info.get(PENDING_KEY):
        flush_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, previous: SessionTransaction) -> None:
    """A rollback discards the entries recorded in what it rolled back (a savepoint: only
    those recorded inside it)."""
    pending = session.info.get(PENDING_KEY)
    if not pending:
        return
    if not previous.nested:
        session.info.pop(PENDING_KEY, None)
        return
    session.info[PENDING_KEY] = [
        (entry, savepoint) for entry, savepoint in pending if not _inside(savepoint, previous)
    ]


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ends without a commit (``close()``, a failed commit) takes its
    entries with it: none may be written by a later, unrelated commit of the session."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(PENDING_KEY, None)


def _inside(savepoint: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is rolled_back:
            return True
        savepoint = savepoint.parent
    return False


def _check(action: str, outcome: str, target_type: str | None) -> None:
    if not ACTION.match(action) or len(action) > 63:
        raise ValueError(f"audit action {action!r} is not <area>.<verb>")
    if outcome not in OUTCOMES:
        raise ValueError(f"audit outcome {outcome!r} is not one of {sorted(OUTCOMES)}")
    if target_type is not None and not DETAIL_KEY.match(target_type):
        raise ValueError(f"audit target type {target_type!r} is not a plain name")


def clean_details(details: dict | None) -> dict[str, Any] | None:
    """``details`` if it holds only ids, flags and short names; else :class:`AuditDetailsError`.

    Refused rather than dropped silently: a secret or personal free text reaching an audit
    call is a programming error that tests should catch.
    """
    if not details:
        return None
    if len(details) > MAX_DETAIL_ITEMS:
        raise AuditDetailsError("too many audit details")
    return {_key(key): _value(key, value) for key, value in details.items()}


def field_names(mapping: dict | None) -> list[str]:
    """The keys of a configuration or form, for ``details`` (the values may be secrets or
    free text and are left out; a key that is not a plain name is left out too)."""
    return sorted(k for k in (mapping or {}) if isinstance(k, str) and DETAIL_TEXT.match(k))


def _key(key: object) -> str:
    if not isinstance(key, str) or not DETAIL_KEY.match(key):
        raise AuditDetailsError(f"audit detail key {key!r} is not a plain name")
    if SECRET_KEY.search(key) or ("token" in key and not key.endswith("_id")):
        raise AuditDetailsError(f"audit detail {key!r} looks like a secret")
    return key


def _value(key: str, value: object) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        if not DETAIL_TEXT.match(value):
            raise AuditDetailsError(f"audit detail {key!r} holds free text")
        return value
    if isinstance(value, list | tuple) and len(value) <= MAX_DETAIL_ITEMS:
        return [_value(key, item) for item in value if not isinstance(item, list | tuple)]
    raise AuditDetailsError(f"audit detail {key!r} is not an id, flag, name or list of them")


def _advance_head(session: Session, chain: str, count: int) -> tuple[int, str]:
    """Reserve ``count`` sequence numbers; the last one and the previous hash, locking the
    head row until the transaction ends.

    ``UPDATE … RETURNING`` locks the row on PostgreSQL (a concurrent append waits, then
    reads the committed head) and takes SQLite's write lock; a chain's first append creates
    its head (a racing creator's insert is ignored, then both queue on the update).
    """
    row = session.execute(BUMP, {"p_chain": chain, "p_count": count}, execution_options=HEAD_SQL)
    row = row.one_or_none()
    if row is None:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(AuditChainHead)
            .values(chain=chain, seq=0, hash=GENESIS, base_seq=0, base_hash=GENESIS)
            .on_conflict_do_nothing(index_elements=["chain"]),
            execution_options=HEAD_SQL,
        )
        row = session.execute(
            BUMP, {"p_chain": chain, "p_count": count}, execution_options=HEAD_SQL
        ).one()
    return row.seq, row.hash
