"""Councils and working groups (BRÅ council, SAMSA, steering groups): who sits in them, when
they meet, what they decide and who was asked to do what.

A body is a ``core.council`` record, so that it has versions, search and — above all —
sharing: a consortium body is shared with its consortium (every member tenant's users with
``tenant:records:read`` see it), and a member from an organisation outside the consortium
(Polisen, a housing company) gets the body shared with their organisation when added. The
members, meetings, meeting decisions and assignments are child rows of the record (owned by
the body's tenant, readable wherever the body is shared; ``share_key = "record_id"``), so
one rule — the records' sharing, in the ORM and in PostgreSQL's policies — decides who
sees a body and everything in it. Only the owner writes; every write is audited.

An assignment names an owner (a user and/or a tenant); it shows in that owner's "my
assignments" in their own organisation, since the body is shared there.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from samverka.audit import record_event
from samverka.auth.directory import require_reachable_user
from samverka.auth.models import User
from samverka.classification import Classification
from samverka.clock import utcnow
from samverka.db import Base, ShareableTenantOwned, TenantScope, scoped
from samverka.errors import Forbidden, NotFound, ValidationError
from samverka.records import services as records
from samverka.records.listing import audit_listing
from samverka.records.models import Record, RecordShare
from samverka.records.types import FieldKind, FieldSpec, RecordType
from samverka.tenants.models import Consortium, Tenant
from samverka.workflows.action_plans.services import (
    NAME_MAX,
    clean_choice,
    clean_date,
    clean_int,
    clean_text,
    today,
)
from samverka.workflows.calendar import url_or_none

COUNCIL_TYPE = "core.council"
WRITE = "tenant:records:write"
KINDS = ("bra_council", "samsa", "steering_group", "working_group", "other")
#: Meetings per year a body of each kind usually plans (Brå councils quarterly, SAMSA
#: every other month); the body's own figure counts.
DEFAULT_MEETINGS = {"bra_council": 4, "samsa": 6, "steering_group": 4, "working_group": 6}
ASSIGNMENT_STATUSES = ("open", "done")
KIND_LABELS = {
    "bra_council": _l("Crime prevention council (BRÅ)"),
    "samsa": _l("SAMSA"),
    "steering_group": _l("Steering group"),
    "working_group": _l("Working group"),
    "other": _l("Other"),
}

COUNCIL = RecordType(
    name=COUNCIL_TYPE,
    label=_l("Council or working group"),
    description=_l("A body that coordinates the crime prevention work, with its members."),
    fields=(
        FieldSpec(
            "kind", FieldKind.CHOICE, _l("Kind"), required=True, choices=tuple(KIND_LABELS.items())
        ),
        FieldSpec(
            "meetings_per_year",
            FieldKind.INTEGER,
            _l("Meetings per year"),
            minimum=0,
            maximum=52,
        ),
        FieldSpec("consortium", FieldKind.TEXT, _l("Consortium"), max_length=63),
        FieldSpec("purpose", FieldKind.LONGTEXT, _l("Purpose")),
    ),
    default_classification=Classification.INTERNAL,
    sharing=frozenset({"tenant", "consortium"}),
)


def council_record_types() -> list[RecordType]:
    return [COUNCIL]


def _user_fk() -> Mapped[int | None]:
    return mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


def _record_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)


class CouncilMember(ShareableTenantOwned, Base):
    """A member: a user or a named person, of some organisation, with a role in the body."""

    __tablename__ = "council_members"
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = _record_fk()
    member_tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = _user_fk()
    person_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    role: Mapped[str | None] = mapped_column(String(NAME_MAX))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CouncilMeeting(ShareableTenantOwned, Base):
    """A meeting: date, place, agenda (one item per line), minutes (text or a record)."""

    __tablename__ = "council_meetings"
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = _record_fk()
    meeting_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str | None] = mapped_column(String(NAME_MAX))
    agenda: Mapped[str | None] = mapped_column(Text)
    minutes_text: Mapped[str | None] = mapped_column(Text)
    minutes_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("records.id", ondelete="SET NULL"), nullable=True
    )
    created_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def agenda_items(self) -> list[str]:
        return [line.strip() for line in (self.agenda or "").splitlines() if line.strip()]


class CouncilDecision(ShareableTenantOwned, Base):
    """A decision taken at a meeting, under a minute paragraph."""

    __tablename__ = "council_decisions"
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = _record_fk()
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("council_meetings.id", ondelete="CASCADE"), index=True
    )
    paragraph: Mapped[str | None] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CouncilAssignment(ShareableTenantOwned, Base):
    """Someone was asked to do something by a due date; open until marked done."""

    __tablename__ = "council_assignments"
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = _record_fk()
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_meetings.id", ondelete="SET NULL"), nullable=True
    )
    title: Mapped[str] = mapped_column(String(NAME_MAX))
    owner_tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    owner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    done_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- bodies ---------------------------------------------------------------------------


def create_council(
    session: Session,
    *,
    name: Any,
    kind: Any,
    meetings_per_year: Any = None,
    consortium: Consortium | str | None = None,
    purpose: Any = None,
    user: Any,
) -> Record:
    """A new body of the session's tenant; with ``consortium`` (the tenant must belong to
    it) the body is shared with the consortium, so all its members see it."""
    kind = clean_choice(kind, "kind", KINDS)
    count = clean_int(meetings_per_year, "meetings_per_year", maximum=52)
    if count is None:
        count = DEFAULT_MEETINGS.get(kind, 4)
    group = None
    if consortium not in (None, ""):
        group = (
            consortium if isinstance(consortium, Consortium) else _consortium(session, consortium)
        )
    council = records.create_record(
        session,
        record_type=COUNCIL_TYPE,
        title=name,
        data={
            "kind": kind,
            "meetings_per_year": count,
            "consortium": group.slug if group else None,
            "purpose": purpose,
        },
        user=user,
    )
    if group is not None:
        records.share_record(session, council, consortium=group, user=user)
    return council


def _consortium(session: Session, ref: str) -> Consortium:
    found = session.scalar(
        select(Consortium)
        .where(Consortium.slug == str(ref).strip())
        .execution_options(samverka_scope_free=True)
    )
    if found is None:
        raise ValidationError(_l("No such consortium."), "consortium")
    return found


def councils_visible(session: Session) -> list[Record]:
    """Bodies the scope owns or that are shared into it (consortium bodies, memberships)."""
    return list(
        session.scalars(
            select(Record)
            .where(Record.type_name == COUNCIL_TYPE, Record.deleted_at.is_(None))
            .order_by(Record.title)
        )
    )


def list_councils(session: Session, *, viewer: Tenant, user: Any, via: str) -> list[Record]:
    """:func:`councils_visible` shown to ``user`` (``via``: ``"web"``, ``"api"``): the read
    permission is checked and the confidential and sensitive bodies in the list are audited
    like the records list's (the caller commits)."""
    if not records.may(session, user, records.READ, viewer):
        raise Forbidden(_l("You may not do that in %(tenant)s.", tenant=viewer.name))
    bodies = councils_visible(session)
    audit_listing(session, bodies, viewer, via=via)
    return bodies


