"""Cooperation agreements (samverkansöverenskommelser) and citizen pledges (medborgarlöften).

An agreement between a municipality and its police area (others may join) names its
signatories, its validity (an end date or "until further notice"), a review date, the
problems it prioritises (one per line, in order of priority, like a picture's problems) and
its annexes: the situation pictures and action plans it builds on. A citizen pledge is the
public promise that follows: focus areas, activities with owners and due dates, a public
text, and a yearly follow-up of how it went.

Both are records (versions, sharing, audit come from :mod:`samverka.records.services`); the
lists live in child tables owned by the record's tenant and readable wherever the record is
shared (``share_key = "record_id"``, like :mod:`samverka.workflows.decisions`). Every write
goes through the owner check and is audited; bad input raises :class:`ValidationError`
before anything is flushed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from samverka import clock
from samverka.audit import record_event
from samverka.auth.directory import partner_ids_select
from samverka.classification import Classification
from samverka.clock import utcnow
from samverka.db import (
    SCOPE_FREE,
    Base,
    ShareableTenantOwned,
    TenantScope,
    get_scope,
    scoped,
)
from samverka.errors import ValidationError
from samverka.records import services
from samverka.records.disclosure import disclose
from samverka.records.models import Record
from samverka.records.services import require_owner, user_id_of
from samverka.records.types import FieldKind, FieldSpec, RecordType
from samverka.tenants.models import Tenant, TenantKind
from samverka.workflows.calendar import own_records, record_entry
from samverka.workflows.cycle_types import ACTION_PLAN_TYPE, SITUATION_PICTURE_TYPE

AGREEMENT_TYPE = "core.cooperation_agreement"
PLEDGE_TYPE = "core.citizen_pledge"
ANNEX_TYPES = (SITUATION_PICTURE_TYPE, ACTION_PLAN_TYPE)
WRITE = "tenant:records:write"
MAX_ID = 2**31 - 1  # ids are INTEGER: a larger one names nobody (and would not bind)
NAME_MAX = 200
TEXT_MAX = 4000
LOCAL_TIME = ZoneInfo("Europe/Stockholm")
FOLLOW_UP_STATUSES = ("done", "partly", "ongoing", "not_done")
FOLLOW_UP_LABELS = {
    "done": _l("Done"),
    "partly": _l("Partly done"),
    "ongoing": _l("Ongoing"),
    "not_done": _l("Not done"),
}

AGREEMENT = RecordType(
    name=AGREEMENT_TYPE,
    label=_l("Cooperation agreement"),
    description=_l(
        "The agreement between the municipality and the police area (others may join): "
        "validity, signatories, prioritised problems and annexes."
    ),
    fields=(
        FieldSpec("valid_from", FieldKind.DATE, _l("Valid from"), required=True),
        FieldSpec("valid_to", FieldKind.DATE, _l("Valid to")),
        FieldSpec("until_further_notice", FieldKind.BOOLEAN, _l("Valid until further notice")),
        FieldSpec("review_on", FieldKind.DATE, _l("Review date")),
        FieldSpec(
            "problems",
            FieldKind.LONGTEXT,
            _l("Prioritised problems"),
            help=_l("One problem per line, the most important first."),
        ),
        FieldSpec("summary", FieldKind.LONGTEXT, _l("Summary")),
        FieldSpec("ended_on", FieldKind.DATE, _l("Ended on")),
    ),
    default_classification=Classification.INTERNAL,
    sharing=frozenset({"tenant", "consortium"}),
)

PLEDGE = RecordType(
    name=PLEDGE_TYPE,
    label=_l("Citizen pledge"),
    description=_l(
        "The municipality's and the police's public promise: focus areas, activities with "
        "owners, a public text and a yearly follow-up."
    ),
    fields=(
        FieldSpec("valid_from", FieldKind.DATE, _l("Valid from"), required=True),
        FieldSpec("valid_to", FieldKind.DATE, _l("Valid to")),
        FieldSpec(
            "focus_areas",
            FieldKind.LONGTEXT,
            _l("Focus areas"),
            help=_l("One focus area per line."),
        ),
        FieldSpec("public_text", FieldKind.LONGTEXT, _l("Public text"), required=True),
        FieldSpec("published", FieldKind.BOOLEAN, _l("Published on the public page")),
        FieldSpec(
            "follow_up_month",
            FieldKind.INTEGER,
            _l("Month of the yearly follow-up"),
            minimum=1,
            maximum=12,
        ),
        FieldSpec("internal_notes", FieldKind.LONGTEXT, _l("Internal notes")),
        FieldSpec("ended_on", FieldKind.DATE, _l("Ended on")),
    ),
    default_classification=Classification.OPEN,
    sharing=frozenset({"tenant", "consortium"}),
)


def agreement_record_types() -> list[RecordType]:
    return [AGREEMENT, PLEDGE]


# -- child tables ----------------------------------------------------------------------------


class AgreementParty(ShareableTenantOwned, Base):
    """A party to an agreement: a tenant of the platform (the police area) or just a name."""

    __tablename__ = "agreement_parties"
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    party_tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="SET NULL"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    kind: Mapped[str | None] = mapped_column(String(40))


class AgreementSignatory(ShareableTenantOwned, Base):
    __tablename__ = "agreement_signatories"
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    title: Mapped[str | None] = mapped_column(String(NAME_MAX))
    party: Mapped[str | None] = mapped_column(String(NAME_MAX))
    signed_on: Mapped[date | None] = mapped_column(Date)


class AgreementAnnex(ShareableTenantOwned, Base):
    """A link from an agreement to a picture or plan the owner could read when it linked it."""

    __tablename__ = "agreement_annexes"
    __table_args__ = (UniqueConstraint("record_id", "annex_record_id", name="uq_agreement_annex"),)
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    annex_record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)


class PledgeActivity(ShareableTenantOwned, Base):
    __tablename__ = "pledge_activities"
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    owner_tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="SET NULL"), nullable=True
    )
    owner_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    due_on: Mapped[date | None] = mapped_column(Date)


class PledgeFollowUp(ShareableTenantOwned, Base):
    """How a pledge went in one year (Mellerud-style yearly follow-up); one per year."""

    __tablename__ = "pledge_follow_ups"
    __table_args__ = (UniqueConstraint("record_id", "year", name="uq_pledge_follow_up_year"),)
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# -- validity --------------------------------------------------------------------------------


def today() -> date:
    """The Swedish calendar day (validity and due dates are Swedish dates)."""
    return clock.now().astimezone(LOCAL_TIME).date()


def as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def end_of(data: Mapping[str, Any]) -> date | None:
    """The last valid day: the end date, or the day it was ended if earlier; None = open."""
    ends = [d for d in (as_date(data.get("valid_to")), as_date(data.get("ended_on"))) if d]
    return min(ends) if ends else None


def is_current(data: Mapping[str, Any], on: date | None = None) -> bool:
    on = on or today()
    start, end = as_date(data.get("valid_from")), end_of(data)
    return start is not None and start <= on and (end is None or end >= on)


def lines(text: Any) -> list[str]:
    """Ordered non-blank lines (problems in priority order, focus areas)."""
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


def _check_validity(data: Mapping[str, Any], *, agreement: bool) -> None:
    start, end = as_date(data.get("valid_from")), as_date(data.get("valid_to"))
    if start and end and end < start:
        raise ValidationError(_l("The end date cannot be before the start date."), "valid_to")
    ended = as_date(data.get("ended_on"))
    if start and ended and ended < start:
        raise ValidationError(_l("The end date cannot be before the start date."), "ended_on")
    if agreement:
        open_ended = _truthy(data.get("until_further_notice"))
        if end and open_ended:
            raise ValidationError(
                _l("Choose an end date or until further notice, not both."), "valid_to"
            )
        if not end and not open_ended:
            raise ValidationError(
                _l("Enter an end date or choose until further notice."), "valid_to"
            )
        review = as_date(data.get("review_on"))
        if start and review and review < start:
            raise ValidationError(
                _l("The review date cannot be before the start date."), "review_on"
            )


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in {"true", "1", "yes", "on", "ja", "y"}


# -- agreements ------------------------------------------------------------------------------


@dataclass
class AgreementParts:
    parties: list[AgreementParty]
    signatories: list[AgreementSignatory]
    annexes: list[tuple[AgreementAnnex, Record | None]]
    problems: list[str]


@dataclass(frozen=True)
class Kind:
    """What differs between an agreement and a pledge; everything else of their create,
    list, edit and end is one implementation (:func:`create`, :func:`update`,
    :func:`end_record`, :func:`listed`) that the web pages and the API share.

    ``lists`` names the child lists a write may give (each replaces the stored one; one left
    out is kept); ``clean`` checks the given lists into rows before anything is written (a bad
    part refuses the whole write) and ``replace`` stores them and audits the change.
    """

    name: str
    type_name: str
    agreement: bool  # the validity rule: an end date or "until further notice"
    lists: tuple[str, ...]
    clean: Callable[[Session, Mapping[str, Any]], dict[str, Any]]
    replace: Callable[[Session, Record, Mapping[str, Any]], None]


def create(
    session: Session,
    kind: Kind,
    *,
    title: str,
    data: Mapping[str, Any],
    classification: str | None = None,
    user: Any,
    **lists: Any,
) -> Record:
    """A new record of ``kind`` with its lists, refused as a whole on any bad part (nothing
    is flushed before every part is checked). The caller commits."""
    _check_validity(data, agreement=kind.agreement)
    rows = kind.clean(session, {name: lists.get(name) or () for name in kind.lists})
    record = services.create_record(
        session,
        record_type=kind.type_name,
        title=title,
        data=dict(data),
        classification=classification,
        user=user,
    )
    kind.replace(session, record, rows)
    return record


def update(
    session: Session,
    kind: Kind,
    record: Record,
    *,
    title: str | None = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    user: Any,
    **lists: Any,
) -> Record:
    """Change a record of ``kind`` (owner only); lists given replace the stored ones, lists
    left out (or None) are kept."""
    _require_type(record, kind.type_name)
    require_owner(session, record, user, WRITE)
    _check_validity({**(record.data or {}), **(data or {})}, agreement=kind.agreement)
    given = {name: lists[name] for name in kind.lists if lists.get(name) is not None}
    rows = kind.clean(session, given)
    services.update_record(
        session, record, title=title, data=data, expected_version=expected_version, user=user
    )
    kind.replace(session, record, rows)
    return record


def listed(session: Session, kind: Kind, *, viewer: Tenant, user: Any, via: str) -> list[Record]:
    """The records of ``kind`` the viewer may see (own and shared), newest first, at most
    200; shown, so audited like every list (the caller commits)."""
    return services.list_records(
        session, viewer_tenant=viewer, user=user, record_type=kind.type_name, limit=200, via=via
    )


def _clean_agreement_lists(session: Session, given: Mapping[str, Any]) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    if "parties" in given:
        rows["parties"] = _clean_parties(session, given["parties"])
    if "signatories" in given:
        rows["signatories"] = _clean_signatories(given["signatories"])
    if "annexes" in given:
        rows["annexes"] = _clean_annexes(session, given["annexes"])
    return rows


def _replace_agreement_lists(session: Session, record: Record, rows: Mapping[str, Any]) -> None:
    _replace_agreement_parts(
        session, record, rows.get("parties"), rows.get("signatories"), rows.get("annexes")
    )


def _clean_pledge_lists(session: Session, given: Mapping[str, Any]) -> dict[str, Any]:
    if "activities" not in given:
        return {}
    return {"activities": _clean_activities(session, given["activities"])}


def _replace_pledge_lists(session: Session, record: Record, rows: Mapping[str, Any]) -> None:
    if "activities" in rows:
        _replace_activities(session, record, rows["activities"])


def create_agreement(session: Session, **given: Any) -> Record:
    """A new agreement with its parties (at least one), signatories and annexes."""
    return create(session, AGREEMENTS, **given)


def update_agreement(session: Session, record: Record, **given: Any) -> Record:
    return update(session, AGREEMENTS, record, **given)


def end_record(session: Session, record: Record, *, ended_on: Any, user: Any) -> Record:
    """End an agreement or a pledge early (terminated, replaced): it stops being current
    after ``ended_on``; the record and its history stay."""
    _require_type(record, AGREEMENT_TYPE, PLEDGE_TYPE)
    day = as_date(ended_on)
    if day is None:
        raise ValidationError(_l("Enter the date as YYYY-MM-DD."), "ended_on")
    merged = {**(record.data or {}), "ended_on": day.isoformat()}
    _check_validity(merged, agreement=False)
    return services.update_record(session, record, data={"ended_on": day.isoformat()}, user=user)


def agreement_parts(session: Session, record: Record) -> AgreementParts:
    """The agreement's lists as the session may read them (annex records it cannot read,
    e.g. no longer shared, come back as None)."""
    parties = _children(session, AgreementParty, record)
    signatories = _children(session, AgreementSignatory, record)
    annexes = []
    for annex in _children(session, AgreementAnnex, record):
        linked = session.scalars(
            select(Record).where(Record.id == annex.annex_record_id, Record.deleted_at.is_(None))
        ).one_or_none()
        annexes.append((annex, linked))
    return AgreementParts(parties, signatories, annexes, lines((record.data or {}).get("problems")))


def has_police_party(session: Session, record: Record) -> bool:
    """Whether a party is a police tenant, or is named as the police (Polisen, polisområde)."""
    for party in _children(session, AgreementParty, record):
        if party.kind == TenantKind.POLICE.value or "polis" in party.name.lower():
            return True
    return False


def is_party(session: Session, record: Record, tenant: Tenant) -> bool:
    """Whether ``tenant`` is named as a party (by its tenant, not just by name)."""
    return any(p.party_tenant_id == tenant.id for p in _children(session, AgreementParty, record))


def _children(session: Session, model: type, record: Record) -> list:
    return list(
        session.scalars(
            select(model).where(model.record_id == record.id).order_by(model.position, model.id)
        )
    )


def _replace_agreement_parts(session, record, parties, signatories, annex_ids) -> None:
    changed = []
    for model, rows in ((AgreementParty, parties), (AgreementSignatory, signatories)):
        if rows is None:
            continue
        _delete_children(session, model, record)
        for position, row in enumerate(rows):
            session.add(
                model(tenant_id=record.tenant_id, record_id=record.id, position=position, **row)
            )
        changed.append(model.__tablename__)
    if annex_ids is not None:
        _delete_children(session, AgreementAnnex, record)
        for position, annex_id in enumerate(annex_ids):
            session.add(
                AgreementAnnex(
                    tenant_id=record.tenant_id,
                    record_id=record.id,
                    annex_record_id=annex_id,
                    position=position,
                )
            )
        changed.append(AgreementAnnex.__tablename__)
    session.flush()
    if changed:
        record_event(
            session,
            "record.agreement_parts",
            tenant_id=record.tenant_id,
            target_type="record",
            target_id=record.id,
            details={"lists": changed},
        )


def _delete_children(session: Session, model: type, record: Record) -> None:
    for row in _children(session, model, record):
        session.delete(row)
    session.flush()


def _clean_parties(session: Session, parties: Iterable[Mapping[str, Any]]) -> list[dict]:
    given_rows = list(parties or ())
    named = organisations_named(session, [given.get("tenant") for given in given_rows])
    rows = []
    for given in given_rows:
        tenant = _party_tenant(named, given.get("tenant"), "parties")
        name = _text(given.get("name"), NAME_MAX, "parties") or (tenant.name if tenant else None)
        if not name:
            continue
        kind = tenant.kind if tenant else _text(given.get("kind"), 40, "parties")
        rows.append(
            {
                "party_tenant_id": tenant.id if tenant else None,
                "name": name,
                "kind": str(getattr(kind, "value", kind)) if kind else None,
            }
        )
    if not rows:
        raise ValidationError(
            _l("Name the parties: at least the municipality and the police area."), "parties"
        )
    return rows


def _party_tenant(named: Mapping[Any, Tenant], ref: Any, field: str) -> Tenant | None:
    """The organisation ``ref`` names among ``named`` (:func:`organisations_named`); a ref
    that names none of them is refused exactly like one naming nobody."""
    if ref in (None, ""):
        return None
    if isinstance(ref, Tenant):
        return ref
    tenant = named.get(ref if isinstance(ref, int) else str(ref).strip())
    if tenant is None:
        raise ValidationError(_l("There is no organisation %(name)s.", name=ref), field)
    return tenant


def organisations_named(session: Session, refs: Iterable[Any]) -> dict[Any, Tenant]:
    """The organisations ``refs`` name (slugs or ids; Tenants pass through), found in one
    query among those the acting organisation works with: itself and the members of its
    consortia (the directory rule of :mod:`samverka.auth.directory`). Keyed by slug and id;
    a ref naming any other organisation is absent, like one naming nobody."""
    slugs, ids = set(), set()
    for ref in refs:
        if isinstance(ref, int) and not isinstance(ref, bool):
            if 0 < ref <= MAX_ID:
                ids.add(ref)
        elif isinstance(ref, str) and ref.strip():
            slugs.add(ref.strip())
    if not slugs and not ids:
        return {}
    scope_ids = get_scope(session).tenant_ids
    query = select(Tenant).where(
        or_(Tenant.slug.in_(slugs), Tenant.id.in_(ids)),
        or_(Tenant.id.in_(scope_ids), Tenant.id.in_(partner_ids_select(scope_ids))),
    )
    found: dict[Any, Tenant] = {}
    for tenant in session.scalars(query.execution_options(**SCOPE_FREE)):
        found[tenant.slug] = tenant
        found[tenant.id] = tenant
    return found


def tenant_slugs(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Slugs of the organisations named on the rows shown (one query; names only)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = select(Tenant.id, Tenant.slug).where(Tenant.id.in_(wanted))
    return dict(session.execute(query.execution_options(**SCOPE_FREE)).all())


def line_parts(line: str, count: int) -> list[str]:
    """A list line's ``count`` parts separated by ";" (missing ones blank)."""
    parts = [p.strip() for p in line.split(";")]
    return (parts + [""] * count)[:count]


