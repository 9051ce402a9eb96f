"""The situation picture's compile as it was before issue 16 (text lists, category × area
figures only), kept for ``bench/pictures.py`` to time the new compile against the old one
in the same run, on the same rounds. Not used by Samverka itself."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from samverka.audit import record_event
from samverka.records import services as records
from samverka.records.models import Record
from samverka.tenants.models import Tenant
from samverka.workflows.cycle_types import SITUATION_PICTURE_TYPE
from samverka.workflows.pictures import services as pictures
from samverka.workflows.rounds import services as rounds
from samverka.workflows.rounds.models import PictureFigure, ReportingRound

Progress = Callable[[int, int], None]


def compile_picture_before(
    session: Session,
    round_: ReportingRound,
    *,
    user: Any,
    progress: Progress | None = None,
) -> Record:
    """Create (or refresh) the round's picture record and its figures. Text the coordinator
    already edited in an existing picture is kept except the generated mapping."""
    tenant = rounds._owner(session, round_, user)
    step = progress or (lambda _d, _t: None)
    reports = rounds.reports_in(session, round_)
    labels = dict(round_.categories)
    lines = [line for report in reports for line in report.lines or []]
    step(1, 4)
    earlier = _earlier_totals(session, tenant, round_)
    status = rounds.round_status(session, round_)
    mapping = mapping_text(round_, lines, labels, earlier, status)
    sections = pictures.plugin_sections(session, tenant, (round_.period_start, round_.period_end))
    step(2, 4)
    data = {
        "period_start": round_.period_start.isoformat(),
        "period_end": round_.period_end.isoformat(),
        "scope": "municipality",
        "mapping": mapping,
    }
    record = pictures._existing_picture(session, round_)
    if record is None:
        data |= {
            "other_information": pictures._other_information(reports, sections),
            "sources_used": pictures._sources(reports, status),
        }
        record = records.create_record(
            session,
            record_type=SITUATION_PICTURE_TYPE,
            title=_("Situation picture %(period)s", period=pictures._period_label(round_)),
            data=data,
            user=user,
        )
        round_.picture_record_id = record.id
    else:
        records.update_record(session, record, data=data, user=user)
    step(3, 4)
    store_figures_before(session, record, round_, lines)
    record_event(
        session,
        "round.compiled",
        tenant_id=tenant.id,
        target_type="record",
        target_id=record.id,
        details={"round": round_.id, "reports": len(reports)},
    )
    session.flush()
    return record


def _existing_picture(session: Session, round_: ReportingRound) -> Record | None:
    if round_.picture_record_id is None:
        return None
    record = session.get(Record, round_.picture_record_id)
    return None if record is None or record.is_deleted else record


def store_figures_before(
    session: Session, record: Record, round_: ReportingRound, lines: list
) -> None:
    """Replace the picture's figures by the counts per category and area of ``lines``."""
    session.execute(delete(PictureFigure).where(PictureFigure.record_id == record.id))
    totals: Counter = Counter()
    for line in lines:
        totals[(line["category"], line.get("area") or "")] += int(line["count"])
    session.add_all(
        PictureFigure(
            tenant_id=record.tenant_id,
            record_id=record.id,
            period_start=round_.period_start,
            period_end=round_.period_end,
            category=category,
            area=area,
            count=count,
        )
        for (category, area), count in sorted(totals.items())
        if count
    )
    session.flush()


def _earlier_totals(session: Session, tenant: Tenant, round_: ReportingRound) -> dict:
    """Total per category of the tenant's pictures of earlier periods, by period start."""
    rows = session.execute(
        select(PictureFigure.period_start, PictureFigure.category, func.sum(PictureFigure.count))
        .join(Record, Record.id == PictureFigure.record_id)
        .where(
            PictureFigure.tenant_id == tenant.id,
            PictureFigure.dimension == "area",  # the rows this compile knew
            PictureFigure.period_start < round_.period_start,
            Record.deleted_at.is_(None),
        )
        .group_by(PictureFigure.period_start, PictureFigure.category)
    ).all()
    found: dict[date, dict[str, int]] = defaultdict(dict)
    for start, category, total in rows:
        found[start][category] = int(total)
    return dict(found)


