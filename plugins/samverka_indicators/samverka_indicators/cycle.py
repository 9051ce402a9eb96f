"""What the plugin gives the statutory cycle through the core's hooks: the follow-up of an
action plan's measures (``measure_summaries``) and an indicator section in a compiled
situation picture (``situation_picture_sections``). Both read only; text in the UI's
language, numbers formatted for it."""

from __future__ import annotations

from flask import url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from . import follow_up, services


def number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0")


def _status_text(p: follow_up.Progress) -> str:
    if p.latest is None:
        return _("No value yet")
    if p.target is None:
        return _("No target set")
    if p.status == "met":
        return _("Target met")
    if p.status == "baseline":
        return _("No value after the baseline yet")
    share = "" if p.share is None else f" ({number(100 * p.share, 0)} %)"
    if p.status == "on_track":
        return _("Moving towards the target") + share
    return _("Not moving towards the target") + share


def _trend_text(trend: str) -> str:
    return {
        "up": _("rising"),
        "down": _("falling"),
        "unchanged": _("unchanged"),
    }.get(trend, _("too few values for a trend"))


def measure_summaries(session, tenant, measure) -> list[dict]:
    """``measure_summaries``: per attached indicator its latest value (count beside the
    rate), the trend from the value before, and the target with how far it has come."""
    out = []
    for p in follow_up.measure_progress(session, tenant, measure):
        latest = p.latest
        value = (
            _(
                "%(rate)s in %(period)s (count %(count)s)",
                rate=number(latest.rate),
                period=latest.period,
                count=number(latest.numerator, 0),
            )
            if latest
            else _("No value yet")
        )
        target = (
            _(
                "baseline %(baseline)s (%(bp)s), target %(target)s by %(tp)s",
                baseline=number(p.target.baseline_value),
                bp=p.target.baseline_period,
                target=number(p.target.target_value),
                tp=p.target.target_period,
            )
            if p.target
            else ""
        )
        out.append(
            {
                "label": p.indicator.name,
                "value": value,
                "trend": p.trend,
                "trend_text": _trend_text(p.trend),
                "target": target,
                "status": p.status,
                "status_text": _status_text(p),
                "url": url_for(
                    "indicators.indicator_page", tenant_slug=tenant.slug, code=p.indicator.code
                ),
            }
        )
    return out


def picture_section(session, tenant, period) -> list[dict]:
    """``situation_picture_sections``: the indicators the tenant follows over the three
    years up to the picture's end, counts beside rates, with the tenant's targets."""
    _start, end = period
    years = [str(end.year - 2), str(end.year - 1), str(end.year)]
    indicators = services.visible_indicators(session, tenant)
    if not indicators:
        return []
    header = [_("Indicator"), *years, _("Target")]
    rows = [header]
    for indicator in indicators:
        cells = services.compute(session, tenant, indicator, [tenant.id], years)
        target = follow_up.target_of(session, indicator)
        rows.append(
            [
                indicator.name,
                *(_cell_text(cells[(tenant.id, y)]) for y in years),
                (
                    _(
                        "%(value)s by %(period)s",
                        value=number(target.target_value),
                        period=target.target_period,
                    )
                    if target
                    else "–"
                ),
            ]
        )
    text = _(
        "Rates as defined for each indicator, with the count in brackets; "
        "“–” means no value (missing or secret values are never shown as 0)."
    )
    return [{"title": _("Indicators"), "text": text, "table": rows}]


def _cell_text(cell: services.Cell) -> str:
    if cell.rate is None:
        return "–"
    return f"{number(cell.rate)} ({number(cell.numerator, 0)})"


def follow_up_evidence(session, tenant) -> list[dict]:
    """``compliance_evidence`` for the duty ``follow_up``: the measures of the tenant's
    action plans that an indicator with a target follows up, and whether any has a value
    after its baseline (an indicator only "follows up" once there is something to compare)."""
    from sqlalchemy import select

    from .models import MeasureLink

    linked = set(session.scalars(select(MeasureLink.indicator_id)))
    targets = follow_up.targets_by_indicator(session)
    followed = [i for i in services.visible_indicators(session, tenant) if i.id in linked]
    with_target = [i for i in followed if i.id in targets]
    measured = [
        p
        for p in (
            follow_up.progress(session, tenant, i, tenant.id, targets[i.id]) for i in with_target
        )
        if p.status not in ("no_data", "baseline")
    ]
    if not followed:
        return []
    summary = _(
        "Measures followed up by indicators: %(measures)s; with a target: %(targets)s; "
        "with a value after the baseline: %(measured)s.",
        measures=len(set(session.scalars(select(MeasureLink.measure_id)))),
        targets=len(with_target),
        measured=len(measured),
    )
    try:
        url = url_for("indicators.index", tenant_slug=tenant.slug)
    except RuntimeError:  # no request (an export job): no link
        url = None
    return [
        {"duty": "follow_up", "met": bool(measured), "as_of": None, "summary": summary, "url": url}
    ]