def parties_from_lines(session: Session, text: Any) -> list[dict]:
    """The parties of a text list, one per line: an organisation's slug (one the acting
    organisation works with, see :func:`organisations_named`) or any name. One query."""
    given = lines(text)
    named = organisations_named(session, given)
    return [{"tenant": named[line]} if line in named else {"name": line} for line in given]


def activities_from_lines(session: Session, text: Any) -> list[dict]:
    """The activities of a text list, one per line as ``description; owner; unit; due``: an
    owner that names no organisation the acting one works with is kept as the unit's name.
    One query for every owner."""
    rows = [line_parts(line, 4) for line in lines(text)]
    named = organisations_named(session, [owner for _d, owner, _u, _due in rows])
    activities = []
    for description, owner, unit, due_on in rows:
        tenant = named.get(owner) if owner else None
        if owner and tenant is None:
            unit = f"{owner}, {unit}" if unit else owner
        activities.append(
            {
                "description": description,
                "owner_tenant": tenant,
                "owner_name": unit,
                "due_on": due_on,
            }
        )
    return activities


def _clean_signatories(signatories: Iterable[Mapping[str, Any]]) -> list[dict]:
    rows = []
    for given in signatories or ():
        name = _text(given.get("name"), NAME_MAX, "signatories")
        if not name:
            continue
        signed = given.get("signed_on")
        signed_on = as_date(signed)
        if signed not in (None, "") and signed_on is None:
            raise ValidationError(_l("Enter the date as YYYY-MM-DD."), "signatories")
        if signed_on and signed_on > today():
            raise ValidationError(_l("A signature cannot be dated in the future."), "signatories")
        rows.append(
            {
                "name": name,
                "title": _text(given.get("title"), NAME_MAX, "signatories"),
                "party": _text(given.get("party"), NAME_MAX, "signatories"),
                "signed_on": signed_on,
            }
        )
    return rows


