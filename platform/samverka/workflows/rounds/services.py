"""Reporting rounds (rapporteringsomgångar): a coordinator opens a round for a period, the
chosen units report events by category, place, time pattern and trend, late reports are
marked but counted, and a closed round refuses further reports.

Units and categories are configured per municipality (defaults below: the usual reporting
units and the EST categories, DOMAIN.md §2). A unit may belong to another tenant (a police
area, a housing company): it reports as that tenant and reads only its own invitation;
see :mod:`samverka.workflows.rounds.models` for who reads what.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka import clock
from samverka.areas import services as areas
from samverka.audit import record_event
from samverka.db import get_scope
from samverka.errors import Conflict, Forbidden, NotFound, ValidationError
from samverka.jobs.outbox import enqueue
from samverka.records.services import may, user_id_of
from samverka.tenants.models import Tenant
from samverka.workflows.rounds.models import (
    CLOSED,
    OPEN,
    PictureFigure,
    ReportCategory,
    ReportingRound,
    ReportUnit,
    RoundReport,
    RoundUnit,
)

LOCAL_TIME = ZoneInfo("Europe/Stockholm")
MANAGE = "tenant:rounds:manage"
REPORT = "tenant:rounds:report"
MAX_COUNT = 100_000
MAX_LINES = 200
TEXT_MAX = 10_000
#: How long after the period ends a unit has to report, unless the coordinator says.
DEFAULT_GRACE_DAYS = 7
#: The "before the deadline" reminder goes out this many days ahead.
REMIND_DAYS_BEFORE = 3

CADENCES = {
    "monthly": _l("Monthly"),
    "fortnightly": _l("Fortnightly"),
    "weekly": _l("Weekly"),
}
DEFAULT_UNITS = (
    ("school", _l("School")),
    ("social_services", _l("Social services")),
    ("leisure", _l("Leisure")),
    ("rescue_service", _l("Rescue service")),
    ("housing_company", _l("Housing company")),
    ("police", _l("Police")),
)
UNIT_KINDS = dict(DEFAULT_UNITS) | {"other": _l("Other")}
EST_CATEGORIES = (
    ("vandalism", _l("Vandalism")),
    ("littering", _l("Littering")),
    ("graffiti", _l("Graffiti")),
    ("staff_incident", _l("Incident against staff")),
    ("open_drug_dealing", _l("Open drug dealing")),
    ("robbery", _l("Robbery")),
    ("assault", _l("Assault")),
    ("arson", _l("Arson")),
    ("youth_gatherings", _l("Disruptive youth gatherings")),
    ("unsafe_places", _l("Unsafe places")),
    ("illegal_driving", _l("Illegal driving")),
    ("burglary", _l("Burglary")),
    ("drug_handling", _l("Suspected drug handling")),
)
WEEKDAYS = (
    ("mon", _l("Monday")),
    ("tue", _l("Tuesday")),
    ("wed", _l("Wednesday")),
    ("thu", _l("Thursday")),
    ("fri", _l("Friday")),
    ("sat", _l("Saturday")),
    ("sun", _l("Sunday")),
)
TIMES_OF_DAY = (
    ("morning", _l("Morning (06–12)")),
    ("afternoon", _l("Afternoon (12–18)")),
    ("evening", _l("Evening (18–24)")),
    ("night", _l("Night (00–06)")),
)
TRENDS = (("up", _l("Up")), ("unchanged", _l("Unchanged")), ("down", _l("Down")))


def today() -> date:
    """The Swedish calendar day (deadlines are days in Sweden)."""
    return clock.now().astimezone(LOCAL_TIME).date()


# --- units and categories -------------------------------------------------------------


def units_of(session: Session, tenant: Tenant, *, active_only: bool = True) -> list[ReportUnit]:
    query = select(ReportUnit).where(ReportUnit.tenant_id == tenant.id)
    if active_only:
        query = query.where(ReportUnit.active.is_(True))
    return list(session.scalars(query.order_by(ReportUnit.name)))


def ensure_default_units(session: Session, tenant: Tenant, *, user: Any) -> list[ReportUnit]:
    """The default units (one per kind), made once when a municipality has none yet."""
    found = units_of(session, tenant, active_only=False)
    if found:
        return [u for u in found if u.active]
    return [
        add_unit(session, tenant, name=str(label), kind=kind, user=user)
        for kind, label in DEFAULT_UNITS
    ]


def add_unit(
    session: Session,
    tenant: Tenant,
    *,
    name: Any,
    kind: Any = "other",
    partner: Tenant | None = None,
    email: Any = None,
    user: Any,
) -> ReportUnit:
    """A reporting unit; ``partner``: another tenant that reports as itself."""
    _require(session, user, MANAGE, tenant)
    clean = _text(name, 120, "name", required=True, message=_l("Enter the unit's name."))
    if kind not in UNIT_KINDS:
        raise ValidationError(_l("Choose a kind of unit."), "kind")
    if partner is not None and partner.id == tenant.id:
        partner = None
    exists = session.scalar(
        select(ReportUnit.id).where(ReportUnit.tenant_id == tenant.id, ReportUnit.name == clean)
    )
    if exists:
        raise ValidationError(_l("There is already a unit with that name."), "name")
    unit = ReportUnit(
        tenant_id=tenant.id,
        name=clean,
        kind=kind,
        partner_tenant_id=partner.id if partner else None,
        email=_text(email, 254, "email"),
    )
    session.add(unit)
    session.flush()
    record_event(
        session,
        "round.unit_added",
        tenant_id=tenant.id,
        target_type="report_unit",
        target_id=unit.id,
        details={"partner": unit.partner_tenant_id},
    )
    return unit


def categories_of(session: Session, tenant: Tenant) -> list[tuple[str, str]]:
    """The EST categories followed by the municipality's own."""
    extra = session.execute(
        select(ReportCategory.key, ReportCategory.label)
        .where(ReportCategory.tenant_id == tenant.id)
        .order_by(ReportCategory.id)
    ).all()
    return [(k, str(label)) for k, label in EST_CATEGORIES] + [(k, lbl) for k, lbl in extra]


