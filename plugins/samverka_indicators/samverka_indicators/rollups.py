"""Years and quarters rolled up from their months or quarters, stored as values marked
``derived`` (DHIS2 keeps such aggregates in its analytics tables): every reader (a page,
the comparison, the consortium's SQL totals) then sees one set of values. A period's own
value always wins; a derived one is recomputed whenever a finer value of the same tenant,
element and gender changes, and removed when the finer values no longer give one."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from samverka.toolkit import consortium_read_scope, tenant_by_id

from .models import COUNTED, NAME, DataElement, DataValue
from .periods import kind


def sub_periods(period: str) -> list[list[str]]:
    """The finer periods a year or quarter can be rolled up from, finest first: a year's
    twelve months, then its four quarters; a quarter's three months."""
    year = period[:4]
    if kind(period) == "year":
        return [[f"{year}{m:02d}" for m in range(1, 13)], [f"{year}Q{q}" for q in range(1, 5)]]
    q = int(period[5])
    return [[f"{year}{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]]


def roll_up(values: dict[str, float], groups: list[list[str]], how: str) -> float | None:
    """A coarser period's value from the first group of finer periods (``values``: period →
    counted value) that yields one: ``sum`` only from a complete group (a year of eleven
    months is no year: summing it would count the missing month as 0), ``average`` the mean
    of what is there, ``last`` the latest value there is (population at the year's end)."""
    for group in groups:
        present = [values[p] for p in group if p in values]
        if not present:
            continue
        if how == "sum":
            if len(present) == len(group):
                return sum(present)
            continue
        if how == "average":
            return sum(present) / len(present)
        return present[-1]
    return None


def coarser(period: str) -> list[str]:
    """The quarter (of a month) and the year a finer period rolls up into, quarter first."""
    if kind(period) == "month":
        return [f"{period[:4]}Q{(int(period[4:6]) - 1) // 3 + 1}", period[:4]]
    return [period[:4]] if kind(period) == "quarter" else []


def all_periods(year: str) -> list[str]:
    return [year, *(p for group in sub_periods(year) for p in group)]


def refresh_roll_ups(session, tenant_id: int, rows: Iterable) -> int:
    """Recompute the derived years and quarters that ``rows`` (``ValueRow``s just stored
    for ``tenant_id``, in its scope) roll up into; returns how many rows changed."""
    wanted = {
        (r.element_id, r.gender, c)
        for r in rows
        if kind(r.period) != "year"
        for c in coarser(r.period)
    }
    if not wanted:
        return 0
    how = _aggregations(session, tenant_id, {e for e, _, _ in wanted})
    years = sorted({p[:4] for _, _, p in wanted})
    stored = {
        (v.element_id, v.gender, v.period): v
        for v in session.scalars(
            select(DataValue).where(
                DataValue.tenant_id == tenant_id,
                DataValue.element_id.in_(sorted({e for e, _, _ in wanted})),
                DataValue.period.in_([p for y in years for p in all_periods(y)]),
            )
        )
    }
    changed = 0
    for key in sorted(wanted, key=lambda k: (k[0], k[1], kind(k[2]) == "year", k[2])):
        changed += _refresh(session, tenant_id, key, stored, how.get(key[0], "sum"))
    session.flush()
    return changed


def _aggregations(session, tenant_id: int, element_ids: set[int]) -> dict[int, str]:
    """Element id → aggregation, for elements of the tenant and those shared with it."""
    tenant = tenant_by_id(session, tenant_id)
    with consortium_read_scope(session, tenant, NAME):
        rows = session.execute(
            select(DataElement.id, DataElement.aggregation).where(
                DataElement.id.in_(sorted(element_ids))
            )
        ).all()
    return dict(rows)


def _refresh(session, tenant_id: int, key, stored: dict, how: str) -> int:
    element_id, gender, period = key
    own = stored.get(key)
    if own is not None and not own.derived:
        return 0  # a value of the period's own always wins
    parts = [stored.get((element_id, gender, p)) for g in sub_periods(period) for p in g]
    counted = [v for v in parts if v is not None and v.status in COUNTED and v.value is not None]
    finer = {v.period: v.value for v in counted}  # looked up by key: O(17) per period
    value = roll_up(finer, sub_periods(period), how)
    if value is None:
        if own is None:
            return 0
        session.delete(own)
        del stored[key]
        return 1
    status = "preliminary" if any(v.status == "preliminary" for v in counted) else "final"
    if own is not None and (own.value, own.status) == (value, status):
        return 0
    if own is None:
        own = DataValue(
            tenant_id=tenant_id, element_id=element_id, period=period, gender=gender, derived=True
        )
        session.add(own)
        stored[key] = own
    own.value, own.status = value, status
    return 1