def _clean_annexes(session: Session, annexes: Iterable[Any]) -> list[int]:
    """Ids of pictures or plans the session can read (its own or shared with it)."""
    found: list[int] = []
    for ref in annexes or ():
        try:
            annex_id = int(getattr(ref, "id", ref))
        except (TypeError, ValueError):
            raise ValidationError(
                _l("Choose a situation picture or an action plan."), "annexes"
            ) from None
        linked = session.scalars(
            select(Record).where(Record.id == annex_id, Record.deleted_at.is_(None))
        ).one_or_none()
        if linked is None or linked.type_name not in ANNEX_TYPES:
            raise ValidationError(_l("Choose a situation picture or an action plan."), "annexes")
        if annex_id not in found:
            found.append(annex_id)
    return found


def annex_candidates(session: Session, tenant: Tenant, user: Any) -> list[Record]:
    """Pictures and plans the tenant can read (own and shared), newest first."""
    result: list[Record] = []
    for kind in ANNEX_TYPES:
        result += services.list_records(
            session, viewer_tenant=tenant, user=user, record_type=kind, limit=200
        )
    return sorted(result, key=lambda r: r.id, reverse=True)


# -- pledges ---------------------------------------------------------------------------------


def create_pledge(session: Session, **given: Any) -> Record:
    return create(session, PLEDGES, **given)