def _period_label(round_: ReportingRound) -> str:
    if round_.cadence == "monthly":
        return round_.period_start.strftime("%Y-%m")
    return f"{round_.period_start.isoformat()} – {round_.period_end.isoformat()}"


def mapping_text(
    round_: ReportingRound,
    lines: list[dict],
    labels: dict[str, str],
    earlier: dict[date, dict[str, int]],
    status: list,
) -> str:
    """The generated mapping: totals by category, then patterns and the comparison."""
    reported = sum(1 for s in status if s.reported)
    late = sum(1 for s in status if s.late)
    parts = [
        _(
            "%(reported)s of %(units)s units reported for %(start)s – %(end)s "
            "(%(late)s late, counted).",
            reported=reported,
            units=len(status),
            start=round_.period_start.isoformat(),
            end=round_.period_end.isoformat(),
            late=late,
        )
    ]
    by_category = _sum_by(lines, "category")
    total = sum(by_category.values())
    parts.append(_("Events in total: %(total)s.", total=total))
    if not total:
        return "\n\n".join(parts)
    parts.append(
        _("By category:")
        + "\n"
        + "\n".join(f"- {labels.get(k, k)}: {n}" for k, n in _ranked(by_category))
    )
    parts.extend(_patterns(lines, labels))
    parts.append(_comparison(round_, by_category, earlier, labels))
    return "\n\n".join(p for p in parts if p)


def _patterns(lines: list[dict], labels: dict[str, str]) -> list[str]:
    weekday = dict(rounds.WEEKDAYS)
    times = dict(rounds.TIMES_OF_DAY)
    out = []
    by_area = _sum_by(lines, "area")
    if by_area:
        rows = []
        for area, n in _ranked(by_area)[:10]:
            top = _sum_by([x for x in lines if x.get("area") == area], "category")
            main = ", ".join(str(labels.get(k, k)) for k, _n in _ranked(top)[:3])
            rows.append(f"- {area}: {n} ({main})")
        out.append(_("By area:") + "\n" + "\n".join(rows))
    for key, names, heading in (
        ("weekday", weekday, _("By weekday:")),
        ("time_of_day", times, _("By time of day:")),
    ):
        counts = _sum_by(lines, key)
        if counts:
            out.append(
                heading + "\n" + "\n".join(f"- {names.get(k, k)}: {n}" for k, n in _ranked(counts))
            )
    trends = Counter(x["trend"] for x in lines if x.get("trend"))
    if trends:
        names = dict(rounds.TRENDS)
        out.append(
            _("Trend as the units see it:")
            + " "
            + ", ".join(f"{str(names[k]).lower()} {n}" for k, n in trends.most_common())
            + "."
        )
    return out


def _comparison(
    round_: ReportingRound,
    now: dict[str, int],
    earlier: dict[date, dict[str, int]],
    labels: dict[str, str],
) -> str:
    """This period against the previous one, the same period a year before and the season."""
    if not earlier:
        return _("No earlier periods to compare with yet.")
    previous = max(earlier)
    out = [_("Compared with the period from %(date)s:", date=previous.isoformat())]
    for key in sorted(set(now) | set(earlier[previous])):
        before, after = earlier[previous].get(key, 0), now.get(key, 0)
        if before != after:
            out.append(f"- {labels.get(key, key)}: {before} → {after}")
    year_ago = round_.period_start.replace(year=round_.period_start.year - 1)
    if year_ago in earlier:
        out.append(
            _(
                "A year earlier: %(then)s events in total, now %(now)s.",
                then=sum(earlier[year_ago].values()),
                now=sum(now.values()),
            )
        )
    season = pictures.SEASONS[round_.period_start.month]
    same = [sum(v.values()) for k, v in earlier.items() if pictures.SEASONS[k.month] == season]
    if same:
        out.append(
            _(
                "Average of earlier periods in the %(season)s: %(avg)s events.",
                season=pictures.SEASON_LABELS[season],
                avg=round(sum(same) / len(same), 1),
            )
        )
    return "\n".join(out)


def _sum_by(lines: Iterable[dict], key: str) -> dict[str, int]:
    totals: Counter = Counter()
    for line in lines:
        if line.get(key):
            totals[line[key]] += int(line.get("count") or 0)
    return {k: n for k, n in totals.items() if n}


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