def get_council(session: Session, council_id: Any, *, user: Any, viewer: Tenant) -> Record:
    council = records.get_record(session, council_id, user=user, viewer_tenant=viewer)
    if council.type_name != COUNCIL_TYPE:
        raise NotFound(_l("No such council."))
    return council


def _owner(session: Session, council: Record, user: Any) -> Tenant:
    if council.type_name != COUNCIL_TYPE:
        raise ValidationError(_l("The record is not a council."), "record")
    return records.require_owner(session, council, user, WRITE)


def _audit(session: Session, action: str, council: Record, **details: Any) -> None:
    record_event(
        session,
        action,
        tenant_id=council.tenant_id,
        target_type="record",
        target_id=council.id,
        details=details,
    )


def planned_meetings(council: Record) -> int:
    data = council.data or {}
    value = data.get("meetings_per_year")
    return int(value) if value is not None else DEFAULT_MEETINGS.get(data.get("kind"), 4)


def _tenant_ref(session: Session, ref: Any, field: str) -> Tenant:
    if isinstance(ref, Tenant):
        return ref
    text = str(ref or "").strip()
    if not text:
        raise ValidationError(_l("Choose an organisation."), field)
    query = select(Tenant).execution_options(samverka_scope_free=True)
    query = (
        query.where(Tenant.id == int(text)) if text.isdigit() else query.where(Tenant.slug == text)
    )
    found = session.scalar(query)
    if found is None:
        raise ValidationError(_l("No such organisation."), field)
    return found