def update_pledge(session: Session, record: Record, **given: Any) -> Record:
    return update(session, PLEDGES, record, **given)


def activities_of(session: Session, record: Record) -> list[PledgeActivity]:
    return _children(session, PledgeActivity, record)


def follow_ups_of(session: Session, record: Record) -> list[PledgeFollowUp]:
    """The pledge's yearly follow-ups, latest year first."""
    return list(
        session.scalars(
            select(PledgeFollowUp)
            .where(PledgeFollowUp.record_id == record.id)
            .order_by(PledgeFollowUp.year.desc())
        )
    )


def record_follow_up(
    session: Session, record: Record, *, year: Any, status: Any, text: Any, user: Any
) -> PledgeFollowUp:
    """The follow-up of ``year`` (a second one for the same year replaces the first's
    status and text: a pledge is followed up once a year). Audited."""
    _require_type(record, PLEDGE_TYPE)
    require_owner(session, record, user, WRITE)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError(_l("Enter the year as four digits."), "year") from None
    start = as_date((record.data or {}).get("valid_from"))
    if year > today().year or (start and year < start.year) or year < 2000:
        raise ValidationError(
            _l("The year must be within the pledge's validity, and not in the future."), "year"
        )
    if status not in FOLLOW_UP_STATUSES:
        raise ValidationError(_l("Choose how it went."), "status")
    body = _text(text, TEXT_MAX, "text", multiline=True)
    if not body:
        raise ValidationError(_l("Describe how the pledge was followed up."), "text")
    row = session.scalars(
        select(PledgeFollowUp).where(
            PledgeFollowUp.record_id == record.id, PledgeFollowUp.year == year
        )
    ).one_or_none()
    if row is None:
        row = PledgeFollowUp(tenant_id=record.tenant_id, record_id=record.id, year=year)
        session.add(row)
    row.status, row.text = status, body
    row.created_by_id, row.updated_at = user_id_of(user), clock.now()
    session.flush()
    record_event(
        session,
        "record.pledge_follow_up",
        tenant_id=record.tenant_id,
        target_type="record",
        target_id=record.id,
        details={"year": year, "status": status},
    )
    return row


