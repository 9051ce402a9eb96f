"""Targets and follow-up: a tenant's baseline and target per indicator, indicators attached
to the measures of its action plan, and the progress the measure's follow-up shows.

Brå's criticism is that measures are rarely followed up; an indicator with a baseline and a
target, attached to a measure, is how the follow-up gets a number. Progress is read against
the indicator's direction: for "lower is better" a fall towards the target is progress.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverka.toolkit import (
    ValidationError,
    consortium_read_scope,
    measure_references,
    record_event,
)

from . import services
from .models import NAME, Indicator, MeasureLink, Target
from .periods import between, check_period, kind

NOTE_MAX = 500
TREND_TOLERANCE = 0.005  # a change under 0.5 % of the earlier value counts as unchanged

# --- targets ---------------------------------------------------------------------------


def _number(value, field: str) -> float:
    try:
        number = float(str(value).replace(",", ".").replace("\u2212", "-").strip())
    except (TypeError, ValueError):
        raise ValidationError(_l("Enter a number, e.g. 812.5."), field) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValidationError(_l("Enter a number, e.g. 812.5."), field)
    return number


def save_target(
    session,
    tenant,
    indicator: Indicator,
    *,
    baseline_period: str,
    target_period: str,
    target_value,
    baseline_value=None,
    note: str = "",
) -> Target:
    """Set (or replace) ``tenant``'s baseline and target for ``indicator``. Without a
    baseline value the tenant's own computed value for the baseline period is taken; if it
    has none, the user must enter one (a baseline is never silently 0)."""
    baseline_period = _period(baseline_period, "baseline_period")
    target_period = _period(target_period, "target_period")
    if kind(baseline_period) != kind(target_period) or target_period <= baseline_period:
        raise ValidationError(
            _l("The target period must be a later period of the same kind as the baseline's."),
            "target_period",
        )
    target = _number(target_value, "target_value")
    if baseline_value in (None, ""):
        cell = services.compute(session, tenant, indicator, [tenant.id], [baseline_period])
        baseline = cell[(tenant.id, baseline_period)].rate
        if baseline is None:
            raise ValidationError(
                _l("There is no value for %(period)s: enter the baseline.", period=baseline_period),
                "baseline_value",
            )
    else:
        baseline = _number(baseline_value, "baseline_value")
    if len(note or "") > NOTE_MAX:
        raise ValidationError(_l("At most 500 characters."), "note")
    row = target_of(session, indicator) or Target(tenant_id=tenant.id, indicator_id=indicator.id)
    session.add(row)
    row.baseline_period, row.baseline_value = baseline_period, baseline
    row.target_period, row.target_value, row.note = target_period, target, note or ""
    session.flush()
    record_event(
        session,
        "indicators.target_save",
        tenant_id=tenant.id,
        target_type="indicator",
        target_id=indicator.id,
    )
    return row


def _period(text: str, field: str) -> str:
    try:
        return check_period(text)
    except ValidationError as error:
        raise ValidationError(error.message, field) from None


def target_of(session, indicator: Indicator) -> Target | None:
    """The acting tenant's target for ``indicator`` (the session's scope decides whose)."""
    return session.scalar(select(Target).where(Target.indicator_id == indicator.id))


def targets_by_indicator(session) -> dict[int, Target]:
    """The acting tenant's targets by indicator id."""
    return {t.indicator_id: t for t in session.scalars(select(Target))}


def delete_target(session, tenant, indicator: Indicator) -> bool:
    row = target_of(session, indicator)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    record_event(
        session,
        "indicators.target_delete",
        tenant_id=tenant.id,
        target_type="indicator",
        target_id=indicator.id,
    )
    return True


# --- progress --------------------------------------------------------------------------


@dataclass
class Progress:
    """Where ``tenant_id`` stands on an indicator: the series from the baseline, the latest
    value, its trend from the one before, and (with a target) the share of the way from the
    baseline to the target and a status: ``met``, ``on_track``, ``off_track``, ``baseline``
    (no value after the baseline period yet), ``no_data``."""

    indicator: Indicator
    target: Target | None
    cells: list[services.Cell]
    latest: services.Cell | None
    trend: str  # up | down | unchanged | "" (fewer than two values)
    status: str
    share: float | None  # 0 at the baseline, 1 at the target


