"""The situation picture's figures as the charts and tables need them (issue 16).

Business rules only, no HTML: each function returns plain frozen dataclasses which the
pages and the PDF turn into charts (:mod:`samverka.charts`) and tables. The figures come
from ``picture_figures`` (see :mod:`samverka.workflows.rounds.models`), so a viewer sees
them wherever the picture record is shared; the consortium picture's breakdowns per member
(:func:`member_breakdown`) read the members' *shared* pictures only and suppress counts of
1–4 as :data:`SUPPRESSED`, with complementary suppression, in every breakdown.

The same rules serve the compile (:func:`tally_lines` over the reports' lines) and the
pages (:func:`tally_of` over the stored rows), so the written summary and the charts can
never disagree.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverka.records.models import Record, RecordShare
from samverka.records.visibility import active_share
from samverka.tenants.models import Consortium, Tenant
from samverka.workflows.rounds import services as rounds
from samverka.workflows.rounds.models import (
    AREA_FIGURES,
    TOTAL_FIGURES,
    WHEN_FIGURES,
    PictureFigure,
)

#: What a suppressed cell shows (counts 1–4 and their complements); the pages map it.
SUPPRESSED = "<5"
SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring"}
SEASONS |= {6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}
SEASON_LABELS = {
    "winter": _l("winter"),
    "spring": _l("spring"),
    "summer": _l("summer"),
    "autumn": _l("autumn"),
}
UP, DOWN, SAME = "up", "down", "same"
Cell = int | str  # a count, or SUPPRESSED in the consortium's breakdowns


# --- what the functions return --------------------------------------------------------


@dataclass(frozen=True)
class CategoryCount:
    key: str
    label: str
    count: Cell


@dataclass(frozen=True)
class CategorySeries:
    key: str
    label: str
    counts: tuple[int | None, ...]  # None: no picture for that month


@dataclass(frozen=True)
class MonthlySeries:
    months: tuple[date, ...]  # first day of each month, oldest first
    labels: tuple[str, ...]  # "nov 2026" in the UI language
    series: tuple[CategorySeries, ...]  # largest total first


@dataclass(frozen=True)
class Matrix:
    """Rows are weekdays (Monday first), columns times of day, in ``rounds`` order."""

    row_keys: tuple[str, ...]
    rows: tuple[str, ...]
    column_keys: tuple[str, ...]
    columns: tuple[str, ...]
    values: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class AreaCount:
    area: str
    count: Cell
    top: tuple[str, ...]  # the area's largest categories (labels), at most three


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: int
    after: int
    direction: str  # UP, DOWN or SAME
    sentence: str  # "Inbrott ökade från 4 till 13"


@dataclass(frozen=True)
class Comparison:
    previous_start: date | None  # None: no earlier period to compare with
    changes: tuple[Change, ...]
    now_total: int
    year_ago_total: int | None
    season: str | None  # label of the season ("spring")
    season_average: float | None


@dataclass(frozen=True)
class MemberFigures:
    member: str
    by_category: tuple[CategoryCount, ...]
    by_area: tuple[AreaCount, ...]
    weekday_by_time: Matrix


@dataclass(frozen=True)
class MemberBreakdown:
    """Per member of the consortium, from their shared pictures; suppressed cells read
    :data:`SUPPRESSED`. ``by_category``: category label → member → cell (the table)."""

    members: tuple[str, ...]
    by_category: dict[str, dict[str, str]]
    per_member: tuple[MemberFigures, ...]


@dataclass
class Tally:
    """The counts of one picture (or one member): the internal form every breakdown is
    computed from. ``categories``: the round's categories, zero included, when known."""

    by_category: Counter = field(default_factory=Counter)
    by_area: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    when: Counter = field(default_factory=Counter)  # (weekday|None, time|None) → count
    when_by_category: dict[tuple, Counter] = field(default_factory=lambda: defaultdict(Counter))
    categories: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.by_category.values())


# --- tallies --------------------------------------------------------------------------


def tally_lines(lines: Iterable[dict], categories: Iterable[str] = ()) -> Tally:
    """The counts of report lines (``category, count, area, weekday, time_of_day``)."""
    found = Tally(categories=set(categories))
    for line in lines:
        n = int(line.get("count") or 0)
        if not n:
            continue
        category = line["category"]
        found.by_category[category] += n
        if line.get("area"):
            found.by_area[line["area"]][category] += n
        if line.get("weekday") or line.get("time_of_day"):
            cell = (line.get("weekday"), line.get("time_of_day"))
            found.when[cell] += n
            found.when_by_category[cell][category] += n
    return found