def _replace_activities(session: Session, record: Record, rows: list[dict]) -> None:
    _delete_children(session, PledgeActivity, record)
    for position, row in enumerate(rows):
        session.add(
            PledgeActivity(
                tenant_id=record.tenant_id, record_id=record.id, position=position, **row
            )
        )
    session.flush()
    record_event(
        session,
        "record.pledge_activities",
        tenant_id=record.tenant_id,
        target_type="record",
        target_id=record.id,
        details={"count": len(rows)},
    )


def _clean_activities(session: Session, activities: Iterable[Mapping[str, Any]]) -> list[dict]:
    given_rows = list(activities or ())
    named = organisations_named(session, [given.get("owner_tenant") for given in given_rows])
    rows = []
    for given in given_rows:
        description = _text(given.get("description"), TEXT_MAX, "activities", multiline=True)
        if not description:
            continue
        due = given.get("due_on")
        due_on = as_date(due)
        if due not in (None, "") and due_on is None:
            raise ValidationError(_l("Enter the date as YYYY-MM-DD."), "activities")
        tenant = _party_tenant(named, given.get("owner_tenant"), "activities")
        rows.append(
            {
                "description": description,
                "owner_tenant_id": tenant.id if tenant else None,
                "owner_name": _text(given.get("owner_name"), NAME_MAX, "activities"),
                "due_on": due_on,
            }
        )
    return rows


