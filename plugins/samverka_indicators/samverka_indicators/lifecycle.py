"""A member leaving: its shared definitions outlive it. Without this, deleting the tenant
that defined a shared data element would take every member's values of it along (the
values' foreign key cascades). Each shared definition that another member still has values
for is handed to one of them (the lowest id that has values and no definition of its own
with that code): a copy owned by the new owner, the members' values moved onto it, each
move in the member's own scope, audited in the new owner's chain. What stays behind (the
leaving tenant's own values, its local and unused definitions) goes with the tenant.

When *every* member with values already has its own definition with that code, no one can
take the definition over under its code; :func:`_resolve_clash` then keeps the values (see
there why they go onto the members' own definitions when those agree)."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from samverka.toolkit import consortium_read_scope, record_event, tenant_scope

from .expressions import parse
from .models import (
    ELEMENT_FIELDS,
    INDICATOR_FIELDS,
    NAME,
    DataElement,
    DataValue,
    Indicator,
    MeasureLink,
    Target,
)

log = logging.getLogger(__name__)


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
            _resolve_clash(session, tenant, element_id, fields, candidates)
        return
    _copy_element(session, tenant, element_id, fields, owner, candidates)


def _copy_element(
    session, tenant, element_id, fields, owner: int, members: list[int], previous_code=None
) -> None:
    """A shared copy of the element owned by ``owner``, the ``members``' values moved onto
    it (each move in the member's scope: values are the member's rows). ``previous_code``:
    the leaving definition's code when the copy gets another one (audited beside it)."""
    renamed = (
        {"element_code": fields["code"], "previous_code": previous_code} if previous_code else {}
    )
    with tenant_scope(session, owner):
        copy = DataElement(tenant_id=owner, shared=True, **fields)
        session.add(copy)
        session.flush()
        _audit(session, tenant, owner, "data_element", copy.id, element_id, **renamed)
    for member in members:
        with tenant_scope(session, member):
            session.execute(
                update(DataValue)
                .where(DataValue.element_id == element_id)
                .values(element_id=copy.id)
                .execution_options(synchronize_session=False)
            )


def _resolve_clash(session, tenant, element_id, fields, candidates: list[int]) -> None:
    """Every member with values of the leaving element has its own element with that code.

    A member whose own definition *agrees* (same unit and aggregation) gets its values
    merged onto its own element: that is what a user expects, since for the member the code
    already means its own element (its own definition wins on a clash of codes in every
    computation), so its indicators, imports and comparisons keep using the code they know
    and simply gain the periods only the leaving definition had. Where the member has a
    value for the same period and gender of its own, its own stays (it is the one its
    indicators already showed); the other is dropped with the leaving tenant and counted
    in the audit entry.

    Definitions that disagree (other unit or aggregation) must not be mixed: summing
    "antal" into "procent" would give numbers that look right and are not. Those members'
    values are handed over as before, but under a new code (``<code>_2``, ``_3``, …, see
    :func:`_free_code`) to the lowest of them. Expressions are *not* rewritten: every
    indicator that names the old code resolves it, for these members, to their own
    element already, so rewriting would change what they see; the new code is there for
    those who want the old series, and the audit entry names both codes."""
    owners = _own_definitions(session, fields["code"], candidates)
    differing = []
    for member in candidates:
        own_id, unit, aggregation = owners[member]
        if (unit, aggregation) == (fields["unit"], fields["aggregation"]):
            _merge_values(session, tenant, element_id, member, own_id)
        else:
            differing.append(member)
    if differing:
        renamed = dict(fields, code=_free_code(session, tenant, fields["code"]))
        _copy_element(session, tenant, element_id, renamed, differing[0], differing, fields["code"])
        log.info("shared element %s handed over as %s", element_id, renamed["code"])


