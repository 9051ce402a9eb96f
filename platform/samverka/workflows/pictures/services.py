"""Situation pictures compiled from reporting rounds, the consortium picture, and what
other pages show of them (overview, compliance evidence, annual calendar).

Compiling (job ``core.compile_picture``) turns a round's reports into a
``core.situation_picture`` record: its mapping is a short written summary generated from
the figures (who reported, the largest categories, the notable changes in words, where and
when events cluster); the figures themselves (:mod:`.figures`) become charts and tables.
A summary the coordinator edited is kept when the round is compiled again
(``picture_summaries`` holds the generated one to compare with). Enabled plugins add
sections through the hook ``situation_picture_sections``. The coordinator then edits the
text parts as any record,
decides it (:mod:`samverka.workflows.decisions`) and exports it to PDF. The counts are kept
in ``picture_figures`` so that a consortium picture is one SQL aggregation over the members'
*shared* pictures; small counts (1–4) are shown as "<5" with complementary suppression.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from samverka import clock
from samverka.audit import record_event
from samverka.auth.models import User
from samverka.db import TenantScope, set_scope
from samverka.errors import NotFound
from samverka.exports.pdf import Document, Section
from samverka.exports.service import register_export
from samverka.jobs.outbox import enqueue
from samverka.jobs.runner import report_progress
from samverka.plugins.manifest import OverviewKind
from samverka.plugins.services import enabled_plugins
from samverka.records import services as records
from samverka.records.disclosure import Disclosed, disclose
from samverka.records.exports import export_viewer
from samverka.records.models import Record, RecordShare
from samverka.records.visibility import active_share
from samverka.runtime import runtime
from samverka.tenants.models import Consortium, Tenant
from samverka.workflows.calendar import url_or_none
from samverka.workflows.cycle_types import SITUATION_PICTURE_TYPE
from samverka.workflows.decisions import latest_decision
from samverka.workflows.overview.services import organisation_names
from samverka.workflows.pictures import figures as breakdowns
from samverka.workflows.pictures.charts import area_figures, rendered_charts, static_area_map
from samverka.workflows.rounds import services as rounds
from samverka.workflows.rounds.models import (
    AREA_FIGURES,
    OPEN,
    PictureFigure,
    PictureSummary,
    ReportingRound,
)

JOB = "core.compile_picture"
COMPILING = "Compiling the situation picture"
_l("Compiling the situation picture")
SMALL = breakdowns.SUPPRESSED
suppress = breakdowns.suppress
SEASONS = breakdowns.SEASONS
SEASON_LABELS = breakdowns.SEASON_LABELS
Progress = Callable[[int, int], None]


# --- compiling one round --------------------------------------------------------------


def request_compile(session: Session, round_: ReportingRound, *, user: Any):
    """Queue the compile job in the caller's transaction (the owner only)."""
    from flask_babel import get_locale

    tenant = rounds._owner(session, round_, user)
    job = enqueue(
        session,
        JOB,
        tenant_id=tenant.id,
        round_id=round_.id,
        user_id=records.user_id_of(user),
        locale=str(get_locale() or "sv"),
    )
    record_event(
        session,
        "round.compile_requested",
        tenant_id=tenant.id,
        target_type="reporting_round",
        target_id=round_.id,
        details={"job": job.id},
    )
    return job


def _before_writes(done: int, total: int) -> None:
    """Progress from inside the job, only while it has not written yet: on SQLite the
    progress row's own transaction would wait for the job's write lock."""

    if done < 3:
        report_progress(done, total, COMPILING)


def compile_picture_job(
    tenant_id: int, round_id: int, user_id: int | None = None, locale: str = "sv"
) -> int:
    """The job: compile the round in the tenant's scope, reporting progress, in the
    requester's language; returns the picture record's id."""
    from flask_babel import force_locale

    report_progress(0, 4, COMPILING)
    with runtime().sessions() as session:
        set_scope(session, TenantScope.for_tenant(tenant_id, user_id))
        user = session.get(User, user_id) if user_id else None
        round_ = rounds.get_round(session, round_id)
        with force_locale(locale):
            record = compile_picture(session, round_, user=user, progress=_before_writes)
        session.commit()
        report_progress(4, 4, COMPILING)
        return record.id