def _require_type(record: Record, *kinds: str) -> None:
    if record.type_name not in kinds:
        raise ValidationError(_l("This is not the right kind of record."), "record")


def _text(value: Any, limit: int, field: str, *, multiline: bool = False) -> str | None:
    if value is None:
        return None
    text = str(value).strip() if multiline else " ".join(str(value).split())
    if not text:
        return None
    if len(text) > limit:
        raise ValidationError(_l("At most %(max)s characters.", max=limit), field)
    return text


AGREEMENTS = Kind(
    name="agreement",
    type_name=AGREEMENT_TYPE,
    agreement=True,
    lists=("parties", "signatories", "annexes"),
    clean=_clean_agreement_lists,
    replace=_replace_agreement_lists,
)
PLEDGES = Kind(
    name="pledge",
    type_name=PLEDGE_TYPE,
    agreement=False,
    lists=("activities",),
    clean=_clean_pledge_lists,
    replace=_replace_pledge_lists,
)


# -- the public page -------------------------------------------------------------------------


def public_pledges(session: Session, tenant: Tenant) -> list[dict]:
    """The publication rule: the tenant's published, current pledges as plain dicts of their
    public parts (title, public text, focus areas; each follow-up's year, status and text).
    Activities, owners, internal notes and every other field stay out. A pledge classified
    above open stays off the page even if it is marked published. Read in the tenant's scope
    without a user: nothing to audit, only open material leaves."""
    on = today()
    with scoped(session, TenantScope.for_tenant(tenant.id)):
        records = session.scalars(
            select(Record)
            .where(
                Record.tenant_id == tenant.id,
                Record.type_name == PLEDGE_TYPE,
                Record.classification == Classification.OPEN.value,  # never a classified one
                Record.deleted_at.is_(None),
            )
            .order_by(Record.id)
        ).all()
        shown = []
        for record in records:
            data = disclose(session, record, user=None, viewer_tenant=tenant).data  # anonymous
            if not (data.get("published") and is_current(data, on)):
                continue
            shown.append(
                {
                    "title": record.title,
                    "public_text": data.get("public_text") or "",
                    "focus_areas": lines(data.get("focus_areas")),
                    "follow_ups": [
                        {"year": f.year, "status": str(FOLLOW_UP_LABELS[f.status]), "text": f.text}
                        for f in follow_ups_of(session, record)
                    ],
                }
            )
    return shown


