"""Definitions, values and computation. Functions take the session explicitly (a request's,
a job's or a test's), scoped to the acting tenant; consortium reads widen it through
:func:`samverka.toolkit.consortium_read_scope` (read-only) and return aggregates only."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from samverka.toolkit import (
    ValidationError,
    consortium_read_scope,
    record_event,
    scope_tenant_ids,
)

from .expressions import NoValue, parse
from .models import (
    AGGREGATIONS,
    COUNTED,
    DIRECTIONS,
    GENDERS,
    NAME,
    STATUSES,
    TERMS,
    DataElement,
    DataValue,
    Indicator,
)
from .periods import check_period

# --- definitions -----------------------------------------------------------------------

CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")  # Kolada's KPI ids, Brå's and our own codes


def _choice(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise ValidationError(
            _l("%(value)s is not one of %(allowed)s.", value=value, allowed=", ".join(allowed)),
            name,
        )
    return value


def define_element(
    session,
    tenant,
    code: str,
    name: str,
    *,
    unit: str = "",
    aggregation: str = "sum",
    shared: bool = False,
    source: str = "",
) -> DataElement:
    """Create (or update, by code) a data element of ``tenant``."""
    code = (code or "").strip()
    if not CODE.match(code):
        raise ValidationError(
            _l("A code of letters, digits, _ . - (at most 40 characters) is required."), "code"
        )
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError(_l("A name of at most 200 characters is required."), "name")
    if len(unit or "") > 40 or len(source or "") > 200:
        raise ValidationError(_l("The unit or source is too long."), "unit")
    _choice(aggregation, AGGREGATIONS, "aggregation")
    element = session.scalar(select(DataElement).where(DataElement.code == code))
    if element is None:
        element = DataElement(code=code, tenant_id=tenant.id)
        session.add(element)
    element.name, element.unit, element.aggregation = name, unit, aggregation
    element.shared, element.source = shared, source
    session.flush()
    record_event(
        session,
        "indicators.element_save",
        tenant_id=tenant.id,
        target_type="data_element",
        target_id=element.id,
    )
    return element


def visible_elements(session, tenant) -> dict[str, DataElement]:
    """Code → element: the tenant's own, and those its consortium members share (its own
    win on a clash of codes)."""
    with consortium_read_scope(session, tenant, NAME):
        found = session.scalars(
            select(DataElement).where(
                or_(DataElement.tenant_id == tenant.id, DataElement.shared.is_(True))
            )
        ).all()
    found = sorted(found, key=lambda e: e.tenant_id == tenant.id)
    return {e.code: e for e in found}


def visible_indicators(session, tenant) -> list[Indicator]:
    with consortium_read_scope(session, tenant, NAME):
        found = session.scalars(
            select(Indicator)
            .where(or_(Indicator.tenant_id == tenant.id, Indicator.shared.is_(True)))
            .order_by(Indicator.name)
        ).all()
    return list(found)


def check_expression(text: str, elements: dict[str, DataElement]):
    expression = parse(text)
    for code in sorted(expression.references):
        if code not in elements:
            raise ValidationError(
                _l("The expression refers to an unknown data element: %(code)s.", code=code),
                "expression",
            )
    return expression


def define_indicator(
    session,
    tenant,
    code: str,
    name: str,
    numerator: str,
    denominator: str = "1",
    *,
    factor: float = 1.0,
    term: str = "long",
    direction: str = "lower_better",
    source: str = "",
    attribution: str = "",
    shared: bool = False,
) -> Indicator:
    """Create (or update, by code) an indicator; unknown elements are a ValidationError."""
    code = (code or "").strip()
    if not CODE.match(code):
        raise ValidationError(
            _l("A code of letters, digits, _ . - (at most 40 characters) is required."), "code"
        )
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError(_l("A name of at most 200 characters is required."), "name")
    elements = visible_elements(session, tenant)
    for field_name, text in (("numerator", numerator), ("denominator", denominator)):
        try:
            check_expression(text, elements)
        except ValidationError as error:
            raise ValidationError(error.message, field_name) from None
    _choice(term, TERMS, "term")
    _choice(direction, DIRECTIONS, "direction")
    if not isinstance(factor, int | float) or not math.isfinite(factor) or factor <= 0:
        raise ValidationError(_l("The factor must be a positive number."), "factor")
    indicator = session.scalar(select(Indicator).where(Indicator.code == code))
    if indicator is None:
        indicator = Indicator(code=code, tenant_id=tenant.id)
        session.add(indicator)
    for key, value in dict(
        name=name,
        numerator=numerator,
        denominator=denominator,
        factor=float(factor),
        term=term,
        direction=direction,
        source=source,
        attribution=attribution,
        shared=shared,
    ).items():
        setattr(indicator, key, value)
    session.flush()
    record_event(
        session,
        "indicators.indicator_save",
        tenant_id=tenant.id,
        target_type="indicator",
        target_id=indicator.id,
    )
    return indicator


# --- values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueRow:
    element_id: int
    period: str
    gender: str
    value: float | None
    status: str


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def stored(self) -> int:
        return self.inserted + self.updated


def value_row(element_id: int, period: str, gender: str, value, status: str = "final"):
    """A checked row: missing and secret values carry no number (never 0)."""
    _choice(gender, GENDERS, "gender")
    _choice(status, STATUSES, "status")
    if status not in COUNTED:
        value = None
    elif value is None:
        status = "missing"
    return ValueRow(
        element_id, check_period(period), gender, None if value is None else float(value), status
    )


def upsert_values(
    session, tenant_id: int, rows: Iterable[ValueRow], *, roll_ups: bool = True
) -> Counts:
    """Insert or update by (tenant, element, period, gender): a re-run changes nothing.
    Then the years and quarters the rows roll up into are refreshed (``roll_ups=False``
    for a caller that stores many batches and refreshes once, as an import does)."""
    rows = list({(r.element_id, r.period, r.gender): r for r in rows}.values())
    counts = Counts()
    if not rows:
        return counts
    existing = {}
    element_ids = sorted({r.element_id for r in rows})
    periods = sorted({r.period for r in rows})
    for value in session.scalars(
        select(DataValue).where(
            DataValue.element_id.in_(element_ids), DataValue.period.in_(periods)
        )
    ):
        existing[(value.element_id, value.period, value.gender)] = value
    for row in rows:
        found = existing.get((row.element_id, row.period, row.gender))
        if found is None:
            session.add(
                DataValue(
                    tenant_id=tenant_id,
                    element_id=row.element_id,
                    period=row.period,
                    gender=row.gender,
                    value=row.value,
                    status=row.status,
                )
            )
            counts.inserted += 1
        elif (found.value, found.status, found.derived) != (row.value, row.status, False):
            found.value, found.status, found.derived = row.value, row.status, False
            counts.updated += 1
        else:
            counts.unchanged += 1
    session.flush()
    if roll_ups:
        from .rollups import refresh_roll_ups

        refresh_roll_ups(session, tenant_id, rows)
    return counts


# --- computation -----------------------------------------------------------------------


@dataclass
class Cell:
    """One tenant's (or the consortium's) numerator, denominator and rate in one period;
    ``reason`` says why there is no rate (``missing``, ``zero_denominator``)."""

    period: str
    numerator: float | None = None
    denominator: float | None = None
    rate: float | None = None
    reason: str = ""
    suppressed: bool = False
    tenants: list[int] = field(default_factory=list)


def element_values(session, tenant, element_ids, tenant_ids, periods, gender="T"):
    """``{(tenant_id, element_id, period): value}`` of counted rows (missing and secret
    rows are absent: never 0) of ``tenant_ids`` among ``tenant``'s members; years and
    quarters rolled up from finer periods are stored rows too (:func:`refresh_roll_ups`)."""
    with consortium_read_scope(session, tenant, NAME):
        rows = session.execute(
            select(
                DataValue.tenant_id, DataValue.element_id, DataValue.period, DataValue.value
            ).where(
                DataValue.tenant_id.in_(list(tenant_ids)),
                DataValue.element_id.in_(list(element_ids)),
                DataValue.period.in_(list(periods)),
                DataValue.gender == gender,
                DataValue.status.in_(COUNTED),
                DataValue.value.is_not(None),
            )
        ).all()
    return {(t, e, p): v for t, e, p, v in rows}


def _side(expression, codes, values, tenant_id, period):
    try:
        return expression.evaluate(
            {code: values.get((tenant_id, eid, period)) for code, eid in codes.items()}
        ), ""
    except NoValue as no:
        return None, no.reason


def compute(session, tenant, indicator: Indicator, tenant_ids, periods, gender="T"):
    """Per tenant and period a :class:`Cell` (numerator and denominator evaluated over the
    tenant's element values, then ``factor × num / den``): ``{(tenant_id, period): Cell}``."""
    elements = visible_elements(session, tenant)
    num = check_expression(indicator.numerator, elements)
    den = check_expression(indicator.denominator, elements)
    codes = {c: elements[c].id for c in num.references | den.references}
    values = element_values(session, tenant, codes.values(), tenant_ids, periods, gender)
    cells = {}
    for tenant_id in tenant_ids:
        for period in periods:
            cell = Cell(period, tenants=[tenant_id])
            cell.numerator, r1 = _side(num, codes, values, tenant_id, period)
            cell.denominator, r2 = _side(den, codes, values, tenant_id, period)
            cell.reason = r1 or r2
            _finish(cell, indicator.factor)
            cells[(tenant_id, period)] = cell
    return cells


def _finish(cell: Cell, factor: float) -> None:
    if cell.numerator is None or cell.denominator is None:
        cell.reason = cell.reason or "missing"
    elif cell.denominator == 0:
        cell.reason = "zero_denominator"
    else:
        cell.rate = factor * cell.numerator / cell.denominator


def pool(cells: Iterable[Cell], factor: float, period: str) -> Cell:
    """The ratio of sums over ``cells`` that have both sides (a multi-year average of one
    tenant): Σ numerators / Σ denominators × factor — never a sum of ratios. Pools sides, not
    elements, so it cannot average an ``average`` element: the consortium level goes through
    :func:`consortium_totals` (also for :func:`compare`)."""
    complete = [c for c in cells if c.numerator is not None and c.denominator is not None]
    result = Cell(period, tenants=sorted({t for c in complete for t in c.tenants}))
    if complete:
        result.numerator = sum(c.numerator for c in complete)
        result.denominator = sum(c.denominator for c in complete)
    _finish(result, factor)
    return result


def multi_year(session, tenant, indicator, tenant_id: int, years: list[str], gender="T"):
    """The pooled rate over ``years`` (small municipalities: one crime in Munkfors moves a
    yearly rate by ~27 per 100 000)."""
    cells = compute(session, tenant, indicator, [tenant_id], years, gender)
    return pool(cells.values(), indicator.factor, f"{years[0]}–{years[-1]}")


SMALL = range(1, 5)  # counts 1-4 are suppressed in comparisons


@dataclass
class Comparison:
    periods: list[str]
    rows: list[tuple[object, dict[str, Cell]]]  # (tenant, period → cell)
    total: dict[str, Cell]
    suppressed_any: bool


def compare(session, tenant, indicator, periods, gender="T") -> Comparison:
    """The consortium's members side by side, with the consortium's figure from
    :func:`consortium_totals` (a ratio of sums; ``average`` elements averaged); counts
    of 1–4 are suppressed, and in a period with exactly one suppressed member the smallest
    other member too (else it would follow from the total)."""
    from samverka.toolkit import consortium_members

    members = consortium_members(session, tenant, NAME)
    ids = [m.id for m in members]
    cells = compute(session, tenant, indicator, ids, periods, gender)
    totals = consortium_totals(session, tenant, indicator, ids, periods, gender)
    total = {p: _total(totals, cells, ids, p, indicator.factor) for p in periods}
    suppressed_any = False
    for period in periods:
        column = [cells[(t, period)] for t in ids]
        primary = [c for c in column if c.numerator is not None and c.numerator in SMALL]
        for cell in primary:
            cell.suppressed = True
        if len(primary) == 1:
            others = [c for c in column if not c.suppressed and c.numerator is not None]
            if others:
                min(others, key=lambda c: c.numerator).suppressed = True
        if total[period].numerator is not None and total[period].numerator in SMALL:
            total[period].suppressed = True
        suppressed_any = suppressed_any or bool(primary) or total[period].suppressed
    rows = [(m, {p: cells[(m.id, p)] for p in periods}) for m in members]
    return Comparison(list(periods), rows, total, suppressed_any)


# --- sources from the core and other modules --------------------------------------------


def sync_sources(session, tenant) -> Counts:
    """Store the series the core and the tenant's modules publish (hook
    ``publish_series``) as data elements of the tenant (source: the publishing module)
    with their values; idempotent."""
    from samverka.toolkit import published_series

    total = Counts()
    for series in published_series(session, tenant):
        element = session.scalar(select(DataElement).where(DataElement.code == series.code))
        if element is None:
            element = define_element(
                session,
                tenant,
                series.code,
                series.label[:200],
                unit=series.unit,
                source=series.code.split(".", 1)[0],
            )
        rows = [
            value_row(element.id, period, "T", value)
            for period, value in sorted(series.values.items())
        ]
        counts = upsert_values(session, tenant.id, rows)
        total.inserted += counts.inserted
        total.updated += counts.updated
        total.unchanged += counts.unchanged
    return total


# --- consortium totals in one SQL statement ----------------------------------------------


def consortium_totals(session, tenant, indicator, tenant_ids, periods=None, gender="T"):
    """``{period: Cell}`` for the consortium as DHIS2 does it: each referenced element
    aggregated over the tenants that have *every* referenced element in that period (so a
    member with a missing or secret value drops out of numerator and denominator alike) —
    summed, or averaged over those members for an ``average`` element — then the
    expressions evaluated on those figures. Aggregated in the database, for large series
    (bench/indicators.py): one ``GROUP BY element, period`` settles every period in which
    all members are complete; in the others a second query finds the incomplete members,
    whose values are taken off the totals."""
    with consortium_read_scope(session, tenant, NAME):  # one scope: its members are looked up
        members = set(scope_tenant_ids(session))  # once (15 ms on PostgreSQL each time)
        elements = _elements_in_scope(session, tenant)
        num = check_expression(indicator.numerator, elements)
        den = check_expression(indicator.denominator, elements)
        codes = sorted(num.references | den.references)
        ids = {code: elements[code].id for code in codes}
        averaged = {code for code in codes if elements[code].aggregation == "average"}
        where = [
            DataValue.element_id.in_(list(ids.values())),
            DataValue.gender == gender,
            DataValue.status.in_(COUNTED),
            DataValue.value.is_not(None),
        ]
        if periods is not None:
            where.append(DataValue.period.in_(list(periods)))
        if set(tenant_ids) != members:
            # only when it narrows the scope: every list of tenant ids is checked on each
            # row (SQLite: 0.1 s per 10^6 rows), and the scope's is already there
            where.append(DataValue.tenant_id.in_(list(tenant_ids)))
        found, partial = _complete_periods(session, where, ids, len(set(tenant_ids)))
        if partial:
            found.update(_without_incomplete(session, where, ids, partial, len(found)))
    cells = {}
    for period, (sums, count) in found.items():
        values = _aggregated(codes, sums, count, averaged)
        cells[period] = _evaluated(Cell(period), num, den, values, indicator.factor)
    return cells


def _elements_in_scope(session, tenant) -> dict[str, DataElement]:
    """:func:`visible_elements` inside a consortium read scope the caller already holds
    (entering another looks the members up again)."""
    found = session.scalars(
        select(DataElement).where(
            or_(DataElement.tenant_id == tenant.id, DataElement.shared.is_(True))
        )
    ).all()
    return {e.code: e for e in sorted(found, key=lambda e: e.tenant_id == tenant.id)}


def _complete_periods(session, where, ids: dict[str, int], members: int):
    """``({period: (sums, members)}, partial)``: the periods in which every one of
    ``members`` tenants has every element, from one ``GROUP BY element, period`` (in the
    order of the covering index on (element, gender, period, …): SQLite aggregates while
    scanning it, with no temporary B-tree), and for the other periods the sums and counts
    per element (in the order of ``ids``) over all the tenants. Exact because the unique key
    (tenant, period, element, gender) allows one row per member and element: the count
    reaches ``members`` only when none is missing."""
    from sqlalchemy import func

    query = (
        select(DataValue.element_id, DataValue.period, func.count(), func.sum(DataValue.value))
        .where(*where)
        .group_by(DataValue.element_id, DataValue.period)
    )
    position = {element_id: i for i, element_id in enumerate(ids.values())}
    sums: dict[str, list] = {}
    counts: dict[str, list[int]] = {}
    for element_id, period, count, total in session.execute(query):
        if period not in sums:
            sums[period], counts[period] = [None] * len(ids), [0] * len(ids)
        sums[period][position[element_id]] = total
        counts[period][position[element_id]] = count
    everyone = [members] * len(ids)
    complete, partial = {}, {}
    for period, totals in sums.items():
        if counts[period] == everyone:
            complete[period] = (totals, members)
        else:
            partial[period] = (totals, counts[period])
    return complete, partial


def _element_sums(ids: dict[str, int]) -> list:
    """``SUM(CASE WHEN element_id = … THEN value END)`` per element, in the order of ``ids``."""
    from sqlalchemy import case, func

    return [
        func.sum(case((DataValue.element_id == element_id, DataValue.value))).label(f"e{i}")
        for i, element_id in enumerate(ids.values())
    ]


def _without_incomplete(session, where, ids: dict[str, int], partial, complete: int):
    """``{period: (sums, members)}`` for the periods of ``partial``: their totals less the
    values of the tenants that lack an element there, found by a ``GROUP BY tenant, period``
    over those periods only that returns just those tenants (a handful, where the full
    two-level query hashed and sorted 10^5 groups, spilling to disk); a period without a
    complete member is absent."""
    from sqlalchemy import func

    if len(partial) <= complete:  # at most half the periods: else a list that long costs
        where = [*where, DataValue.period.in_(sorted(partial))]  # more than it saves
    query = (
        select(DataValue.period, *_element_sums(ids))
        .where(*where)
        .group_by(DataValue.tenant_id, DataValue.period)
        .having(func.count() < len(ids))  # one row per element: fewer means incomplete
    )
    for period, *values in session.execute(query):
        # (a complete period has no incomplete member: every count reached them all)
        totals, counts = partial[period]
        for i, value in enumerate(values):
            if value is not None:
                totals[i] -= value
                counts[i] -= 1
    settled = {}
    for period, (totals, counts) in partial.items():
        if min(counts) > 0:  # every element: the same count, of the complete members
            settled[period] = (totals, min(counts))
    return settled


def _aggregated(codes, sums: list, members: int, averaged: set[str]) -> dict[str, float]:
    """The consortium's figure per element: the sum over the complete members, or for an
    ``average`` element (a share, a mean age) their mean — summing those means nothing."""
    values = dict(zip(codes, sums, strict=True))
    for code in averaged:
        values[code] /= members
    return values


def _evaluated(cell: Cell, num, den, values: dict[str, float], factor: float) -> Cell:
    """``cell`` with numerator, denominator and rate from the aggregated element figures."""
    try:
        cell.numerator = num.evaluate(values)
        cell.denominator = den.evaluate(values)
    except NoValue as no:
        cell.reason = no.reason
    _finish(cell, factor)
    return cell


def _total(totals: dict[str, Cell], cells, ids, period: str, factor: float) -> Cell:
    """The comparison's consortium cell of ``period``, naming the members whose cells have
    both sides (a period without a complete member has no total: ``missing``)."""
    total = totals.get(period)
    if total is None:
        total = Cell(period)
        _finish(total, factor)
    total.tenants = sorted(
        t
        for t in ids
        if cells[(t, period)].numerator is not None and cells[(t, period)].denominator is not None
    )
    return total