def add_category(session: Session, tenant: Tenant, *, label: Any, user: Any) -> ReportCategory:
    _require(session, user, MANAGE, tenant)
    clean = _text(label, 120, "label", required=True, message=_l("Enter the category's name."))
    key = "x_" + "".join(c if c.isalnum() else "_" for c in clean.lower())[:50]
    if key in dict(categories_of(session, tenant)):
        raise ValidationError(_l("There is already a category with that name."), "label")
    category = ReportCategory(tenant_id=tenant.id, key=key, label=clean)
    session.add(category)
    session.flush()
    record_event(
        session,
        "round.category_added",
        tenant_id=tenant.id,
        target_type="report_category",
        target_id=category.id,
    )
    return category


# --- rounds ---------------------------------------------------------------------------


def period_for(start: date, cadence: str) -> tuple[date, date]:
    """The period a round of ``cadence`` starting on ``start`` covers (monthly: the month)."""
    if cadence == "monthly":
        first = start.replace(day=1)
        return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])
    if cadence == "fortnightly":
        return start, start + timedelta(days=13)
    if cadence == "weekly":
        return start, start + timedelta(days=6)
    raise ValidationError(_l("Choose monthly, fortnightly or weekly."), "cadence")


def open_round(
    session: Session,
    tenant: Tenant,
    *,
    unit_ids: Iterable[Any],
    period_start: Any,
    cadence: Any = "monthly",
    deadline: Any = None,
    title: Any = None,
    user: Any,
) -> ReportingRound:
    """Open a round for the period that begins with ``period_start``, inviting the chosen
    units (at least one). The caller commits; on an error nothing is stored."""
    _require(session, user, MANAGE, tenant)
    start = _date(period_start, "period_start")
    start, end = period_for(start, str(cadence or "monthly"))
    due = _date(deadline, "deadline") if deadline not in (None, "") else None
    due = due or end + timedelta(days=DEFAULT_GRACE_DAYS)
    if due < start:
        raise ValidationError(_l("The deadline cannot be before the period starts."), "deadline")
    units = _chosen_units(session, tenant, unit_ids)
    name = _text(title, 200, "title") or str(
        _l("Reporting round %(start)s – %(end)s", start=start.isoformat(), end=end.isoformat())
    )
    round_ = ReportingRound(
        tenant_id=tenant.id,
        title=name,
        cadence=str(cadence or "monthly"),
        period_start=start,
        period_end=end,
        deadline=due,
        status=OPEN,
        categories=[list(c) for c in categories_of(session, tenant)],
        created_by_id=user_id_of(user),
    )
    session.add(round_)
    session.flush()
    for unit in units:
        session.add(
            RoundUnit(
                tenant_id=tenant.id,
                round_id=round_.id,
                unit_id=unit.id,
                unit_name=unit.name,
                reporter_tenant_id=unit.partner_tenant_id or tenant.id,
                email=unit.email,
            )
        )
    session.flush()
    record_event(
        session,
        "round.opened",
        tenant_id=tenant.id,
        target_type="reporting_round",
        target_id=round_.id,
        details={"units": [u.id for u in units], "period": start.isoformat()},
    )
    return round_