def _own_definitions(session, code: str, members: list[int]) -> dict[int, tuple]:
    """Member → (id, unit, aggregation) of its own element with ``code``."""
    found = {}
    for member in members:
        with tenant_scope(session, member):
            found[member] = tuple(
                session.execute(
                    select(DataElement.id, DataElement.unit, DataElement.aggregation).where(
                        DataElement.code == code
                    )
                ).one()
            )
    return found


def _merge_values(session, tenant, element_id: int, member: int, own_id: int) -> None:
    """Move ``member``'s values of the leaving element onto its own element ``own_id``,
    except where it has a value of its own for that period and gender."""
    with tenant_scope(session, member):
        taken = {
            (period, gender)
            for period, gender in session.execute(
                select(DataValue.period, DataValue.gender).where(DataValue.element_id == own_id)
            )
        }
        rows = session.execute(
            select(DataValue.id, DataValue.period, DataValue.gender).where(
                DataValue.element_id == element_id
            )
        ).all()
        moving = [row.id for row in rows if (row.period, row.gender) not in taken]
        if moving:
            session.execute(
                update(DataValue)
                .where(DataValue.id.in_(moving))
                .values(element_id=own_id)
                .execution_options(synchronize_session=False)
            )
        record_event(
            session,
            "indicators.values_merged",
            tenant_id=member,
            target_type="data_element",
            target_id=own_id,
            details={
                "previous_id": element_id,
                "previous_tenant_id": tenant.id,
                "moved": len(moving),
                "kept_own": len(rows) - len(moving),
            },
        )


def _free_code(session, tenant, code: str) -> str:
    """``<code>_2`` (or ``_3``, …): the first no consortium member uses, cut so that it
    fits 40 characters; the same members and codes always give the same answer."""
    with consortium_read_scope(session, tenant, NAME):
        used = set(session.scalars(select(DataElement.code)))
    number = 2
    while True:
        suffix = f"_{number}"
        candidate = code[: 40 - len(suffix)] + suffix
        if candidate not in used:
            return candidate
        number += 1


def _hand_over_indicator(session, tenant, indicator_id, fields, candidates) -> None:
    """The copy goes to a member with values of its elements or, failing that, to one that
    follows it up (a target, a measure); every member's targets and measure links move onto
    the copy, each in its own scope (the foreign key would otherwise delete them)."""
    followers = _followers(session, tenant, indicator_id)
    owner = _new_owner(session, Indicator, fields["code"], candidates or sorted(followers))
    if owner is None:
        return
    with tenant_scope(session, owner):
        copy = Indicator(tenant_id=owner, shared=True, **fields)
        session.add(copy)
        session.flush()
        copy_id = copy.id
        _audit(session, tenant, owner, "indicator", copy_id, indicator_id)
    for follower in sorted(followers):
        with tenant_scope(session, follower):
            for model in (Target, MeasureLink):
                session.execute(
                    update(model)
                    .where(model.indicator_id == indicator_id, model.tenant_id == follower)
                    .values(indicator_id=copy_id)
                )
            record_event(
                session,
                "indicators.follow_up_moved",
                tenant_id=follower,
                target_type="indicator",
                target_id=copy_id,
                details={"previous_id": indicator_id},
            )


def _followers(session, tenant, indicator_id: int) -> set[int]:
    """The other members with a target or a measure link on the indicator."""
    with consortium_read_scope(session, tenant, NAME):
        found = set()
        for model in (Target, MeasureLink):
            found |= set(
                session.scalars(
                    select(model.tenant_id).where(
                        model.indicator_id == indicator_id, model.tenant_id != tenant.id
                    )
                )
            )
    return found


def _audit(
    session, tenant, owner: int, target_type: str, new_id: int, old_id: int, **extra
) -> None:
    """The transfer in the new owner's chain; ``extra`` adds details (a renamed code)."""
    record_event(
        session,
        "indicators.ownership_transfer",
        tenant_id=owner,
        target_type=target_type,
        target_id=new_id,
        details={"previous_id": old_id, "previous_tenant_id": tenant.id, **extra},
    )