def progress(session, tenant, indicator: Indicator, tenant_id: int, target: Target | None):
    """The tenant's series since its baseline (or the last five years without a target)."""
    from datetime import date

    this_year = str(date.today().year)
    if target is not None:
        periods = between(target.baseline_period, min(target.target_period, _now(target)))
    else:
        periods = [str(y) for y in range(int(this_year) - 5, int(this_year) + 1)]
    cells = services.compute(session, tenant, indicator, [tenant_id], periods)
    series = [cells[(tenant_id, p)] for p in periods]
    known = [c for c in series if c.rate is not None]
    latest = known[-1] if known else None
    trend = _trend(known[-2].rate, known[-1].rate) if len(known) >= 2 else ""
    status, share = _status(indicator, target, latest)
    return Progress(indicator, target, series, latest, trend, status, share)


def _now(target: Target) -> str:
    """Today's period of the target's kind (the series never runs past it)."""
    from datetime import date

    today = date.today()
    which = kind(target.baseline_period)
    if which == "year":
        return str(today.year)
    if which == "quarter":
        return f"{today.year}Q{(today.month - 1) // 3 + 1}"
    return f"{today.year}{today.month:02d}"


def _trend(before: float, after: float) -> str:
    if abs(after - before) <= TREND_TOLERANCE * max(abs(before), 1e-9):
        return "unchanged"
    return "up" if after > before else "down"


def _status(indicator, target, latest) -> tuple[str, float | None]:
    if latest is None:
        return "no_data", None
    if target is None:
        return "", None
    better = 1 if indicator.direction == "higher_better" else -1
    if better * (latest.rate - target.target_value) >= 0:
        return "met", 1.0
    if latest.period <= target.baseline_period:
        return "baseline", 0.0
    span = target.target_value - target.baseline_value
    share = (latest.rate - target.baseline_value) / span if span else None
    return ("on_track" if share is not None and share > 0 else "off_track"), share


# --- measures --------------------------------------------------------------------------


def link_measure(session, tenant, indicator: Indicator, measure_id) -> MeasureLink:
    """Attach ``indicator`` to a measure of one of ``tenant``'s own action plans."""
    try:
        wanted = int(measure_id)
    except (TypeError, ValueError):
        wanted = None
    if wanted not in {m.id for m in measure_references(session, tenant)}:
        raise ValidationError(_l("Choose a measure of one of your action plans."), "measure")
    found = session.scalar(
        select(MeasureLink).where(
            MeasureLink.measure_id == wanted, MeasureLink.indicator_id == indicator.id
        )
    )
    if found is not None:
        return found
    link = MeasureLink(tenant_id=tenant.id, indicator_id=indicator.id, measure_id=wanted)
    session.add(link)
    session.flush()
    record_event(
        session,
        "indicators.measure_link",
        tenant_id=tenant.id,
        target_type="indicator",
        target_id=indicator.id,
        details={"measure_id": wanted},
    )
    return link


def unlink_measure(session, tenant, indicator: Indicator, measure_id: int) -> bool:
    found = session.scalar(
        select(MeasureLink).where(
            MeasureLink.measure_id == measure_id, MeasureLink.indicator_id == indicator.id
        )
    )
    if found is None:
        return False
    session.delete(found)
    session.flush()
    record_event(
        session,
        "indicators.measure_unlink",
        tenant_id=tenant.id,
        target_type="indicator",
        target_id=indicator.id,
        details={"measure_id": measure_id},
    )
    return True


def linked_measures(session, tenant, indicator: Indicator) -> list:
    """The measures (:class:`samverka.toolkit.MeasureRef`) ``indicator`` follows up."""
    ids = set(
        session.scalars(
            select(MeasureLink.measure_id).where(MeasureLink.indicator_id == indicator.id)
        )
    )
    return [m for m in measure_references(session, tenant) if m.id in ids]


def measure_progress(session, viewer, measure) -> list[Progress]:
    """Progress of every indicator attached to ``measure``, for the plan's owner: read in
    the consortium's read-only scope, so a member reading a shared plan sees the owner's
    follow-up (aggregates and targets only, no other data)."""
    owner_id = measure.tenant_id
    with consortium_read_scope(session, viewer, NAME):
        rows = session.execute(
            select(MeasureLink.indicator_id).where(
                MeasureLink.measure_id == measure.id, MeasureLink.tenant_id == owner_id
            )
        ).all()
        wanted = {r[0] for r in rows}
        if not wanted:  # most measures: no indicator lookup, no computation
            return []
        targets = {
            t.indicator_id: t
            for t in session.scalars(
                select(Target).where(Target.tenant_id == owner_id, Target.indicator_id.in_(wanted))
            )
        }
    indicators = [i for i in services.visible_indicators(session, viewer) if i.id in wanted]
    return [
        progress(session, viewer, i, owner_id, targets.get(i.id))
        for i in sorted(indicators, key=lambda i: i.name)
    ]