def _chosen_units(session: Session, tenant: Tenant, unit_ids: Iterable[Any]) -> list[ReportUnit]:
    try:
        wanted = {int(u) for u in (unit_ids or [])}
    except (TypeError, ValueError):
        raise ValidationError(_l("Choose the units that report."), "units") from None
    if not wanted:
        raise ValidationError(_l("Choose at least one unit that reports."), "units")
    units = [u for u in units_of(session, tenant) if u.id in wanted]
    if len(units) != len(wanted):
        raise ValidationError(_l("Choose units of your own organisation."), "units")
    return units


def get_round(session: Session, round_id: Any) -> ReportingRound:
    """A round the scope may read (its owner's or one it is invited to), else NotFound."""
    try:
        found = session.get(ReportingRound, int(round_id))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(_l("No such reporting round."))
    return found


def rounds_of(session: Session, tenant: Tenant) -> list[ReportingRound]:
    return list(
        session.scalars(
            select(ReportingRound)
            .where(ReportingRound.tenant_id == tenant.id)
            .order_by(ReportingRound.period_start.desc(), ReportingRound.id.desc())
        )
    )


def close_round(session: Session, round_: ReportingRound, *, user: Any) -> ReportingRound:
    tenant = _owner(session, round_, user)
    if round_.status == CLOSED:
        return round_
    round_.status, round_.closed_at = CLOSED, clock.now()
    session.flush()
    record_event(
        session,
        "round.closed",
        tenant_id=tenant.id,
        target_type="reporting_round",
        target_id=round_.id,
    )
    return round_


def _owner(session: Session, round_: ReportingRound, user: Any) -> Tenant:
    tenant = session.get(Tenant, round_.tenant_id)
    if tenant is None or not may(session, user, MANAGE, tenant):
        raise Forbidden(_l("Only the round's coordinator may do that."))
    return tenant


# --- reports --------------------------------------------------------------------------


def units_in(session: Session, round_: ReportingRound) -> list[RoundUnit]:
    """The round's units the scope may see (the owner: all; a partner: its own)."""
    return list(
        session.scalars(
            select(RoundUnit).where(RoundUnit.round_id == round_.id).order_by(RoundUnit.unit_name)
        )
    )


def get_round_unit(session: Session, round_: ReportingRound, round_unit_id: Any) -> RoundUnit:
    try:
        found = session.get(RoundUnit, int(round_unit_id))
    except (TypeError, ValueError):
        found = None
    if found is None or found.round_id != round_.id:
        raise NotFound(_l("No such unit in this round."))
    return found