def _user_ref(session: Session, owner: Tenant, ref: Any, field: str) -> User | None:
    """The person ``ref`` names (e-mail, id or user), found only among the people of the
    organisations ``owner`` works with: anyone else answers "No such user.", as an unknown
    address does (:func:`samverka.auth.directory.reachable_user`)."""
    if ref is None or (isinstance(ref, str) and not ref.strip()):
        return None
    return require_reachable_user(session, owner, ref, field)


def ensure_shared_with(session: Session, council: Record, tenant: Tenant, user: Any) -> None:
    """Share the body with ``tenant`` unless it owns it or a share already covers it."""
    if tenant.id == council.tenant_id:
        return
    consortia = {c.id for c in tenant.consortia}
    for share in session.scalars(
        select(RecordShare).where(
            RecordShare.record_id == council.id, RecordShare.revoked_at.is_(None)
        )
    ):
        if share.receiver_tenant_id == tenant.id or share.consortium_id in consortia:
            return
    records.share_record(session, council, tenant=tenant, user=user)


# --- members --------------------------------------------------------------------------


def add_member(
    session: Session,
    council: Record,
    *,
    tenant: Any,
    member_user: Any = None,
    person_name: Any = None,
    role: Any = None,
    user: Any,
) -> CouncilMember:
    """A member of any organisation: a user of the platform or a named person."""
    owner = _owner(session, council, user)
    member_tenant = _tenant_ref(session, tenant, "tenant")
    account = _user_ref(session, owner, member_user, "member_user")
    name = clean_text(person_name, "person_name", limit=NAME_MAX)
    if account is None and name is None:
        raise ValidationError(_l("Choose a user or enter the person's name."), "person_name")
    member = CouncilMember(
        tenant_id=owner.id,
        record_id=council.id,
        member_tenant_id=member_tenant.id,
        user_id=account.id if account else None,
        person_name=name or (account.name if account else None),
        role=clean_text(role, "role", limit=NAME_MAX),
    )
    session.add(member)
    session.flush()
    ensure_shared_with(session, council, member_tenant, user)
    _audit(session, "council.member.add", council, member=member.id, tenant=member_tenant.id)
    return member


def members_of(session: Session, council: Record) -> list[CouncilMember]:
    return list(
        session.scalars(
            select(CouncilMember)
            .where(CouncilMember.record_id == council.id)
            .order_by(CouncilMember.id)
        )
    )


# --- meetings -------------------------------------------------------------------------


def add_meeting(
    session: Session,
    council: Record,
    *,
    meeting_on: Any,
    place: Any = None,
    agenda: Any = None,
    minutes_text: Any = None,
    minutes_record_id: Any = None,
    user: Any,
) -> CouncilMeeting:
    owner = _owner(session, council, user)
    meeting = CouncilMeeting(
        tenant_id=owner.id,
        record_id=council.id,
        created_by_id=records.user_id_of(user),
        **_meeting_fields(
            session, owner, user, meeting_on, place, agenda, minutes_text, minutes_record_id
        ),
    )
    session.add(meeting)
    session.flush()
    _audit(session, "council.meeting.add", council, meeting=meeting.id)
    return meeting


def update_meeting(
    session: Session, council: Record, meeting: CouncilMeeting, *, user: Any, **given: Any
) -> CouncilMeeting:
    owner = _owner(session, council, user)
    if meeting.record_id != council.id:
        raise NotFound(_l("No such meeting."))
    fields = _meeting_fields(
        session,
        owner,
        user,
        given.get("meeting_on", meeting.meeting_on),
        given.get("place", meeting.place),
        given.get("agenda", meeting.agenda),
        given.get("minutes_text", meeting.minutes_text),
        given.get("minutes_record_id", meeting.minutes_record_id),
    )
    for key, value in fields.items():
        setattr(meeting, key, value)
    session.flush()
    _audit(session, "council.meeting.update", council, meeting=meeting.id)
    return meeting


def _meeting_fields(session, owner, user, meeting_on, place, agenda, minutes_text, minutes_id):
    minutes = None
    if minutes_id not in (None, ""):
        try:
            minutes = records.get_record(session, minutes_id, user=user, viewer_tenant=owner)
        except NotFound:
            raise ValidationError(_l("Choose minutes you can read."), "minutes_record_id") from None
        if minutes.type_name != "core.minutes":
            raise ValidationError(_l("Choose minutes you can read."), "minutes_record_id")
    return {
        "meeting_on": clean_date(meeting_on, "meeting_on", required=True),
        "place": clean_text(place, "place", limit=NAME_MAX),
        "agenda": clean_text(agenda, "agenda", limit=10_000),
        "minutes_text": clean_text(minutes_text, "minutes_text", limit=50_000),
        "minutes_record_id": minutes.id if minutes else None,
    }


