"""The hash chain: canonical serialisation of an entry and its SHA-256.

One chain per tenant (``t<id>``) and one for the platform (``platform``), so appends of
different tenants never wait for each other. Each entry's hash covers its own fields and the
previous entry's hash; changing, inserting, deleting or reordering entries breaks the chain
from that point, and the head row (the newest ``seq`` and ``hash``) shows a cut-off tail.

The database ``id`` is not hashed: it is only known after the insert on SQLite, and an entry's
place is its ``(chain, seq)``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
PLATFORM_CHAIN = "platform"
FORMAT_VERSION = 1
HASHED_FIELDS = (
    "chain",
    "seq",
    "prev_hash",
    "occurred_at",
    "tenant_id",
    "actor_kind",
    "actor_user_id",
    "actor_token_id",
    "actor_label",
    "on_behalf_tenant_id",
    "action",
    "target_type",
    "target_id",
    "outcome",
    "client_address",
    "request_id",
    "details",
)


def chain_key(tenant_id: int | None) -> str:
    return PLATFORM_CHAIN if tenant_id is None else f"t{tenant_id}"


def tenant_of_chain(chain: str) -> int | None:
    """The tenant id a chain key names (None for the platform chain)."""
    return None if chain == PLATFORM_CHAIN else int(chain[1:])


def utc_text(moment: datetime | str) -> str:
    """A fixed text form of a UTC time to the microsecond (SQLite returns naive times, and
    raw SQL on SQLite text)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same bytes on every backend and every run."""
    payload = {name: fields.get(name) for name in HASHED_FIELDS}
    payload["occurred_at"] = utc_text(payload["occurred_at"])
    if isinstance(payload["details"], str):  # raw SQL hands JSON back as text
        payload["details"] = json.loads(payload["details"])
    payload["v"] = FORMAT_VERSION
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def fields_of(entry: object) -> dict[str, Any]:
    """The hashed fields of a stored entry (for verification)."""
    return {name: getattr(entry, name) for name in HASHED_FIELDS}
