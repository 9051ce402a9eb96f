"""Action plans in Brå's columns: cause → measure → operational goal → when → who →
follow-up (Lag 2023:196; Brå's main criticism is that measures are not linked to the
problems found and that follow-up rarely happens).

A plan is a ``core.action_plan`` record (its own fields are versioned by the records
service). Its causes, measures and follow-ups are child rows of the record, owned by the
record's tenant and readable wherever the plan is shared (``share_key = "record_id"``, like
:mod:`samverka.workflows.decisions`), written only by the owner, each write audited.

* A cause is numbered within its plan and names a problem (by number) of a situation
  picture the plan's owner can read; the number must exist in that picture.
* A measure always belongs to a cause: there is no way to store one without. A cause
  without a measure is allowed but flagged (:func:`causes_without_measures`).
* Follow-ups are never edited: each is a new row and the latest counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from samverka import clock
from samverka.audit import record_event
from samverka.clock import utcnow
from samverka.db import Base, ShareableTenantOwned
from samverka.errors import Forbidden, NotFound, ValidationError
from samverka.plugins.services import enabled_plugins
from samverka.records import services as records
from samverka.records.listing import audit_listing
from samverka.records.models import Record
from samverka.runtime import runtime
from samverka.tenants.models import Tenant
from samverka.workflows.calendar import url_or_none
from samverka.workflows.cycle_types import ACTION_PLAN_TYPE, SITUATION_PICTURE_TYPE, problems_of
from samverka.workflows.decisions import LOCAL_TIME

WRITE = "tenant:records:write"
TEXT_MAX = 2000
NAME_MAX = 200
STATUSES = ("green", "yellow", "red")
EFFORT_KINDS = ("one_off", "ordinary")


def _user_fk() -> Mapped[int | None]:
    return mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class PlanCause(ShareableTenantOwned, Base):
    """A cause in a plan, numbered within the plan, linked to a picture's problem."""

    __tablename__ = "plan_causes"
    __table_args__ = (UniqueConstraint("record_id", "number", name="uq_plan_causes_number"),)
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    picture_id: Mapped[int | None] = mapped_column(
        ForeignKey("records.id", ondelete="SET NULL"), nullable=True
    )
    problem_number: Mapped[int | None] = mapped_column(Integer)
    problem_text: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlanMeasure(ShareableTenantOwned, Base):
    """A measure against one cause: goal, when, who, kind of effort, resources."""

    __tablename__ = "plan_measures"
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    cause_id: Mapped[int] = mapped_column(
        ForeignKey("plan_causes.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(NAME_MAX))
    operational_goal: Mapped[str | None] = mapped_column(Text)
    start_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    period: Mapped[str | None] = mapped_column(String(NAME_MAX))
    responsible_tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="SET NULL"), nullable=True
    )
    responsible_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    effort: Mapped[str] = mapped_column(String(20), default="ordinary")
    resources: Mapped[str | None] = mapped_column(Text)
    hours: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlanFollowUp(ShareableTenantOwned, Base):
    """One follow-up of a measure (green/yellow/red); the history is kept, the latest counts."""

    __tablename__ = "plan_follow_ups"
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("plan_measures.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    followed_up_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- validation helpers ---------------------------------------------------------------


def today() -> date:
    """The Swedish calendar day (see decisions.LOCAL_TIME)."""
    return clock.now().astimezone(LOCAL_TIME).date()


def clean_text(value: Any, field: str, *, limit: int = TEXT_MAX, required: bool = False) -> Any:
    """Trimmed text or None; ``required`` refuses an empty value."""
    text = str(value).strip() if value is not None else ""
    if not text:
        if required:
            raise ValidationError(_l("This field is required."), field)
        return None
    if len(text) > limit:
        raise ValidationError(_l("At most %(max)s characters.", max=limit), field)
    return text


def clean_date(value: Any, field: str, *, required: bool = False) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(_l("Enter a date."), field)
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(_l("Enter the date as YYYY-MM-DD."), field) from None


def clean_int(value: Any, field: str, *, minimum: int = 0, maximum: int = 1_000_000) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(_l("Enter a whole number."), field) from None
    if not minimum <= number <= maximum:
        raise ValidationError(
            _l("Enter a number from %(min)s to %(max)s.", min=minimum, max=maximum), field
        )
    return number


def clean_choice(value: Any, field: str, choices: tuple[str, ...]) -> str:
    text = str(value or "").strip()
    if text not in choices:
        raise ValidationError(_l("Choose one of the options."), field)
    return text


def _audit(session: Session, action: str, plan: Record, **details: Any) -> None:
    record_event(
        session,
        action,
        tenant_id=plan.tenant_id,
        target_type="record",
        target_id=plan.id,
        details=details,
    )


def _require_plan(session: Session, plan: Record, user: Any) -> Tenant:
    if plan.type_name != ACTION_PLAN_TYPE:
        raise ValidationError(_l("The record is not an action plan."), "record")
    return records.require_owner(session, plan, user, WRITE)


# --- causes ---------------------------------------------------------------------------


def picture_problems(session: Session, picture_id: Any, *, user: Any, viewer: Tenant) -> tuple:
    """A situation picture readable in the session's scope and its numbered problems."""
    try:
        picture = records.get_record(session, picture_id, user=user, viewer_tenant=viewer)
    except NotFound:
        raise ValidationError(_l("Choose a situation picture you can read."), "picture") from None
    if picture.type_name != SITUATION_PICTURE_TYPE:
        raise ValidationError(_l("Choose a situation picture you can read."), "picture")
    return picture, problems_of(picture.data or {})


def add_cause(
    session: Session,
    plan: Record,
    *,
    description: Any,
    picture_id: Any = None,
    problem_number: Any = None,
    user: Any,
) -> PlanCause:
    """A new cause, numbered next in the plan. With a picture, ``problem_number`` must
    name one of its problems (1-based); the problem's text is kept as it read then."""
    tenant = _require_plan(session, plan, user)
    text = clean_text(description, "description", required=True)
    number = clean_int(problem_number, "problem_number", minimum=1, maximum=10_000)
    problem_text = None
    picture = None
    if picture_id not in (None, ""):
        picture, problems = picture_problems(session, picture_id, user=user, viewer=tenant)
        if number is None or number > len(problems):
            raise ValidationError(
                _l(
                    "The situation picture has no problem number %(number)s.",
                    number=number if number is not None else "–",
                ),
                "problem_number",
            )
        problem_text = problems[number - 1]
    elif number is not None:
        raise ValidationError(_l("Choose the situation picture the problem is in."), "picture")
    latest = session.scalar(
        select(func.max(PlanCause.number)).where(PlanCause.record_id == plan.id)
    )
    cause = PlanCause(
        tenant_id=tenant.id,
        record_id=plan.id,
        number=(latest or 0) + 1,
        description=text,
        picture_id=picture.id if picture else None,
        problem_number=number if picture else None,
        problem_text=problem_text,
        created_by_id=records.user_id_of(user),
    )
    session.add(cause)
    session.flush()
    _audit(session, "plan.cause.add", plan, cause=cause.id, number=cause.number)
    return cause


def causes_of(session: Session, plan: Record) -> list[PlanCause]:
    return list(
        session.scalars(
            select(PlanCause).where(PlanCause.record_id == plan.id).order_by(PlanCause.number)
        )
    )


def get_cause(session: Session, plan: Record, cause_id: Any) -> PlanCause:
    try:
        cause_id = int(cause_id)
    except (TypeError, ValueError):
        raise ValidationError(_l("Choose the cause the measure works against."), "cause") from None
    cause = session.scalar(
        select(PlanCause).where(PlanCause.id == cause_id, PlanCause.record_id == plan.id)
    )
    if cause is None:
        raise ValidationError(_l("Choose the cause the measure works against."), "cause")
    return cause


# --- measures -------------------------------------------------------------------------


def add_measure(
    session: Session, plan: Record, *, cause_id: Any, user: Any, **given: Any
) -> PlanMeasure:
    """A measure against a cause of the same plan (refused without one). ``given``: title,
    operational_goal, start_on, due_on, period, responsible_tenant (id or slug),
    responsible_name, effort ("one_off"/"ordinary"), resources, hours."""
    tenant = _require_plan(session, plan, user)
    if cause_id in (None, ""):
        raise ValidationError(_l("A measure must belong to a cause."), "cause")
    cause = get_cause(session, plan, cause_id)
    measure = PlanMeasure(
        tenant_id=tenant.id,
        record_id=plan.id,
        cause_id=cause.id,
        created_by_id=records.user_id_of(user),
        **_measure_fields(session, given),
    )
    session.add(measure)
    session.flush()
    _audit(session, "plan.measure.add", plan, measure=measure.id, cause=cause.id)
    return measure


def update_measure(
    session: Session, plan: Record, measure: PlanMeasure, *, user: Any, **given: Any
) -> PlanMeasure:
    """Change a measure's columns (its cause may change to another cause of the plan)."""
    _require_plan(session, plan, user)
    if measure.record_id != plan.id:
        raise NotFound(_l("No such measure."))
    cause = get_cause(session, plan, given.pop("cause_id", measure.cause_id))
    for key, value in _measure_fields(session, given).items():
        setattr(measure, key, value)
    measure.cause_id = cause.id
    session.flush()
    _audit(session, "plan.measure.update", plan, measure=measure.id, cause=cause.id)
    return measure


def _measure_fields(session: Session, given: dict[str, Any]) -> dict[str, Any]:
    start = clean_date(given.get("start_on"), "start_on")
    due = clean_date(given.get("due_on"), "due_on")
    if start and due and due < start:
        raise ValidationError(_l("The measure must end after it starts."), "due_on")
    period = clean_text(given.get("period"), "period", limit=NAME_MAX)
    if not (start or due or period):
        raise ValidationError(_l("Say when: a start or due date, or a period."), "due_on")
    return {
        "title": clean_text(given.get("title"), "title", limit=NAME_MAX, required=True),
        "operational_goal": clean_text(given.get("operational_goal"), "operational_goal"),
        "start_on": start,
        "due_on": due,
        "period": period,
        "responsible_tenant_id": _responsible(session, given.get("responsible_tenant")),
        "responsible_name": clean_text(
            given.get("responsible_name"), "responsible_name", limit=NAME_MAX
        ),
        "effort": clean_choice(given.get("effort") or "ordinary", "effort", EFFORT_KINDS),
        "resources": clean_text(given.get("resources"), "resources"),
        "hours": clean_int(given.get("hours"), "hours"),
    }


def _responsible(session: Session, ref: Any) -> int | None:
    """The responsible tenant (any organisation on the platform: a partner may lead)."""
    if ref in (None, ""):
        return None
    if isinstance(ref, Tenant):
        return ref.id
    query = select(Tenant.id)
    text = str(ref).strip()
    query = (
        query.where(Tenant.id == int(text)) if text.isdigit() else query.where(Tenant.slug == text)
    )
    found = session.scalar(query)
    if found is None:
        raise ValidationError(_l("No such organisation."), "responsible_tenant")
    return found


def measures_of(session: Session, plan: Record) -> list[PlanMeasure]:
    return list(
        session.scalars(
            select(PlanMeasure).where(PlanMeasure.record_id == plan.id).order_by(PlanMeasure.id)
        )
    )


def get_measure(session: Session, plan: Record, measure_id: Any) -> PlanMeasure:
    try:
        measure_id = int(measure_id)
    except (TypeError, ValueError):
        raise NotFound(_l("No such measure.")) from None
    measure = session.scalar(
        select(PlanMeasure).where(PlanMeasure.id == measure_id, PlanMeasure.record_id == plan.id)
    )
    if measure is None:
        raise NotFound(_l("No such measure."))
    return measure


def causes_without_measures(session: Session, plan: Record) -> list[PlanCause]:
    """Brå: a cause nobody works against. Allowed, but the page and the API flag it."""
    with_measures = select(PlanMeasure.cause_id).where(PlanMeasure.record_id == plan.id)
    return list(
        session.scalars(
            select(PlanCause)
            .where(PlanCause.record_id == plan.id, PlanCause.id.not_in(with_measures))
            .order_by(PlanCause.number)
        )
    )


def flagged_counts(session: Session, plans: Iterable[Record]) -> dict[int, int]:
    """For each plan, how many of its causes have no measure (:func:`causes_without_measures`
    for a whole list in one query, so a list page costs the same for one plan or many)."""
    ids = {plan.id for plan in plans}
    if not ids:
        return {}
    measured = select(PlanMeasure.id).where(PlanMeasure.cause_id == PlanCause.id).exists()
    rows = session.execute(
        select(PlanCause.record_id, func.count())
        .where(PlanCause.record_id.in_(ids), ~measured)
        .group_by(PlanCause.record_id)
    )
    return {plan_id: 0 for plan_id in ids} | dict(rows.all())


def visible_plans(
    session: Session, *, viewer_tenant: Tenant, user: Any, via: str | None
) -> list[Record]:
    """The action plans the scope may see (own and shared), last changed first. ``via``:
    the list is shown (``"web"``, ``"api"``), so its confidential and sensitive plans are
    audited like the records list's (the caller commits); None only for rows nobody sees."""
    if not records.may(session, user, records.READ, viewer_tenant):
        raise Forbidden(_l("You may not do that in %(tenant)s.", tenant=viewer_tenant.name))
    rows = list(
        session.scalars(
            select(Record)
            .where(Record.type_name == ACTION_PLAN_TYPE, Record.deleted_at.is_(None))
            .order_by(Record.updated_at.desc(), Record.id.desc())
        )
    )
    if via is not None:
        audit_listing(session, rows, viewer_tenant, via=via)
    return rows


# --- follow-ups -----------------------------------------------------------------------


def follow_up(
    session: Session,
    plan: Record,
    measure: PlanMeasure,
    *,
    status: Any,
    comment: Any = None,
    followed_up_on: Any = None,
    user: Any,
) -> PlanFollowUp:
    """Record a follow-up (default date: today; never in the future)."""
    tenant = _require_plan(session, plan, user)
    if measure.record_id != plan.id:
        raise NotFound(_l("No such measure."))
    when = clean_date(followed_up_on, "followed_up_on") or today()
    if when > today():
        raise ValidationError(_l("A follow-up cannot be dated in the future."), "followed_up_on")
    row = PlanFollowUp(
        tenant_id=tenant.id,
        record_id=plan.id,
        measure_id=measure.id,
        status=clean_choice(status, "status", STATUSES),
        comment=clean_text(comment, "comment"),
        followed_up_on=when,
        created_by_id=records.user_id_of(user),
    )
    session.add(row)
    session.flush()
    _audit(session, "plan.follow_up", plan, measure=measure.id, status=row.status)
    return row


def follow_ups_of(session: Session, measure: PlanMeasure) -> list[PlanFollowUp]:
    """Newest first (by date, then entry)."""
    return list(
        session.scalars(
            select(PlanFollowUp)
            .where(PlanFollowUp.measure_id == measure.id)
            .order_by(PlanFollowUp.followed_up_on.desc(), PlanFollowUp.id.desc())
        )
    )


def latest_statuses(
    session: Session, record_ids: list[int] | None = None
) -> dict[int, PlanFollowUp]:
    """The latest follow-up per measure visible in the scope (optionally of some plans)."""
    query = select(PlanFollowUp).order_by(
        PlanFollowUp.measure_id, PlanFollowUp.followed_up_on, PlanFollowUp.id
    )
    if record_ids is not None:
        query = query.where(PlanFollowUp.record_id.in_(record_ids))
    latest: dict[int, PlanFollowUp] = {}
    for row in session.scalars(query):
        latest[row.measure_id] = row
    return latest


# --- the whole plan -------------------------------------------------------------------


@dataclass
class MeasureView:
    measure: PlanMeasure
    latest: PlanFollowUp | None
    history: list[PlanFollowUp]
    indicators: list[dict]

    @property
    def status(self) -> str | None:
        return self.latest.status if self.latest else None


@dataclass
class CauseView:
    cause: PlanCause
    measures: list[MeasureView]

    @property
    def flagged(self) -> bool:
        return not self.measures


def plan_view(session: Session, plan: Record, tenant: Tenant | None = None) -> list[CauseView]:
    """Causes with their measures, each with its follow-up history and plugin indicators."""
    measures = measures_of(session, plan)
    history: dict[int, list[PlanFollowUp]] = {}
    for row in session.scalars(
        select(PlanFollowUp)
        .where(PlanFollowUp.record_id == plan.id)
        .order_by(PlanFollowUp.followed_up_on.desc(), PlanFollowUp.id.desc())
    ):
        history.setdefault(row.measure_id, []).append(row)
    views = []
    for cause in causes_of(session, plan):
        mine = [
            MeasureView(
                m,
                (history.get(m.id) or [None])[0],
                history.get(m.id, []),
                measure_summaries(session, tenant, m),
            )
            for m in measures
            if m.cause_id == cause.id
        ]
        views.append(CauseView(cause, mine))
    return views


def measure_summaries(session: Session, tenant: Tenant | None, measure: PlanMeasure) -> list:
    """Indicator summaries the enabled plugins attach to a measure (hook
    ``measure_summaries``; the indicators plugin comes later)."""

    if tenant is None:
        return []
    host = runtime().host
    hook = host.hooks_for(enabled_plugins(session, host, tenant)).measure_summaries
    found: list = []
    for result in hook(session=session, tenant=tenant, measure=measure):
        found.extend(result or [])
    return found


def plan_records(session: Session, tenant: Tenant) -> list[Record]:
    """The tenant's own action plans (not deleted), newest validity first."""
    return list(
        session.scalars(
            select(Record)
            .where(
                Record.tenant_id == tenant.id,
                Record.type_name == ACTION_PLAN_TYPE,
                Record.deleted_at.is_(None),
            )
            .order_by(Record.updated_at.desc())
        )
    )


def measure_dict(view: MeasureView) -> dict[str, Any]:
    m = view.measure
    return {
        "id": m.id,
        "cause_id": m.cause_id,
        "title": m.title,
        "operational_goal": m.operational_goal,
        "start_on": m.start_on,
        "due_on": m.due_on,
        "period": m.period,
        "responsible_tenant_id": m.responsible_tenant_id,
        "responsible_name": m.responsible_name,
        "effort": m.effort,
        "resources": m.resources,
        "hours": m.hours,
        "status": view.status,
        "follow_ups": [
            {
                "id": f.id,
                "status": f.status,
                "comment": f.comment,
                "followed_up_on": f.followed_up_on,
            }
            for f in view.history
        ],
        "indicators": view.indicators,
    }


def cause_dict(view: CauseView) -> dict[str, Any]:
    c = view.cause
    return {
        "id": c.id,
        "number": c.number,
        "description": c.description,
        "picture_id": c.picture_id,
        "problem_number": c.problem_number,
        "problem_text": c.problem_text,
        "without_measures": view.flagged,
        "measures": [measure_dict(m) for m in view.measures],
    }


@dataclass(frozen=True)
class MeasureRef:
    """A measure of one of the tenant's action plans, as plugins see it."""

    id: int
    title: str
    plan_id: int
    plan_title: str
    due_on: object = None


def measure_references(session: Session, tenant: Tenant) -> list[MeasureRef]:
    """The measures of ``tenant``'s own action plans (newest plan first), for plugins that
    follow measures up (hook ``measure_summaries``); read in the session's scope."""
    return [
        MeasureRef(m.id, m.title, plan.id, plan.title, m.due_on)
        for plan in plan_records(session, tenant)
        for m in measures_of(session, plan)
    ]


def calendar_entries(session: Session, tenant: Tenant, year: int) -> list[dict]:
    """The annual calendar's due dates of the tenant's own plans' measures."""
    rows = session.execute(
        select(PlanMeasure, Record)
        .join(Record, Record.id == PlanMeasure.record_id)
        .where(
            Record.tenant_id == tenant.id,
            Record.deleted_at.is_(None),
            PlanMeasure.due_on >= date(year, 1, 1),
            PlanMeasure.due_on <= date(year, 12, 31),
        )
        .order_by(PlanMeasure.due_on)
    )
    return [
        {
            "date": measure.due_on,
            "title": _("Measure due: %(title)s", title=measure.title),
            "kind": "measure",
            "url": url_or_none("plan_pages.detail", tenant_slug=tenant.slug, plan_id=plan.id),
        }
        for measure, plan in rows
    ]