def meetings_of(session: Session, council: Record) -> list[CouncilMeeting]:
    return list(
        session.scalars(
            select(CouncilMeeting)
            .where(CouncilMeeting.record_id == council.id)
            .order_by(CouncilMeeting.meeting_on, CouncilMeeting.id)
        )
    )


def get_meeting(session: Session, council: Record, meeting_id: Any) -> CouncilMeeting:
    return _child(session, CouncilMeeting, council, meeting_id, _l("No such meeting."))


def _child(session: Session, model: type, council: Record, child_id: Any, missing: Any) -> Any:
    """Row ``child_id`` of ``model`` that belongs to ``council`` (a bad or foreign id: 404)."""
    try:
        child_id = int(child_id)
    except (TypeError, ValueError):
        raise NotFound(missing) from None
    found = session.scalar(select(model).where(model.id == child_id, model.record_id == council.id))
    if found is None:
        raise NotFound(missing)
    return found


def add_decision(
    session: Session,
    council: Record,
    meeting: CouncilMeeting,
    *,
    text: Any,
    paragraph: Any = None,
    user: Any,
) -> CouncilDecision:
    owner = _owner(session, council, user)
    if meeting.record_id != council.id:
        raise NotFound(_l("No such meeting."))
    if meeting.meeting_on > today():
        raise ValidationError(_l("A meeting that has not been held cannot decide."), "text")
    decision = CouncilDecision(
        tenant_id=owner.id,
        record_id=council.id,
        meeting_id=meeting.id,
        text=clean_text(text, "text", required=True),
        paragraph=clean_text(paragraph, "paragraph", limit=50),
    )
    session.add(decision)
    session.flush()
    _audit(session, "council.decision.add", council, meeting=meeting.id, decision=decision.id)
    return decision


def decisions_at(session: Session, meeting: CouncilMeeting) -> list[CouncilDecision]:
    return list(
        session.scalars(
            select(CouncilDecision)
            .where(CouncilDecision.meeting_id == meeting.id)
            .order_by(CouncilDecision.id)
        )
    )


# --- assignments ----------------------------------------------------------------------


def add_assignment(
    session: Session,
    council: Record,
    *,
    title: Any,
    owner_tenant: Any,
    owner_user: Any = None,
    due_on: Any = None,
    meeting: CouncilMeeting | None = None,
    user: Any,
) -> CouncilAssignment:
    """An assignment for a user and/or organisation; the body is shared with that
    organisation if it cannot see it yet, so the assignment reaches its owner."""
    owner = _owner(session, council, user)
    tenant = _tenant_ref(session, owner_tenant, "owner_tenant")
    account = _user_ref(session, owner, owner_user, "owner_user")
    assignment = CouncilAssignment(
        tenant_id=owner.id,
        record_id=council.id,
        meeting_id=meeting.id if meeting is not None else None,
        title=clean_text(title, "title", limit=NAME_MAX, required=True),
        owner_tenant_id=tenant.id,
        owner_user_id=account.id if account else None,
        due_on=clean_date(due_on, "due_on"),
        status="open",
    )
    session.add(assignment)
    session.flush()
    ensure_shared_with(session, council, tenant, user)
    _audit(session, "council.assignment.add", council, assignment=assignment.id, owner=tenant.id)
    return assignment


def set_assignment_status(
    session: Session, council: Record, assignment: CouncilAssignment, *, status: Any, user: Any
) -> CouncilAssignment:
    _owner(session, council, user)
    if assignment.record_id != council.id:
        raise NotFound(_l("No such assignment."))
    assignment.status = clean_choice(status, "status", ASSIGNMENT_STATUSES)
    assignment.done_on = today() if assignment.status == "done" else None
    session.flush()
    _audit(
        session,
        "council.assignment.status",
        council,
        assignment=assignment.id,
        status=assignment.status,
    )
    return assignment