def figure_rows(record: Record, period: tuple[date, date], tally: Tally, lines: list[dict]):
    """The ``picture_figures`` rows of a compiled picture (without ids): category × area
    (as before), category × weekday × time of day, and a total per category of the round
    (zero included)."""
    start, end = period
    base = {"tenant_id": record.tenant_id, "record_id": record.id}
    base |= {"period_start": start, "period_end": end, "area_id": None}
    areas: Counter = Counter()
    when: Counter = Counter()
    names: dict[int, str] = {}
    for line in lines:
        n = int(line.get("count") or 0)
        area_id = line.get("area_id")
        # a register area is one figure whatever its name was when reported (renamed since)
        if area_id is not None:
            names.setdefault(area_id, line.get("area") or "")
        key = ("", area_id) if area_id is not None else (line.get("area") or "", None)
        areas[(line["category"], *key)] += n
        if line.get("weekday") or line.get("time_of_day"):
            when[(line["category"], line.get("weekday"), line.get("time_of_day"))] += n
    rows = [
        dict(
            base,
            dimension=AREA_FIGURES,
            category=c,
            area=names[area_id] if area_id is not None else a,
            area_id=area_id,
            count=n,
        )
        for (c, a, area_id), n in sorted(areas.items(), key=lambda kv: (*kv[0][:2], kv[0][2] or 0))
        if n
    ]
    rows += [
        dict(
            base,
            dimension=WHEN_FIGURES,
            category=c,
            area="",
            area_id=None,
            weekday=w,
            time_of_day=t,
            count=n,
        )
        for (c, w, t), n in sorted(when.items(), key=lambda kv: tuple(map(str, kv[0])))
        if n
    ]
    rows += [
        dict(
            base,
            dimension=TOTAL_FIGURES,
            category=c,
            area="",
            area_id=None,
            count=tally.by_category.get(c, 0),
        )
        for c in sorted(tally.categories | set(tally.by_category))
    ]
    return rows


def _add_row(found: Tally, f: Any) -> None:
    if f.dimension == AREA_FIGURES:
        found.by_category[f.category] += f.count
        if f.area:
            found.by_area[f.area][f.category] += f.count
    elif f.dimension == WHEN_FIGURES:
        found.when[(f.weekday, f.time_of_day)] += f.count
        found.when_by_category[(f.weekday, f.time_of_day)][f.category] += f.count
    elif f.dimension == TOTAL_FIGURES:
        found.categories.add(f.category)


#: The columns a tally reads (plain rows, not ORM objects: a picture has hundreds).
_FIGURE_COLUMNS = select(
    PictureFigure.dimension,
    PictureFigure.category,
    PictureFigure.area,
    PictureFigure.weekday,
    PictureFigure.time_of_day,
    PictureFigure.count,
)


def tally_of(session: Session, picture: Record) -> Tally:
    """The stored counts of ``picture`` (readable where the picture is shared)."""
    found = Tally()
    for f in session.execute(_FIGURE_COLUMNS.where(PictureFigure.record_id == picture.id)):
        _add_row(found, f)
    return found


# --- the breakdowns of one picture ------------------------------------------------------


def labels_of(session: Session, tenant: Tenant) -> dict[str, str]:
    """Category key → label as ``tenant`` names them (unknown keys show as themselves)."""
    return dict(rounds.categories_of(session, tenant))