def report_of(session: Session, round_unit: RoundUnit) -> RoundReport | None:
    return session.scalar(select(RoundReport).where(RoundReport.round_unit_id == round_unit.id))


def submit_report(
    session: Session,
    round_unit: RoundUnit,
    *,
    lines: Any,
    observations: Any = None,
    sources: Any = None,
    user: Any,
) -> RoundReport:
    """The unit's report, made (or replaced while the round is open) by its reporting tenant.
    A closed round refuses it (Conflict); bad lines raise ValidationError; either way
    nothing is stored. A report after the deadline is marked late and still counts."""
    reporter = session.get(Tenant, round_unit.reporter_tenant_id)
    if reporter is None or reporter.id not in _scope_ids(session):
        raise Forbidden(_l("Only the unit's own organisation may report for it."))
    if not may(session, user, REPORT, reporter):
        raise Forbidden(_l("You may not report in %(tenant)s.", tenant=reporter.name))
    round_ = session.get(ReportingRound, round_unit.round_id)
    if round_ is None:
        raise NotFound(_l("No such reporting round."))
    if round_.status == CLOSED:
        raise Conflict(
            _l("The round is closed; reports are no longer accepted. Contact the coordinator.")
        )
    cleaned = link_areas(
        session, round_.tenant_id, clean_lines(lines, [k for k, _label in round_.categories])
    )
    report = report_of(session, round_unit) or RoundReport(
        tenant_id=reporter.id,
        round_unit_id=round_unit.id,
        round_id=round_.id,
        round_tenant_id=round_.tenant_id,
    )
    report.lines = cleaned
    report.observations = _text(observations, TEXT_MAX, "observations", keep_lines=True)
    report.sources = _text(sources, TEXT_MAX, "sources", keep_lines=True)
    report.late = today() > round_.deadline
    report.submitted_at = clock.now()
    report.submitted_by_id = user_id_of(user)
    session.add(report)
    session.flush()
    record_event(
        session,
        "round.report_submitted",
        tenant_id=reporter.id,
        target_type="round_report",
        target_id=report.id,
        details={"round": round_.id, "late": report.late, "lines": len(cleaned)},
    )
    return report


def clean_lines(lines: Any, categories: list[str]) -> list[dict]:
    """Validated report lines; field names like ``lines.2.count`` say which one is wrong."""
    if lines is None:
        return []
    if not isinstance(lines, list) or len(lines) > MAX_LINES:
        raise ValidationError(_l("The report's lines are not a list."), "lines")
    cleaned = []
    for i, line in enumerate(lines):
        if not isinstance(line, Mapping):
            raise ValidationError(_l("Each line must be an object."), f"lines.{i}")
        cleaned.append(_clean_line(line, categories, f"lines.{i}"))
    return [line for line in cleaned if line["count"] or line["trend"]]


def _clean_line(line: Mapping, categories: list[str], at: str) -> dict:
    category = line.get("category")
    if category not in categories:
        raise ValidationError(_l("Choose one of the round's categories."), f"{at}.category")
    count = _count(line.get("count"), f"{at}.count")
    weekday = _choice(line.get("weekday"), WEEKDAYS, f"{at}.weekday")
    time_of_day = _choice(line.get("time_of_day"), TIMES_OF_DAY, f"{at}.time_of_day")
    trend = _choice(line.get("trend"), TRENDS, f"{at}.trend")
    area = _text(line.get("area"), 120, f"{at}.area") or ""
    return {
        "category": category,
        "count": count,
        "area": area,
        "area_id": _area_id(line.get("area_id"), f"{at}.area_id"),
        "weekday": weekday,
        "time_of_day": time_of_day,
        "trend": trend,
    }


def link_areas(session: Session, round_tenant_id: int, lines: list[dict]) -> list[dict]:
    """Each line's place from the round owner's register of areas (by ``area_id``, or by a
    name that matches); other free text stays, flagged ``area_unmapped`` for the
    coordinator to map (see :func:`unmapped_areas`)."""
    for i, line in enumerate(lines):
        area_id, name = areas.resolve_area(
            session, round_tenant_id, line["area_id"], line["area"], f"lines.{i}.area"
        )
        line.update(area_id=area_id, area=name, area_unmapped=bool(name) and area_id is None)
    return lines