def report_assignment_done(
    session: Session, assignment: CouncilAssignment, *, tenant: Tenant, user: Any
) -> CouncilAssignment:
    """The assignee marks its assignment done from its own organisation.

    The row belongs to the body's owner (receivers never write shared rows), so the change
    is made in the owner's scope on the assignee's behalf — only for the named person, or,
    for an assignment to an organisation without a named person, for a member of it who may
    write records there — and audited in the owner's log."""
    user_id = records.user_id_of(user)
    if assignment.owner_user_id is not None:
        allowed = assignment.owner_user_id == user_id
    else:
        allowed = assignment.owner_tenant_id == tenant.id and records.may(
            session, user, "tenant:records:write", tenant
        )
    if not allowed:
        raise Forbidden(_l("Only the one the assignment is for can report it done."))
    owner_id, assignment_id = assignment.tenant_id, assignment.id
    done = (
        update(CouncilAssignment)
        .where(CouncilAssignment.id == assignment_id)
        .values(status="done", done_on=today())
        .execution_options(synchronize_session=False)
    )
    with scoped(session, TenantScope.for_tenant(owner_id, user_id)):
        session.execute(done)  # the owner's write rule applies (ORM criteria and RLS)
    record_event(
        session,
        "council.assignment.done",
        tenant_id=owner_id,
        target_type="council_assignment",
        target_id=assignment_id,
        details={"by_tenant": tenant.id},
    )
    return session.get(CouncilAssignment, assignment_id, populate_existing=True)


def assignments_of(session: Session, council: Record) -> list[CouncilAssignment]:
    return list(
        session.scalars(
            select(CouncilAssignment)
            .where(CouncilAssignment.record_id == council.id)
            .order_by(CouncilAssignment.due_on, CouncilAssignment.id)
        )
    )


def get_assignment(session: Session, council: Record, assignment_id: Any) -> CouncilAssignment:
    return _child(session, CouncilAssignment, council, assignment_id, _l("No such assignment."))


def my_assignments(
    session: Session, tenant: Tenant, user: Any, *, open_only: bool = True
) -> list[CouncilAssignment]:
    """Assignments for ``user`` (any body visible here), or for ``tenant`` without a named
    user: readable because the body is shared with the owner's organisation."""
    user_id = records.user_id_of(user)
    query = select(CouncilAssignment).where(
        or_(
            CouncilAssignment.owner_user_id == user_id if user_id else False,
            (CouncilAssignment.owner_user_id.is_(None))
            & (CouncilAssignment.owner_tenant_id == tenant.id),
        )
    )
    if open_only:
        query = query.where(CouncilAssignment.status == "open")
    return list(session.scalars(query.order_by(CouncilAssignment.due_on, CouncilAssignment.id)))


def upcoming_meetings(session: Session, *, days: int = 60) -> list[tuple[CouncilMeeting, Record]]:
    """Meetings of visible bodies from today on, within ``days``."""
    start = today()
    rows = session.execute(
        select(CouncilMeeting, Record)
        .join(Record, Record.id == CouncilMeeting.record_id)
        .where(
            CouncilMeeting.meeting_on >= start,
            CouncilMeeting.meeting_on <= start + timedelta(days=days),
            Record.deleted_at.is_(None),
        )
        .order_by(CouncilMeeting.meeting_on)
    )
    return [(meeting, council) for meeting, council in rows]


def meetings_in_year(session: Session, year: int) -> list[tuple[CouncilMeeting, Record]]:
    rows = session.execute(
        select(CouncilMeeting, Record)
        .join(Record, Record.id == CouncilMeeting.record_id)
        .where(
            CouncilMeeting.meeting_on >= date(year, 1, 1),
            CouncilMeeting.meeting_on <= date(year, 12, 31),
            Record.deleted_at.is_(None),
        )
        .order_by(CouncilMeeting.meeting_on, CouncilMeeting.id)
    )
    return [(meeting, council) for meeting, council in rows]


def calendar_entries(session: Session, tenant: Tenant, year: int) -> list[dict]:
    """The annual calendar's meetings: of every body visible to the tenant (its own and
    those shared with it)."""
    return [
        {
            "date": meeting.meeting_on,
            "title": _("Meeting: %(body)s", body=council.title),
            "kind": "meeting",
            "url": url_or_none(
                "council_pages.meeting", tenant_slug=tenant.slug, meeting_id=meeting.id
            ),
        }
        for meeting, council in meetings_in_year(session, year)
    ]