def _ranked(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def ranked_categories(
    tally: Tally, labels: Mapping[str, str], *, include_empty: bool = False
) -> list[CategoryCount]:
    counts = dict(tally.by_category)
    if include_empty:
        counts |= {k: 0 for k in tally.categories if k not in counts}
    return [
        CategoryCount(k, str(labels.get(k, k)), n) for k, n in _ranked(counts) if n or include_empty
    ]


def by_category(
    session: Session, tenant: Tenant, picture: Record, *, include_empty: bool = False
) -> list[CategoryCount]:
    """Events per category, largest first (ties by key); ``include_empty`` adds the round's
    categories nobody reported (0) at the end."""
    return ranked_categories(
        tally_of(session, picture), labels_of(session, tenant), include_empty=include_empty
    )


def areas_of(tally: Tally, labels: Mapping[str, str], limit: int | None = None) -> list[AreaCount]:
    totals = {a: sum(c.values()) for a, c in tally.by_area.items()}
    return [
        AreaCount(a, n, tuple(str(labels.get(k, k)) for k, _n in _ranked(tally.by_area[a])[:3]))
        for a, n in _ranked(totals)[:limit]
        if n
    ]


def by_area(session: Session, tenant: Tenant, picture: Record) -> list[AreaCount]:
    """Events per area (free text as reported), largest first, with each area's three
    largest categories. Lines without an area count in the totals, not here."""
    return areas_of(tally_of(session, picture), labels_of(session, tenant))


def matrix_of(when: Mapping[tuple, Any], blank: Cell = 0) -> Matrix:
    days = rounds.WEEKDAYS
    times = rounds.TIMES_OF_DAY
    return Matrix(
        row_keys=tuple(k for k, _l in days),
        rows=tuple(str(label) for _k, label in days),
        column_keys=tuple(k for k, _l in times),
        columns=tuple(str(label) for _k, label in times),
        values=tuple(tuple(when.get((d, t), blank) for t, _l in times) for d, _l in days),
    )


def weekday_by_time(session: Session, tenant: Tenant, picture: Record) -> Matrix:
    """Events by the units' most common weekday × time of day (lines naming both)."""
    return matrix_of(tally_of(session, picture).when)


def _month(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def month_label(day: date) -> str:
    """ "nov 2026" in the UI language (Babel's abbreviated month, without its dot)."""
    return format_date(day, "LLL y").replace(".", "")


def monthly_series(
    session: Session, tenant: Tenant, picture: Record, months: int = 12
) -> MonthlySeries:
    """See :func:`series_of`; category labels as ``tenant`` names them."""
    return series_of(session, picture, labels_of(session, tenant), months)


def series_of(
    session: Session, picture: Record, labels: Mapping[str, str], months: int = 12
) -> MonthlySeries:
    """The last ``months`` months up to the picture's, per category, from the picture
    owner's pictures (one query over their figures): None where no picture covers a month,
    0 where a picture does but the category had no events; categories with no events in
    the whole window are left out. Pictures compiled before the
    figures had totals count only for months in which something was reported."""
    end = _month(_period(picture)[0])
    start = _month(end, months - 1)
    rows = session.execute(
        select(
            PictureFigure.period_start,
            PictureFigure.category,
            PictureFigure.dimension,
            func.sum(PictureFigure.count),
        )
        .join(Record, Record.id == PictureFigure.record_id)
        .where(
            PictureFigure.tenant_id == picture.tenant_id,
            PictureFigure.dimension.in_((AREA_FIGURES, TOTAL_FIGURES)),
            PictureFigure.period_start >= start,
            PictureFigure.period_start < _month(end, -1),
            Record.deleted_at.is_(None),
        )
        .group_by(PictureFigure.period_start, PictureFigure.category, PictureFigure.dimension)
    ).all()
    axis = [_month(end, back) for back in range(months - 1, -1, -1)]
    present: set[date] = set()
    counts: dict[str, Counter] = defaultdict(Counter)
    for start_day, category, dimension, total in rows:
        month = _month(start_day)
        present.add(month)
        counts[category][month] += int(total) if dimension == AREA_FIGURES else 0
    order = sorted(
        (k for k in counts if sum(counts[k].values())),  # a category never reported: no line
        key=lambda k: (-sum(counts[k].values()), k),
    )
    return MonthlySeries(
        months=tuple(axis),
        labels=tuple(month_label(m) for m in axis),
        series=tuple(
            CategorySeries(
                k,
                str(labels.get(k, k)),
                tuple(counts[k][m] if m in present else None for m in axis),
            )
            for k in order
        ),
    )


def _period(picture: Record) -> tuple[date, date]:
    data = picture.data or {}
    return date.fromisoformat(data["period_start"]), date.fromisoformat(data["period_end"])


# --- the comparison -------------------------------------------------------------------


def change_sentence(label: str, before: int, after: int) -> str:
    """The change named in words, in the UI language."""
    if after > before:
        return _("%(category)s rose from %(before)s to %(after)s", **_n(label, before, after))
    if after < before:
        return _("%(category)s fell from %(before)s to %(after)s", **_n(label, before, after))
    return _("%(category)s unchanged (%(count)s)", category=label, count=after)


def _n(label: str, before: int, after: int) -> dict[str, Any]:
    return {"category": label, "before": before, "after": after}


def earlier_totals(session: Session, tenant_id: int, before: date) -> dict[date, dict[str, int]]:
    """Total per category of the tenant's pictures of periods starting before ``before``,
    by period start (category × area rows, so pictures of any version count)."""
    rows = session.execute(
        select(PictureFigure.period_start, PictureFigure.category, func.sum(PictureFigure.count))
        .join(Record, Record.id == PictureFigure.record_id)
        .where(
            PictureFigure.tenant_id == tenant_id,
            PictureFigure.dimension == AREA_FIGURES,
            PictureFigure.period_start < before,
            Record.deleted_at.is_(None),
        )
        .group_by(PictureFigure.period_start, PictureFigure.category)
    ).all()
    found: dict[date, dict[str, int]] = defaultdict(dict)
    for start, category, total in rows:
        found[start][category] = int(total)
    return dict(found)


def compare(
    start: date,
    now: Mapping[str, int],
    earlier: Mapping[date, Mapping[str, int]],
    labels: Mapping[str, str],
) -> Comparison:
    """This period against the latest earlier one (every category either side names), the
    same period a year before and the average of earlier periods in the same season."""
    now_total = sum(now.values())
    if not earlier:
        return Comparison(None, (), now_total, None, None, None)
    previous = max(earlier)
    changes = []
    for key in sorted(set(now) | set(earlier[previous]), key=lambda k: str(labels.get(k, k))):
        before, after = earlier[previous].get(key, 0), now.get(key, 0)
        label = str(labels.get(key, key))
        direction = UP if after > before else DOWN if after < before else SAME
        changes.append(
            Change(key, label, before, after, direction, change_sentence(label, before, after))
        )
    year_ago = start.replace(year=start.year - 1)
    season = SEASONS[start.month]
    same = [sum(v.values()) for k, v in earlier.items() if SEASONS[k.month] == season]
    return Comparison(
        previous_start=previous,
        changes=tuple(changes),
        now_total=now_total,
        year_ago_total=sum(earlier[year_ago].values()) if year_ago in earlier else None,
        season=str(SEASON_LABELS[season]) if same else None,
        season_average=round(sum(same) / len(same), 1) if same else None,
    )


def comparison(session: Session, tenant: Tenant, picture: Record) -> Comparison:
    """The picture against the owner's earlier pictures (as :func:`compare`)."""
    return comparison_of(session, picture, tally_of(session, picture), labels_of(session, tenant))


def comparison_of(
    session: Session, picture: Record, tally: Tally, labels: Mapping[str, str]
) -> Comparison:
    """:func:`comparison` from a tally and labels the caller already has."""
    start, _end = _period(picture)
    return compare(
        start, tally.by_category, earlier_totals(session, picture.tenant_id, start), labels
    )


@dataclass(frozen=True)
class PictureFigures:
    """Every breakdown of one picture, as the functions above return them one by one."""

    by_category: tuple[CategoryCount, ...]
    monthly: MonthlySeries
    weekday_by_time: Matrix
    by_area: tuple[AreaCount, ...]
    comparison: Comparison


def picture_figures(
    session: Session, tenant: Tenant, picture: Record, *, months: int = 12
) -> PictureFigures:
    """All breakdowns of ``picture`` at once, for a page or a PDF that draws them all: one
    read of its figures, one of the labels, one for the months and one for the earlier
    periods (the separate functions each read the figures again)."""
    tally = tally_of(session, picture)
    labels = labels_of(session, tenant)
    return PictureFigures(
        by_category=tuple(ranked_categories(tally, labels)),
        monthly=series_of(session, picture, labels, months),
        weekday_by_time=matrix_of(tally.when),
        by_area=tuple(areas_of(tally, labels)),
        comparison=comparison_of(session, picture, tally, labels),
    )


# --- the consortium picture -----------------------------------------------------------


def suppress(
    table: Mapping[str, Mapping[str, int]], force: Iterable[tuple[str, str]] = ()
) -> dict[str, dict[str, str]]:
    """Counts 1–4 (and the cells in ``force``) become :data:`SUPPRESSED`; then, so that no
    suppressed cell can be recovered from a row or column total, every row and column with
    exactly one suppressed cell gets its smallest other non-zero cell suppressed too
    (repeated until stable)."""
    rows = list(table)
    cols = sorted({c for r in table.values() for c in r})
    hidden = {(r, c) for r in rows for c in cols if 0 < table[r].get(c, 0) < 5}
    hidden |= {(r, c) for r, c in force if table.get(r, {}).get(c, 0) > 0}
    changed = True
    while changed:
        changed = False
        lines = [[(r, c) for c in cols] for r in rows] + [[(r, c) for r in rows] for c in cols]
        for cells in lines:
            if sum(1 for cell in cells if cell in hidden) != 1:
                continue
            others = [
                cell for cell in cells if cell not in hidden and table[cell[0]].get(cell[1], 0) > 0
            ]
            if others:
                hidden.add(min(others, key=lambda cell: table[cell[0]].get(cell[1], 0)))
                changed = True
    return {
        r: {c: SUPPRESSED if (r, c) in hidden else str(table[r].get(c, 0)) for c in cols}
        for r in rows
    }


def shared_member_tallies(
    session: Session, consortium: Consortium, start: date, end: date
) -> dict[str, Tally]:
    """Member tenant name → the counts of its pictures of the period that are shared with
    the consortium (an unshared picture contributes nothing)."""
    shares = RecordShare.__table__
    shared = select(shares.c.record_id).where(
        active_share(), shares.c.consortium_id == consortium.id
    )
    cells = (
        PictureFigure.dimension,
        PictureFigure.category,
        PictureFigure.area,
        PictureFigure.weekday,
        PictureFigure.time_of_day,
    )
    rows = session.execute(
        select(*cells, func.sum(PictureFigure.count).label("count"), Tenant.name)
        .join(Tenant, Tenant.id == PictureFigure.tenant_id)
        .join(Record, Record.id == PictureFigure.record_id)
        .where(
            PictureFigure.record_id.in_(shared),
            PictureFigure.period_start >= start,
            PictureFigure.period_end <= end,
            Record.deleted_at.is_(None),
        )
        .group_by(Tenant.name, *cells)  # summed over the period's pictures in SQL
    ).all()
    found: dict[str, Tally] = defaultdict(Tally)
    for figure in rows:
        _add_row(found[figure.name], figure)
    return dict(found)


def member_breakdown(
    session: Session, tenant: Tenant, consortium: Consortium, start: date, end: date
) -> MemberBreakdown:
    """The consortium picture's breakdowns per member, suppressed: the category × member
    table as a whole (with complements), then each member's areas and weekday × time of
    day matrix, where a cell is also hidden when any of its events belong to a category
    hidden for that member. So a shown cell holds only categories whose counts are shown,
    and no breakdown can be subtracted from another to recover a hidden count; no totals
    are given beside them."""
    tallies = shared_member_tallies(session, consortium, start, end)
    labels = labels_of(session, tenant)
    members = tuple(sorted(tallies))
    keys = sorted({k for t in tallies.values() for k in t.by_category})
    table = {
        str(labels.get(k, k)): {m: tallies[m].by_category.get(k, 0) for m in members} for k in keys
    }
    categories = suppress(table)
    per_member = []
    for m in members:
        tally = tallies[m]
        secret = {k for k in keys if categories[str(labels.get(k, k))][m] == SUPPRESSED}
        grid = {
            d: {t: tally.when.get((d, t), 0) for t, _l in rounds.TIMES_OF_DAY}
            for d, _l in rounds.WEEKDAYS
        }
        cells = {c for c, by in tally.when_by_category.items() if secret & set(by)}
        hidden = suppress(grid, force=cells)
        areas = suppress(
            {a: {m: sum(c.values())} for a, c in tally.by_area.items()},
            force={(a, m) for a, c in tally.by_area.items() if secret & set(c)},
        )
        own_areas = sorted(((a, row[m]) for a, row in areas.items()), key=_by_cell)
        per_member.append(
            MemberFigures(
                member=m,
                by_category=tuple(
                    CategoryCount(label, label, _cell(row[m]))
                    for label, row in sorted(
                        categories.items(), key=lambda kv: (_order(kv[1][m]), kv[0])
                    )
                    if row[m] != "0"
                ),
                by_area=tuple(AreaCount(a, _cell(n), ()) for a, n in own_areas if n != "0"),
                weekday_by_time=matrix_of(
                    {(d, t): _cell(hidden[d][t]) for d in hidden for t in hidden[d]}
                ),
            )
        )
    return MemberBreakdown(members, categories, tuple(per_member))


def _cell(shown: str) -> Cell:
    return shown if shown == SUPPRESSED else int(shown)


def _by_cell(item: tuple[str, str]) -> tuple:
    return (*_order(item[1]), item[0])


def _order(shown: str) -> tuple:
    return (1, 0) if shown == SUPPRESSED else (0, -int(shown))