def unmapped_areas(reports: Iterable[RoundReport]) -> list[str]:
    """The free-text places of ``reports`` that name no area of the register (to map)."""
    return sorted(
        {line["area"] for r in reports for line in r.lines or [] if line.get("area_unmapped")},
        key=str.lower,
    )


def _area_id(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_l("Choose one of the round's areas."), field) from None
    if isinstance(value, bool) or not 0 < number < 2**31:
        raise ValidationError(_l("Choose one of the round's areas."), field)
    return number


def _count(value: Any, field: str) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValidationError(_l("Enter a whole number of events."), field)
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise ValidationError(_l("Enter a whole number of events."), field) from None
    if number < 0 or number > MAX_COUNT:
        raise ValidationError(_l("Enter a number between 0 and %(max)s.", max=MAX_COUNT), field)
    return number


def _choice(value: Any, choices: tuple, field: str) -> str | None:
    if value in (None, ""):
        return None
    if value not in dict(choices):
        raise ValidationError(_l("Choose one of the options."), field)
    return str(value)


@dataclass(frozen=True)
class UnitStatus:
    unit: RoundUnit
    report: RoundReport | None

    @property
    def reported(self) -> bool:
        return self.report is not None

    @property
    def late(self) -> bool:
        return bool(self.report and self.report.late)


def round_status(session: Session, round_: ReportingRound) -> list[UnitStatus]:
    """Who has and has not reported (the owner sees every unit; a partner its own)."""
    units = units_in(session, round_)
    reports = {
        r.round_unit_id: r
        for r in session.scalars(select(RoundReport).where(RoundReport.round_id == round_.id))
    }
    return [UnitStatus(u, reports.get(u.id)) for u in units]


def invitations_for(session: Session, tenant: Tenant) -> list[tuple[ReportingRound, RoundUnit]]:
    """Open rounds of other tenants in which ``tenant`` reports (partners' to-do list)."""
    rows = session.execute(
        select(ReportingRound, RoundUnit)
        .join(RoundUnit, RoundUnit.round_id == ReportingRound.id)
        .where(RoundUnit.reporter_tenant_id == tenant.id, ReportingRound.status == OPEN)
        .order_by(ReportingRound.deadline)
    ).all()
    return [(r, u) for r, u in rows]


def reports_in(session: Session, round_: ReportingRound) -> list[RoundReport]:
    return list(
        session.scalars(
            select(RoundReport).where(RoundReport.round_id == round_.id).order_by(RoundReport.id)
        )
    )


# --- reminders ------------------------------------------------------------------------


def send_reminders(session: Session, now: datetime) -> int:
    """Periodic, per tenant: mail each unit that has not reported once before the deadline
    (within :data:`REMIND_DAYS_BEFORE` days) and once when it is late. Idempotent: the
    unit row remembers each kind it was sent."""

    day = now.astimezone(LOCAL_TIME).date()
    sent = 0
    scope = _scope_ids(session)
    rounds = session.scalars(
        select(ReportingRound).where(
            ReportingRound.status == OPEN, ReportingRound.tenant_id.in_(scope)
        )
    ).all()
    for round_ in rounds:
        for status in round_status(session, round_):
            unit = status.unit
            if status.reported or not unit.email:
                continue
            if day > round_.deadline and unit.reminded_late_at is None:
                unit.reminded_late_at = now
                subject = _l("Your report is late: %(round)s", round=round_.title)
            elif (
                round_.deadline - timedelta(days=REMIND_DAYS_BEFORE) <= day <= round_.deadline
                and unit.reminded_before_at is None
            ):
                unit.reminded_before_at = now
                subject = _l("Reminder: report by %(date)s", date=round_.deadline.isoformat())
            else:
                continue
            body = _l(
                "The unit %(unit)s has not yet reported in %(round)s (deadline %(date)s).",
                unit=unit.unit_name,
                round=round_.title,
                date=round_.deadline.isoformat(),
            )
            enqueue(
                session,
                "core.send_mail",
                tenant_id=round_.tenant_id,
                to=unit.email,
                subject=str(subject),
                body=str(body),
            )
            sent += 1
    session.flush()
    return sent


