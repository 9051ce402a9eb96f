"""Who may act on records, and what type a record is: the two lookups that both the records
services and :mod:`samverka.records.disclosure` (which fields a viewer may see) need, kept
below both so that neither has to import the other."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from samverka.auth.authorization import Principal, authorize
from samverka.records.models import Record
from samverka.records.types import RecordType, RecordTypeRegistry
from samverka.runtime import runtime
from samverka.tenants.models import Tenant


def record_types() -> RecordTypeRegistry:
    return runtime().record_types


def record_type_of(record: Record) -> RecordType:
    return record_types().get(record.type_name)


def principal_of(user: Any) -> Principal:
    """A User, an API token's (capped) Principal, or None: the operator at the command line."""
    if isinstance(user, Principal):
        return user
    if user is None:
        return Principal.operator()
    return Principal.of(user)


def may(session: Session, user: Any, action: str, tenant: Tenant) -> bool:
    """Whether ``user`` may ``action`` in ``tenant``, decided by :func:`authorize`."""
    return authorize(session, runtime().registry, principal_of(user), action, tenant=tenant)
