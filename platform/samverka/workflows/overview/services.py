"""The coordinator's start page and the reminders of agreements and pledges.

The page collects items from the hook ``cycle_overview_items(session, tenant, user)``: open
rounds, late units, measures due, meetings (the other workflows) and, from here, agreements
about to expire, reviews due and pledge follow-ups due. Items are grouped by kind and sorted
by due date; each carries a status word (never only a colour).

The same due dates drive the daily reminder job: one mail per agreement or pledge, kind and
due date, however often the job runs (:class:`CycleReminder` remembers what was sent).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from samverka.auth.models import User
from samverka.clock import utcnow
from samverka.db import Base, TenantOwned, get_scope
from samverka.jobs.outbox import enqueue
from samverka.plugins.manifest import OverviewKind
from samverka.records.models import Record
from samverka.runtime import runtime
from samverka.tenants.models import Membership, Tenant
from samverka.workflows.agreements import services as agreements

log = logging.getLogger(__name__)
EXPIRY_NOTICE = timedelta(days=90)
REVIEW_NOTICE = timedelta(days=60)
STATUSES = ("red", "late", "due", "ok", "info")
REMINDED_ROLES = ("coordinator", "tenant_admin")
#: The kinds of item this module puts on the overview (declared by the core's
#: ``register_overview_kinds``, beside those of the plans and the rounds).
OVERVIEW_KINDS = [
    OverviewKind("agreement_expiry", _l("Agreements about to expire"), 10),
    OverviewKind("agreement_review", _l("Agreement reviews due"), 20),
    OverviewKind("pledge_follow_up", _l("Citizen pledge follow-ups due"), 30),
]
#: Where items of a kind nobody declared go (logged): never under their raw key.
OTHER_KIND = OverviewKind("other", _l("Other items"), 10_000)
STATUS_LABELS = {
    "red": _l("Red"),
    "late": _l("Late"),
    "due": _l("Due soon"),
    "ok": _l("On track"),
    "info": _l("For information"),
}


class CycleReminder(TenantOwned, Base):
    """A reminder sent: one per record, kind and due date (the job's idempotency)."""

    __tablename__ = "cycle_reminders"
    __table_args__ = (UniqueConstraint("record_id", "kind", "due_on", name="uq_cycle_reminder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class Due:
    """Something about an agreement or a pledge that needs attention by ``due_on``."""

    kind: str
    record: Record
    due_on: date
    status: str


def due_items(session: Session, tenant: Tenant, on: date | None = None) -> Iterator[Due]:
    """Expiry and review of current agreements, the year's follow-up of current pledges."""
    on = on or agreements.today()
    for record in _own(session, tenant, agreements.AGREEMENT_TYPE):
        data = record.data or {}
        if not agreements.is_current(data, on):
            continue
        end = agreements.end_of(data)
        if end and end - EXPIRY_NOTICE <= on:
            yield Due("agreement_expiry", record, end, "due")
        review = agreements.as_date(data.get("review_on"))
        if review and review - REVIEW_NOTICE <= on:
            yield Due("agreement_review", record, review, "late" if review < on else "due")
    for record in _own(session, tenant, agreements.PLEDGE_TYPE):
        for due in agreements.follow_ups_due(record.data or {}, on):
            if not _followed_up(session, record, due.year):
                yield Due("pledge_follow_up", record, due, "late" if due < on else "due")


def _followed_up(session: Session, record: Record, year: int) -> bool:
    return (
        session.scalars(
            select(agreements.PledgeFollowUp.id).where(
                agreements.PledgeFollowUp.record_id == record.id,
                agreements.PledgeFollowUp.year == year,
            )
        ).first()
        is not None
    )


def _own(session: Session, tenant: Tenant, type_name: str) -> list[Record]:
    return list(
        session.scalars(
            select(Record)
            .where(
                Record.tenant_id == tenant.id,
                Record.type_name == type_name,
                Record.deleted_at.is_(None),
            )
            .order_by(Record.id)
        )
    )


# -- the start page --------------------------------------------------------------------------


def core_overview_items(session: Session, tenant: Tenant, user: Any) -> list[dict]:
    """The hookimpl's answer: agreements and pledges that need attention."""
    from flask import url_for

    items = []
    for due in due_items(session, tenant):
        endpoint = "pledge_pages.show" if due.kind == "pledge_follow_up" else "agreement_pages.show"
        key = "pledge_id" if due.kind == "pledge_follow_up" else "agreement_id"
        items.append(
            {
                "kind": due.kind,
                "title": due.record.title,
                "due": due.due_on,
                "status": due.status,
                "url": url_for(endpoint, tenant_slug=tenant.slug, **{key: due.record.id}),
            }
        )
    return items


@dataclass
class Group:
    kind: str
    label: str
    items: list[dict]


def declared_kinds(hooks: Any) -> dict[str, OverviewKind]:
    """Every kind the enabled plugins (and the core) declare, by kind; the first
    declaration of a kind counts (a test keeps them unique)."""
    kinds: dict[str, OverviewKind] = {}
    for found in hooks.register_overview_kinds() or []:
        for kind in found or []:
            if isinstance(kind, OverviewKind):
                kinds.setdefault(kind.kind, kind)
    return kinds


def overview_groups(session: Session, tenant: Tenant, user: Any, hooks: Any) -> list[Group]:
    """Every answer of the hook, grouped by kind under the kind's declared label (groups by
    the kinds' order, then kind), each sorted by due date (undated last), then title.

    Items of an undeclared kind go under "Other items" (and the kind is logged); an item that
    names no ``organisation`` is the viewing tenant's own.
    """
    kinds = declared_kinds(hooks)
    groups: dict[str, list[dict]] = {}
    for found in hooks.cycle_overview_items(session=session, tenant=tenant, user=user) or []:
        for item in found or []:
            if not isinstance(item, dict) or not item.get("kind"):
                continue
            groups.setdefault(_kind_of(str(item["kind"]), kinds), []).append(_cleaned(item, tenant))
    kinds[OTHER_KIND.kind] = kinds.get(OTHER_KIND.kind, OTHER_KIND)
    order = sorted(groups, key=lambda k: (kinds[k].order, k))
    return [
        Group(kind, str(kinds[kind].label), sorted(groups[kind], key=_due_key)) for kind in order
    ]


def _kind_of(kind: str, kinds: dict[str, OverviewKind]) -> str:
    if kind in kinds:
        return kind
    log.warning("overview item kind %r has no label (declare it: register_overview_kinds)", kind)
    return OTHER_KIND.kind


def _cleaned(item: dict, tenant: Tenant) -> dict:
    """The item with a known status (an unknown one is not trusted), its due date as a
    date, and its organisation (the tenant's own unless it says)."""
    status = item.get("status") if item.get("status") in STATUSES else "info"
    due = item.get("due")
    due = due.date() if isinstance(due, datetime) else due
    due = due if isinstance(due, date) else None
    organisation = str(item.get("organisation") or tenant.name)
    return {**item, "status": status, "due": due, "organisation": organisation}


def names_organisations(groups: list[Group], tenant: Tenant) -> bool:
    """Whether the page names each item's organisation: when the viewer works with several
    (some item comes from another organisation's council, plan or round). A tenant that
    sees only its own items sees the page as before."""
    return any(item["organisation"] != tenant.name for group in groups for item in group.items)


def organisation_names(session: Session, tenant_ids: Iterable[int]) -> dict[int, str]:
    """Tenant id → name, one query: the ``organisation`` of items from other tenants'
    councils, plans and rounds (which organisations exist is no secret)."""
    wanted = set(tenant_ids)
    if not wanted:
        return {}
    return dict(session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(wanted))).all())


def _due_key(item: dict) -> tuple:
    due = item.get("due")
    return (due is None, due or date.max, str(item.get("title") or ""))


# -- reminders -------------------------------------------------------------------------------


def send_reminders(session: Session, now: datetime) -> int:
    """The periodic job (per tenant): mail the tenant's coordinators and administrators about
    each due item once; returns how many reminders were new."""

    scope = get_scope(session)
    if len(scope.tenant_ids) != 1:
        return 0
    tenant = session.get(Tenant, scope.tenant_ids[0])
    if tenant is None:
        return 0
    on = now.astimezone(agreements.LOCAL_TIME).date()
    sent = 0
    for due in due_items(session, tenant, on):
        if _reminded(session, due):
            continue
        session.add(
            CycleReminder(
                tenant_id=tenant.id, record_id=due.record.id, kind=due.kind, due_on=due.due_on
            )
        )
        session.flush()
        for email, locale in _recipients(session, tenant):
            with force_locale(locale or runtime().settings.default_locale):
                subject, body = _message(tenant, due)
            enqueue(
                session, "core.send_mail", tenant_id=tenant.id, to=email, subject=subject, body=body
            )
        sent += 1
    return sent


def _reminded(session: Session, due: Due) -> bool:
    return (
        session.scalars(
            select(CycleReminder.id).where(
                CycleReminder.record_id == due.record.id,
                CycleReminder.kind == due.kind,
                CycleReminder.due_on == due.due_on,
            )
        ).first()
        is not None
    )


def _recipients(session: Session, tenant: Tenant) -> list[tuple[str, str | None]]:
    return list(
        session.execute(
            select(User.email, User.locale)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.tenant_id == tenant.id,
                Membership.role.in_(REMINDED_ROLES),
                User.is_active.is_(True),
            )
            .distinct()
            .order_by(User.email)
        ).all()
    )


def _message(tenant: Tenant, due: Due) -> tuple[str, str]:
    when = due.due_on.isoformat()
    if due.kind == "agreement_expiry":
        subject = _(
            "The cooperation agreement %(title)s expires on %(date)s",
            title=due.record.title,
            date=when,
        )
    elif due.kind == "agreement_review":
        subject = _(
            "The cooperation agreement %(title)s is to be reviewed on %(date)s",
            title=due.record.title,
            date=when,
        )
    else:
        subject = _(
            "The yearly follow-up of the citizen pledge %(title)s is due on %(date)s",
            title=due.record.title,
            date=when,
        )
    body = "\n\n".join(
        [
            f"{subject}.",
            _("Organisation: %(tenant)s", tenant=tenant.name),
            _("This reminder is sent once. See the overview in Samverka."),
        ]
    )
    return subject, body