# --- helpers --------------------------------------------------------------------------


def _scope_ids(session: Session) -> tuple[int, ...]:

    return get_scope(session).tenant_ids


def _require(session: Session, user: Any, action: str, tenant: Tenant) -> None:
    if not may(session, user, action, tenant):
        raise Forbidden(_l("You may not do that in %(tenant)s.", tenant=tenant.name))


def _date(value: Any, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(_l("Enter the date as YYYY-MM-DD."), field)


def _text(
    value: Any,
    limit: int,
    field: str,
    *,
    required: bool = False,
    message: Any = None,
    keep_lines: bool = False,
) -> str | None:
    if value is None:
        text = ""
    elif keep_lines:
        text = str(value).strip()
    else:
        text = " ".join(str(value).split())
    if not text:
        if required:
            raise ValidationError(message or _l("This field is required."), field)
        return None
    if len(text) > limit:
        raise ValidationError(_l("At most %(max)s characters.", max=limit), field)
    return text


# --- the tenant archive ---------------------------------------------------------------


def export_rounds(session: Session, tenant: Tenant, archive: Any) -> None:
    """The tenant's own rows for its archive: units, categories, rounds with their units,
    the reports it made (in its own or a partner's rounds) and its pictures' figures."""

    def own(model):
        return session.scalars(select(model).where(model.tenant_id == tenant.id).order_by(model.id))

    archive.add_jsonl(
        "rounds/units.jsonl",
        (
            {
                "id": u.id,
                "name": u.name,
                "kind": u.kind,
                "partner": u.partner_tenant_id,
                "email": u.email,
                "active": u.active,
            }
            for u in own(ReportUnit)
        ),
    )
    archive.add_jsonl(
        "rounds/categories.jsonl", ({"key": c.key, "label": c.label} for c in own(ReportCategory))
    )
    archive.add_jsonl(
        "rounds/rounds.jsonl",
        (
            {
                "id": r.id,
                "title": r.title,
                "cadence": r.cadence,
                "period_start": r.period_start.isoformat(),
                "period_end": r.period_end.isoformat(),
                "deadline": r.deadline.isoformat(),
                "status": r.status,
                "categories": r.categories,
                "picture_record_id": r.picture_record_id,
            }
            for r in own(ReportingRound)
        ),
    )
    archive.add_jsonl(
        "rounds/round_units.jsonl",
        (
            {
                "id": u.id,
                "round_id": u.round_id,
                "unit": u.unit_name,
                "reporter_tenant_id": u.reporter_tenant_id,
            }
            for u in own(RoundUnit)
        ),
    )
    archive.add_jsonl(
        "rounds/reports.jsonl",
        (
            {
                "id": r.id,
                "round_id": r.round_id,
                "round_unit_id": r.round_unit_id,
                "round_tenant_id": r.round_tenant_id,
                "lines": r.lines,
                "observations": r.observations,
                "sources": r.sources,
                "late": r.late,
                "submitted_at": r.submitted_at.isoformat(),
            }
            for r in own(RoundReport)
        ),
    )
    archive.add_jsonl(
        "rounds/picture_figures.jsonl",
        (
            {
                "record_id": f.record_id,
                "period_start": f.period_start.isoformat(),
                "period_end": f.period_end.isoformat(),
                "category": f.category,
                "area": f.area,
                "count": f.count,
                "dimension": f.dimension,
                "weekday": f.weekday,
                "time_of_day": f.time_of_day,
            }
            for f in own(PictureFigure)
        ),
    )