def public_pledges_at(session: Session, slug: str) -> tuple[Tenant | None, list[dict]]:
    """The organisation at ``slug`` and its :func:`public_pledges`; an unknown slug gives
    (None, []), so a caller answers it exactly as an organisation with nothing published."""
    tenant = session.scalars(select(Tenant).where(Tenant.slug == slug)).one_or_none()
    return tenant, public_pledges(session, tenant) if tenant is not None else []


# -- follow-ups and the annual calendar -------------------------------------------------------

#: A pledge's yearly follow-up is due from this long before its date.
FOLLOW_UP_NOTICE = timedelta(days=30)


def follow_ups_due(data: dict, on: date) -> list[date]:
    """The follow-up dates of last year and this year that concern ``on``: the first day of
    the pledge's follow-up month (December unless set), or its last valid day when it ends
    before that in the year; only while the pledge was valid then, and from the notice
    period on. Last year's missing follow-up so stays on the overview into the new year."""
    month = int(data.get("follow_up_month") or 12)
    start, end = as_date(data.get("valid_from")), end_of(data)
    found = []
    for year in (on.year - 1, on.year):
        due = date(year, month, 1)
        if end and end.year == year and end < due:
            due = end
        if start is None or due < start or (end and due > end):
            continue
        if due - FOLLOW_UP_NOTICE <= on:
            found.append(due)
    return found


def calendar_entries(session: Session, tenant: Tenant, year: int) -> list[dict]:
    """The annual calendar's dates of the tenant's own agreements (reviews and ends) and its
    pledges' yearly follow-ups."""
    entries = []
    link = ("agreement_pages.show", "agreement_id")
    for record in own_records(session, tenant, AGREEMENT_TYPE):
        data = record.data or {}
        for when, title in (
            (as_date(data.get("review_on")), _("Agreement review: %(title)s", title=record.title)),
            (end_of(data), _("Agreement ends: %(title)s", title=record.title)),
        ):
            if when:
                entries.append(record_entry(when, title, "agreement", tenant, record, link))
    for record in own_records(session, tenant, PLEDGE_TYPE):
        title = _("Pledge follow-up: %(title)s", title=record.title)
        for due in follow_ups_due(record.data or {}, date(year, 12, 31)):
            entries.append(
                record_entry(
                    due, title, "pledge", tenant, record, ("pledge_pages.show", "pledge_id")
                )
            )
    return entries


# -- the tenant archive ----------------------------------------------------------------------


#: This module's tables, in the tenant archive under ``agreements/`` (the records themselves
#: are in ``records/``).
ARCHIVED_MODELS = (
    AgreementParty,
    AgreementSignatory,
    AgreementAnnex,
    PledgeActivity,
    PledgeFollowUp,
)