def compile_picture(
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
    tally = breakdowns.tally_lines(lines, labels)
    earlier = breakdowns.earlier_totals(session, tenant.id, round_.period_start)
    status = rounds.round_status(session, round_)
    summary = summary_text(round_, tally, labels, earlier, status)
    sections = plugin_sections(session, tenant, (round_.period_start, round_.period_end))
    step(2, 4)
    data = {
        "period_start": round_.period_start.isoformat(),
        "period_end": round_.period_end.isoformat(),
        "scope": "municipality",
        "mapping": summary,
    }
    record = _existing_picture(session, round_)
    kept = None if record is None else _kept_summary(session, record)
    if record is None:
        data |= {
            "other_information": _other_information(reports, sections),
            "sources_used": _sources(reports, status),
        }
        record = records.create_record(
            session,
            record_type=SITUATION_PICTURE_TYPE,
            title=_("Situation picture %(period)s", period=_period_label(round_)),
            data=data,
            user=user,
        )
        round_.picture_record_id = record.id
    else:
        if _edited(record, kept):
            del data["mapping"]
        records.update_record(session, record, data=data, user=user)
    step(3, 4)
    store_figures(session, record, round_, lines, tally)
    _keep_summary(session, record, summary, kept)
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


def summary_edited(session: Session, record: Record) -> bool:
    """Whether the coordinator changed the written summary since it was generated: the
    text differs from the one the last compile stored. A picture compiled before summaries
    were kept has none: its generated lists are replaced by the summary."""
    return _edited(record, _kept_summary(session, record))


def _edited(record: Record, kept: PictureSummary | None) -> bool:
    return kept is not None and (record.data or {}).get("mapping", "") != kept.generated


def _kept_summary(session: Session, record: Record) -> PictureSummary | None:
    return session.scalar(select(PictureSummary).where(PictureSummary.record_id == record.id))


def _keep_summary(
    session: Session, record: Record, summary: str, kept: PictureSummary | None
) -> None:
    """Remember what this compile generated (compared on the next compile)."""
    if kept is None:
        kept = PictureSummary(tenant_id=record.tenant_id, record_id=record.id)
        session.add(kept)
    kept.generated = summary
    kept.compiled_at = clock.now()


def _existing_picture(session: Session, round_: ReportingRound) -> Record | None:
    if round_.picture_record_id is None:
        return None
    record = session.get(Record, round_.picture_record_id)
    return None if record is None or record.is_deleted else record


def store_figures(
    session: Session,
    record: Record,
    round_: ReportingRound,
    lines: list,
    tally: breakdowns.Tally | None = None,
) -> None:
    """Replace the picture's figures by those of ``lines``: category × area, category ×
    weekday × time of day, and a total per category of the round (one bulk insert)."""
    session.execute(delete(PictureFigure).where(PictureFigure.record_id == record.id))
    tally = tally or breakdowns.tally_lines(lines, dict(round_.categories))
    rows = breakdowns.figure_rows(record, (round_.period_start, round_.period_end), tally, lines)
    if rows:
        session.execute(insert(PictureFigure), rows)
    session.flush()


def _period_label(round_: ReportingRound) -> str:
    if round_.cadence == "monthly":
        return round_.period_start.strftime("%Y-%m")
    return f"{round_.period_start.isoformat()} – {round_.period_end.isoformat()}"


def summary_text(
    round_: ReportingRound,
    tally: breakdowns.Tally,
    labels: dict[str, str],
    earlier: dict[date, dict[str, int]],
    status: list,
) -> str:
    """The written summary (3–6 sentences) generated from the figures: who reported, how
    many events and the largest categories, the notable changes in words, where and when
    events cluster, and the year before. The lists themselves are tables and charts."""
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
    if not tally.total:
        parts.append(_("No events were reported."))
    else:
        largest = breakdowns.ranked_categories(tally, labels)[:3]
        parts.append(
            _(
                "%(total)s events in total, most of them %(categories)s.",
                total=tally.total,
                categories=", ".join(f"{c.label} ({c.count})" for c in largest),
            )
        )
    found = breakdowns.compare(round_.period_start, tally.by_category, earlier, labels)
    parts.append(_changes_sentence(found))
    parts.extend(_cluster_sentences(tally, labels))
    if found.year_ago_total is not None:
        parts.append(
            _(
                "A year earlier: %(then)s events in total, now %(now)s.",
                then=found.year_ago_total,
                now=found.now_total,
            )
        )
    elif found.season_average is not None:
        parts.append(
            _(
                "Average of earlier periods in the %(season)s: %(avg)s events.",
                season=found.season,
                avg=found.season_average,
            )
        )
    return " ".join(p for p in parts if p)


def mapping_text(
    round_: ReportingRound,
    lines: list[dict],
    labels: dict[str, str],
    earlier: dict[date, dict[str, int]],
    status: list,
) -> str:
    """The generated mapping text of ``lines``: since issue 16 the short summary."""
    return summary_text(round_, breakdowns.tally_lines(lines, labels), labels, earlier, status)


def _changes_sentence(found: breakdowns.Comparison) -> str:
    """The three largest changes against the previous period, in words."""
    if found.previous_start is None:
        return _("No earlier periods to compare with yet.")
    moved = sorted(
        (c for c in found.changes if c.direction != breakdowns.SAME),
        key=lambda c: (-abs(c.after - c.before), c.label),
    )[:3]
    if not moved:
        return _(
            "No category changed since the period from %(date)s.",
            date=found.previous_start.isoformat(),
        )
    return _(
        "Compared with the period from %(date)s: %(changes)s.",
        date=found.previous_start.isoformat(),
        changes="; ".join(c.sentence for c in moved),
    )


def _cluster_sentences(tally: breakdowns.Tally, labels: dict[str, str]) -> list[str]:
    """Where (the two largest areas) and when (the largest weekday × time of day cell)."""
    out = []
    areas = breakdowns.areas_of(tally, labels, limit=2)
    if areas:
        out.append(
            _(
                "Most events were reported in %(areas)s.",
                areas=", ".join(f"{a.area} ({a.count})" for a in areas),
            )
        )
    matrix = breakdowns.matrix_of(tally.when)
    cells = [(n, i, j) for i, row in enumerate(matrix.values) for j, n in enumerate(row) if n]
    if cells:
        n, i, j = max(cells, key=lambda c: (c[0], -c[1], -c[2]))
        out.append(
            _(
                "Events cluster on %(weekday)s, %(time)s (%(count)s).",
                weekday=matrix.rows[i],
                time=matrix.columns[j].lower(),
                count=n,
            )
        )
    return out


def _other_information(reports: list, sections: list[dict]) -> str:
    parts = [r.observations for r in reports if r.observations]
    for section in sections:
        lines = [section["title"], section.get("text", ""), *table_lines(section.get("table"))]
        parts.append("\n".join(line for line in lines if line).strip())
    return "\n\n".join(parts)


def table_lines(table: list | None) -> list[str]:
    """A plugin section's table as plain-text lines, one per row, each cell named by its
    column ("Name – 2023: 4; 2024: 6"): the picture's fields are text, and a line per row
    reads the same on screen, in print and to a screen reader."""
    if not table or len(table) < 2:
        return []
    header, *rows = table
    return [
        f"{row[0]} – " + "; ".join(f"{h}: {c}" for h, c in zip(header[1:], row[1:], strict=False))
        for row in rows
        if row
    ]


def _sources(reports: list, status: list) -> str:
    names = sorted({s.unit.unit_name for s in status if s.reported})
    listed = sorted({r.sources for r in reports if r.sources})
    return "\n".join([_("Reports from: %(units)s", units=", ".join(names)), *listed])


def plugin_sections(session: Session, tenant: Tenant, period: tuple[date, date]) -> list[dict]:
    """Sections the tenant's enabled plugins add (hook ``situation_picture_sections``)."""

    host = runtime().host
    enabled = enabled_plugins(session, host, tenant)
    out: list[dict] = []
    for impl in host.hook.situation_picture_sections.get_hookimpls():
        plugin = host.plugin_of(impl.plugin) or "core"
        if plugin != "core" and plugin not in enabled:
            continue
        for section in impl.function(session=session, tenant=tenant, period=period) or []:
            if isinstance(section, dict) and section.get("title"):
                out.append(section)
    return out


# --- the consortium picture -----------------------------------------------------------


def shared_member_figures(
    session: Session, consortium: Consortium, start: date, end: date
) -> dict[str, dict[str, int]]:
    """Category → member tenant name → count, from the members' municipal pictures of the
    period that are shared with the consortium (an unshared picture contributes nothing)."""

    shares = RecordShare.__table__
    shared = select(shares.c.record_id).where(
        active_share(), shares.c.consortium_id == consortium.id
    )
    rows = session.execute(
        select(Tenant.name, PictureFigure.category, func.sum(PictureFigure.count))
        .join(Tenant, Tenant.id == PictureFigure.tenant_id)
        .join(Record, Record.id == PictureFigure.record_id)
        .where(
            PictureFigure.record_id.in_(shared),
            PictureFigure.dimension == AREA_FIGURES,
            PictureFigure.period_start >= start,
            PictureFigure.period_end <= end,
            Record.deleted_at.is_(None),
        )
        .group_by(Tenant.name, PictureFigure.category)
    ).all()
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for name, category, total in rows:
        table[category][name] = int(total)
    return dict(table)


def consortium_table(
    session: Session, consortium: Consortium, start: date, end: date
) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The suppressed table (members as columns) and the column order."""
    figures = shared_member_figures(session, consortium, start, end)
    shown = suppress(figures)
    columns = sorted({c for r in shown.values() for c in r})
    return columns, shown


def compile_consortium_picture(
    session: Session,
    tenant: Tenant,
    consortium: Consortium,
    *,
    period_start: Any,
    period_end: Any,
    user: Any,
) -> Record:
    """A consortium picture owned by ``tenant`` (the consortium's coordinating member),
    shared with the consortium, made from the members' shared pictures of the period."""
    start = rounds._date(period_start, "period_start")
    end = rounds._date(period_end, "period_end")
    if end < start:
        raise rounds.ValidationError(_l("The period cannot end before it starts."), "period_end")
    columns, shown = consortium_table(session, consortium, start, end)
    labels = dict(rounds.categories_of(session, tenant))
    if shown:
        header = " | ".join([_("Category"), *columns])
        body = "\n".join(
            " | ".join([str(labels.get(k, k)), *(row[c] for c in columns)])
            for k, row in sorted(shown.items())
        )
        mapping = (
            _(
                "Events per member from the members' shared pictures (counts of 1–4 are shown "
                "as <5, and other cells are hidden so they cannot be worked out)."
            )
            + f"\n\n{header}\n{body}"
        )
    else:
        mapping = _("No member has shared a situation picture for the period.")
    record = records.create_record(
        session,
        record_type=SITUATION_PICTURE_TYPE,
        title=_(
            "Situation picture %(consortium)s %(start)s – %(end)s",
            consortium=consortium.name,
            start=start.isoformat(),
            end=end.isoformat(),
        ),
        data={
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "scope": "consortium",
            "mapping": mapping,
            "sources_used": ", ".join(columns),
        },
        user=user,
    )
    records.share_record(session, record, consortium=consortium, user=user)
    return record


# --- what other pages show ------------------------------------------------------------


def latest_picture(session: Session, tenant: Tenant) -> Record | None:
    return session.scalar(
        select(Record)
        .where(
            Record.tenant_id == tenant.id,
            Record.type_name == SITUATION_PICTURE_TYPE,
            Record.deleted_at.is_(None),
        )
        .order_by(Record.updated_at.desc(), Record.id.desc())
        .limit(1)
    )


#: The kinds of item the rounds put on the overview (declared by the core's
#: ``register_overview_kinds``).
OVERVIEW_KINDS = [
    OverviewKind("round", _l("Open reporting rounds"), 40),
    OverviewKind("late_unit", _l("Late units"), 50),
    OverviewKind("round_invitation", _l("Reports asked of you"), 55),
]


def overview_items(session: Session, tenant: Tenant, user: Any) -> list[dict]:
    """Open rounds (due, or late when the deadline passed), units that have not reported
    after the deadline (red), and rounds other tenants invite ``tenant`` to report in (each
    naming the organisation whose round it is)."""
    day = rounds.today()
    items = []
    open_rounds = session.scalars(
        select(ReportingRound).where(
            ReportingRound.tenant_id == tenant.id, ReportingRound.status == OPEN
        )
    ).all()
    for round_ in open_rounds:
        url = url_or_none("round_pages.status", tenant_slug=tenant.slug, round_id=round_.id)
        status = rounds.round_status(session, round_)
        missing = [s.unit.unit_name for s in status if not s.reported]
        items.append(
            {
                "kind": "round",
                "title": _(
                    "%(round)s: %(done)s of %(all)s units reported",
                    round=round_.title,
                    done=len(status) - len(missing),
                    all=len(status),
                ),
                "due": round_.deadline,
                "status": "late" if day > round_.deadline and missing else "due",
                "url": url,
            }
        )
        if day > round_.deadline:
            items.extend(
                {
                    "kind": "late_unit",
                    "title": _("%(unit)s has not reported", unit=name),
                    "due": round_.deadline,
                    "status": "red",
                    "url": url,
                }
                for name in missing
            )
    invitations = [
        (round_, unit)
        for round_, unit in rounds.invitations_for(session, tenant)
        if round_.tenant_id != tenant.id
    ]
    names = organisation_names(session, {round_.tenant_id for round_, _unit in invitations})
    for round_, unit in invitations:
        items.append(
            {
                "kind": "round_invitation",
                "title": _(
                    "Report for %(unit)s: %(round)s", unit=unit.unit_name, round=round_.title
                ),
                "due": round_.deadline,
                "status": "due",
                "url": url_or_none(
                    "round_pages.report",
                    tenant_slug=tenant.slug,
                    round_id=round_.id,
                    unit_id=unit.id,
                ),
                "organisation": names.get(round_.tenant_id),
            }
        )
    return items


def evidence(session: Session, tenant: Tenant) -> list[dict]:
    """The duty "situation_picture": the latest picture, its date and whether decided."""

    record = latest_picture(session, tenant)
    if record is None:
        return [
            {
                "duty": "situation_picture",
                "met": False,
                "as_of": None,
                "summary": _("No situation picture yet."),
                "url": url_or_none("round_pages.index", tenant_slug=tenant.slug),
            }
        ]
    decision = latest_decision(session, record)
    as_of = decision.decided_on if decision else record.updated_at.date()
    summary = (
        _(
            "%(title)s, decided %(date)s by %(body)s",
            title=record.title,
            date=as_of,
            body=decision.body,
        )
        if decision
        else _("%(title)s, not yet decided", title=record.title)
    )
    return [
        {
            "duty": "situation_picture",
            "met": decision is not None,
            "as_of": as_of,
            "summary": summary,
            "url": url_or_none("record_pages.detail", tenant_slug=tenant.slug, record_id=record.id),
        }
    ]


def calendar_entries(session: Session, tenant: Tenant, year: int) -> list[dict]:
    """Each round's period start and deadline in ``year`` (the annual calendar)."""
    found = session.scalars(
        select(ReportingRound).where(
            ReportingRound.tenant_id == tenant.id,
            ReportingRound.deadline >= date(year, 1, 1),
            ReportingRound.period_start <= date(year, 12, 31),
        )
    ).all()
    out = []
    for round_ in found:
        url = url_or_none("round_pages.status", tenant_slug=tenant.slug, round_id=round_.id)
        if round_.period_start.year == year:
            out.append(
                {
                    "date": round_.period_start,
                    "title": round_.title,
                    "kind": "round_opens",
                    "url": url,
                }
            )
        if round_.deadline.year == year:
            out.append(
                {
                    "date": round_.deadline,
                    "title": _("Deadline: %(round)s", round=round_.title),
                    "kind": "round_deadline",
                    "url": url,
                }
            )
    return sorted(out, key=lambda e: (e["date"], e["kind"]))


# --- the PDF for the council ----------------------------------------------------------


def picture_document(session: Session, tenant: Tenant, spec: dict) -> Any:
    """The picture as an export Document (Swedish by the export's locale, marked with the
    record's classification): the law's three parts, the problems, Brå's source questions,
    the figures and the latest decision, with the fields ``spec["user_id"]`` may see.
    ``spec["record_id"]``: the picture; a record the tenant cannot read, or one that is not a
    situation picture, is NotFound."""

    user = export_viewer(session, spec)
    record = get_picture(session, spec.get("record_id"), user=user, viewer_tenant=tenant)
    shown = disclose(session, record, user=user, viewer_tenant=tenant)
    data = shown.data
    sections = [
        Section(str(label), paragraphs=[p for p in str(value).split("\n\n") if p])
        for label, value in text_parts(shown)
        if value
    ]
    sections.extend(figure_sections(session, tenant, record))
    decision = latest_decision(session, record)
    facts = []
    if data.get("period_start"):
        facts.append((_("Period"), f"{data.get('period_start')} – {data.get('period_end')}"))
    if decision:
        facts.append(
            (
                _("Decided"),
                " ".join(
                    x
                    for x in (
                        decision.body,
                        decision.decided_on.isoformat(),
                        decision.minute_paragraph,
                    )
                    if x
                ),
            )
        )
    sections.insert(0, Section(_("About the picture"), facts=facts))
    return Document(
        title=shown.title,
        organisation_name=tenant.name,
        classification=shown.classification,
        date=record.updated_at.date(),
        sections=sections,
    )


def figure_sections(session: Session, tenant: Tenant, record: Record) -> list[Section]:
    """The picture's figures for the PDF: each chart as a figure with its alternative text and
    its numbers as a table (:mod:`.charts`), then the changes since the previous period in
    words and each area's largest categories. A picture without figures (a consortium
    picture, one not compiled) has none."""
    found = breakdowns.picture_figures(session, tenant, record)
    if not found.by_category:
        return []
    items = [change.sentence for change in found.comparison.changes]
    items += [
        _("%(area)s: mostly %(categories)s", area=a.area, categories=", ".join(a.top))
        for a in found.by_area
        if a.area and a.top
    ]
    charts = rendered_charts(found)
    drawn_map = static_area_map(area_figures(session, record))
    if drawn_map is not None:
        charts.append(drawn_map)
    return [Section(_("Figures"), charts=charts, items=items)]


def get_picture(session: Session, record_id: Any, *, user: Any, viewer_tenant: Tenant) -> Record:
    """A situation picture ``viewer_tenant`` may read (own or shared, the read audited):
    any other record type is NotFound, so the picture's page and PDF never become a second
    way to show an arbitrary record (issue 14, finding 3)."""
    record = records.get_record(session, record_id, user=user, viewer_tenant=viewer_tenant)
    if record.type_name != SITUATION_PICTURE_TYPE:
        raise NotFound(_l("No such record."))
    return record


def text_parts(shown: Disclosed) -> list[tuple[Any, Any]]:
    """The picture's text parts the viewer may see, as (label, value), in the type's order
    (the period and scope are shown apart)."""
    return [
        (f.label, shown.get(f.name))
        for f in shown.fields
        if f.name not in ("period_start", "period_end", "scope")
    ]


def figures_of(session: Session, record: Record) -> list[PictureFigure]:
    return list(
        session.scalars(
            select(PictureFigure)
            .where(PictureFigure.record_id == record.id, PictureFigure.dimension == AREA_FIGURES)
            .order_by(PictureFigure.category, PictureFigure.area)
        )
    )


def _picture_export(session: Session, tenant: Tenant, spec: Any) -> Any:
    return picture_document(session, tenant, dict(spec))


def register_picture_export() -> None:
    """The export kind ``core.situation_picture`` (PDF) for the exports machinery."""

    register_export(
        "core.situation_picture", _picture_export, action="tenant:records:read", formats=("pdf",)
    )


register_picture_export()
