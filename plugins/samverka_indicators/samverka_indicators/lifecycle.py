"""A member leaving: its shared definitions outlive it. Without this, deleting the tenant
that defined a shared data element would take every member's values of it along (the
values' foreign key cascades). Each shared definition that another member still has values
for is handed to one of them (the lowest id that has values and no definition of its own
with that code): a copy owned by the new owner, the members' values moved onto it, each
move in the member's own scope, audited in the new owner's chain. What stays behind (the
leaving tenant's own values, its local and unused definitions) goes with the tenant."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from samverka.plugins.api import consortium_read_scope, record_event, tenant_scope

from .expressions import parse
from .models import NAME, DataElement, DataValue, Indicator

log = logging.getLogger(__name__)

ELEMENT_FIELDS = ("code", "name", "unit", "aggregation", "source")
INDICATOR_FIELDS = (
    "code",
    "name",
    "numerator",
    "denominator",
    "factor",
    "term",
    "direction",
    "source",
    "attribution",
)


def hand_over_shared(session, tenant) -> None:
    """Called from ``before_tenant_delete`` in the deletion's scope (the leaving tenant)."""
    elements = _own_shared(session, DataElement, ELEMENT_FIELDS)
    indicators = _own_shared(session, Indicator, INDICATOR_FIELDS)
    if not elements and not indicators:
        return
    holders = _value_holders(session, tenant)  # element id → code, tenant ids with values
    for element_id, fields in elements.items():
        _, tenant_ids = holders.get(element_id, ("", set()))
        _hand_over_element(session, tenant, element_id, fields, sorted(tenant_ids))
    codes_held = {}
    for code, tenant_ids in holders.values():
        codes_held.setdefault(code, set()).update(tenant_ids)
    for indicator_id, fields in indicators.items():
        refs = parse(fields["numerator"]).references | parse(fields["denominator"]).references
        tenant_ids = set().union(*(codes_held.get(code, set()) for code in refs))
        _hand_over_indicator(session, tenant, indicator_id, fields, sorted(tenant_ids))


def _own_shared(session, model, names) -> dict[int, dict]:
    """The leaving tenant's shared definitions, as plain values (its rows leave the session
    when the scope changes)."""
    columns = [model.id, *(getattr(model, n) for n in names)]
    rows = session.execute(select(*columns).where(model.shared.is_(True))).all()
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


def _value_holders(session, tenant) -> dict[int, tuple[str, set[int]]]:
    """Element id → (code, the other members that have values of it), read in the
    consortium's read-only scope."""
    with consortium_read_scope(session, tenant, NAME):
        rows = session.execute(
            select(DataValue.element_id, DataElement.code, DataValue.tenant_id)
            .join(DataElement, DataElement.id == DataValue.element_id)
            .where(DataValue.tenant_id != tenant.id)
            .distinct()
        ).all()
    found: dict[int, tuple[str, set[int]]] = {}
    for element_id, code, tenant_id in rows:
        found.setdefault(element_id, (code, set()))[1].add(tenant_id)
    return found


def _new_owner(session, model, code: str, candidates: list[int]) -> int | None:
    """The lowest candidate without a definition of its own with ``code`` (the unique key)."""
    for tenant_id in candidates:
        with tenant_scope(session, tenant_id):
            if session.scalar(select(model.id).where(model.code == code)) is None:
                return tenant_id
    return None


def _hand_over_element(session, tenant, element_id, fields, candidates) -> None:
    owner = _new_owner(session, DataElement, fields["code"], candidates)
    if owner is None:
        if candidates:
            log.warning("shared element %s: every member has its own; not handed over", element_id)
        return
    with tenant_scope(session, owner):
        copy = DataElement(tenant_id=owner, shared=True, **fields)
        session.add(copy)
        session.flush()
        _audit(session, tenant, owner, "data_element", copy.id, element_id)
    for member in candidates:
        with tenant_scope(session, member):
            session.execute(
                update(DataValue)
                .where(DataValue.element_id == element_id)
                .values(element_id=copy.id)
                .execution_options(synchronize_session=False)
            )


def _hand_over_indicator(session, tenant, indicator_id, fields, candidates) -> None:
    owner = _new_owner(session, Indicator, fields["code"], candidates)
    if owner is None:
        return
    with tenant_scope(session, owner):
        copy = Indicator(tenant_id=owner, shared=True, **fields)
        session.add(copy)
        session.flush()
        _audit(session, tenant, owner, "indicator", copy.id, indicator_id)


def _audit(session, tenant, owner: int, target_type: str, new_id: int, old_id: int) -> None:
    record_event(
        session,
        "indicators.ownership_transfer",
        tenant_id=owner,
        target_type=target_type,
        target_id=new_id,
        details={"previous_id": old_id, "previous_tenant_id": tenant.id},
    )
