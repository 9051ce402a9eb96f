"""Appending entries: :func:`record_event`, in the caller's transaction.

The entry is written in the session of the change it records, so both commit or neither
does. Appending locks the chain's head row until the transaction ends: record the event
just before committing, after the work that might fail.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from samverka.audit.chain import GENESIS, chain_key, entry_hash, fields_of
from samverka.audit.context import current_actor
from samverka.audit.models import AuditChainHead, AuditEntry
from samverka.auth import clock

OUTCOMES = frozenset({"success", "denied", "failure"})
ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
DETAIL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# ids, slugs, role and field names, reason words: no spaces (free text), no "@" (addresses)
DETAIL_TEXT = re.compile(r"^[A-Za-z0-9_.:/+-]{0,100}$")
SECRET_KEY = re.compile(r"pass|pwd|secret|otp|credential|cookie|recovery|^code$|hash|salt")
MAX_DETAIL_ITEMS = 50


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
    """Append one entry to ``tenant_id``'s chain (the platform chain for None), flushed in
    ``session``'s transaction; the caller commits (or rolls back both)."""
    _check(action, outcome, target_type)
    clean = clean_details(details)
    actor = current_actor()
    chain = chain_key(tenant_id)
    seq, prev_hash = _advance_head(session, chain)
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
        chain=chain,
        seq=seq,
        prev_hash=prev_hash,
    )
    entry.hash = entry_hash(fields_of(entry))
    session.add(entry)
    session.flush()
    session.execute(
        update(AuditChainHead).where(AuditChainHead.chain == chain).values(hash=entry.hash),
        execution_options={"synchronize_session": False},
    )
    return entry


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


def _advance_head(session: Session, chain: str) -> tuple[int, str]:
    """Take the chain's next sequence number and the previous hash, locking the head row.

    ``UPDATE … RETURNING`` locks the row on PostgreSQL (a concurrent append waits, then
    reads the committed head) and takes SQLite's write lock; a chain's first append creates
    its head (a racing creator's insert is ignored, then both queue on the update).
    """
    bump = (
        update(AuditChainHead)
        .where(AuditChainHead.chain == chain)
        .values(seq=AuditChainHead.seq + 1)
        .returning(AuditChainHead.seq, AuditChainHead.hash)
    )
    options = {"synchronize_session": False}
    row = session.execute(bump, execution_options=options).one_or_none()
    if row is None:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(AuditChainHead)
            .values(chain=chain, seq=0, hash=GENESIS, base_seq=0, base_hash=GENESIS)
            .on_conflict_do_nothing(index_elements=["chain"])
        )
        row = session.execute(bump, execution_options=options).one()
    return row.seq, row.hash
