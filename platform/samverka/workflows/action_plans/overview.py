"""What action plans and councils contribute to the coordinator's start page and to the
compliance overview (wired in by the lead; kept here so both read one definition).

* :func:`overview_items`: measures due soon or late, red measures, upcoming meetings and the
  user's open assignments, each ``{"kind", "title", "due", "status", "url"}`` with status
  ``ok``/``late``/``red``/``due``/``info``.
* :func:`evidence`: the duties "action_plan" (a decided plan valid today),
  "council_meetings" (meetings held in the last 12 months against each body's planned
  count) and "follow_up" (follow-ups recorded in the last 12 months), each
  ``{"duty", "met", "as_of", "summary", "url"}``.

Both run inside the tenant's scope and see what the tenant's users may see.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from samverka.plugins.manifest import OverviewKind
from samverka.records.models import Record
from samverka.tenants.models import Tenant
from samverka.workflows.action_plans.services import (
    PlanFollowUp,
    PlanMeasure,
    latest_statuses,
    plan_records,
    today,
)
from samverka.workflows.calendar import url_or_none
from samverka.workflows.councils import services as councils
from samverka.workflows.cycle_types import ACTION_PLAN_TYPE
from samverka.workflows.decisions import latest_decision
from samverka.workflows.overview.services import organisation_names

DUE_SOON = timedelta(days=30)
MEETINGS_AHEAD = 30
YEAR = timedelta(days=365)


#: The kinds of item plans and councils put on the overview (declared by the core's
#: ``register_overview_kinds``).
OVERVIEW_KINDS = [
    OverviewKind("measure_due", _l("Measures due"), 60),
    OverviewKind("red_measure", _l("Red measures"), 70),
    OverviewKind("meeting", _l("Upcoming meetings"), 80),
    OverviewKind("assignment", _l("Assignments"), 90),
]


def overview_items(session: Session, tenant: Tenant, user: Any) -> list[dict]:
    """The start page's items for ``user`` in ``tenant``, most urgent first; each names the
    organisation whose plan or council it comes from (a partner works in several)."""
    items = _measure_items(session, tenant) + _meeting_items(session, tenant)
    items += _assignment_items(session, tenant, user)
    names = organisation_names(session, {item["owner_id"] for item in items})
    for item in items:
        item["organisation"] = names.get(item.pop("owner_id"))
    order = {"red": 0, "late": 1, "due": 2, "info": 3, "ok": 4}
    return sorted(items, key=lambda i: (order[i["status"]], i["due"] or date.max, i["title"]))


def _measure_items(session: Session, tenant: Tenant) -> list[dict]:
    """Measures of the tenant's own plans, or that the tenant is responsible for."""
    now = today()
    rows = list(
        session.execute(
            select(PlanMeasure, Record)
            .join(Record, Record.id == PlanMeasure.record_id)
            .where(
                Record.deleted_at.is_(None),
                Record.type_name == ACTION_PLAN_TYPE,
                or_(Record.tenant_id == tenant.id, PlanMeasure.responsible_tenant_id == tenant.id),
            )
        )
    )
    latest = latest_statuses(session, [plan.id for _m, plan in rows])
    items = []
    for measure, plan in rows:
        status = latest.get(measure.id)
        url = url_or_none("plan_pages.detail", tenant_slug=tenant.slug, plan_id=plan.id)
        if status is not None and status.status == "red":
            items.append(_item("red_measure", measure.title, measure.due_on, "red", url, plan))
        elif measure.due_on and measure.due_on <= now + DUE_SOON:
            if status is not None and status.status == "green" and measure.due_on < now:
                continue  # finished on time
            late = measure.due_on < now
            status_word = "late" if late else "due"
            items.append(
                _item("measure_due", measure.title, measure.due_on, status_word, url, plan)
            )
    return items


def _meeting_items(session: Session, tenant: Tenant) -> list[dict]:
    return [
        _item(
            "meeting",
            _("Meeting: %(body)s", body=council.title),
            meeting.meeting_on,
            "info",
            url_or_none("council_pages.meeting", tenant_slug=tenant.slug, meeting_id=meeting.id),
            council,
        )
        for meeting, council in councils.upcoming_meetings(session, days=MEETINGS_AHEAD)
    ]


def _assignment_items(session: Session, tenant: Tenant, user: Any) -> list[dict]:
    now = today()
    items = []
    found = councils.my_assignments(session, tenant, user)
    bodies = _records(session, {assignment.record_id for assignment in found})
    for assignment in found:
        if assignment.due_on is None:
            status = "ok"
        elif assignment.due_on < now:
            status = "late"
        elif assignment.due_on <= now + DUE_SOON:
            status = "due"
        else:
            status = "ok"
        url = url_or_none("council_pages.assignments", tenant_slug=tenant.slug)
        body = bodies.get(assignment.record_id)
        items.append(_item("assignment", assignment.title, assignment.due_on, status, url, body))
    return items


def _records(session: Session, ids: set[int]) -> dict[int, Record]:
    if not ids:
        return {}
    return {r.id: r for r in session.scalars(select(Record).where(Record.id.in_(ids)))}


def _item(
    kind: str, title: str, due: date | None, status: str, url: str | None, owner: Record | None
) -> dict:
    """An overview item; ``owner_id`` (the tenant owning the plan or council) becomes the
    item's ``organisation`` in :func:`overview_items`."""
    return {
        "kind": kind,
        "title": title,
        "due": due,
        "status": status,
        "url": url,
        "owner_id": owner.tenant_id if owner is not None else None,
    }


# --- evidence -------------------------------------------------------------------------


def evidence(session: Session, tenant: Tenant) -> list[dict]:
    """The tenant's evidence for the duties about plans, councils and follow-up."""
    return [
        _plan_evidence(session, tenant),
        _council_evidence(session, tenant),
        _follow_up_evidence(session, tenant),
    ]


def _valid_now(plan: Record, now: date) -> bool:
    data = plan.data or {}
    start, end = data.get("valid_from"), data.get("valid_to")
    return bool(start) and start <= now.isoformat() and (not end or end >= now.isoformat())


def _plan_evidence(session: Session, tenant: Tenant) -> dict:
    now = today()
    decided = [
        (plan, decision)
        for plan in plan_records(session, tenant)
        if _valid_now(plan, now) and (decision := latest_decision(session, plan)) is not None
    ]
    url = url_or_none("plan_pages.index", tenant_slug=tenant.slug)
    if not decided:
        return _duty("action_plan", False, None, _("No decided action plan is valid today."), url)
    plan, decision = max(decided, key=lambda pair: pair[1].decided_on)
    summary = _(
        "%(title)s, decided by %(body)s on %(date)s.",
        title=plan.title,
        body=decision.body,
        date=decision.decided_on.isoformat(),
    )
    detail = url_or_none("plan_pages.detail", tenant_slug=tenant.slug, plan_id=plan.id)
    return _duty("action_plan", True, decision.decided_on, summary, detail)


def _council_evidence(session: Session, tenant: Tenant) -> dict:
    now = today()
    since = now - YEAR
    bodies = councils.councils_visible(session)
    url = url_or_none("council_pages.index", tenant_slug=tenant.slug)
    if not bodies:
        return _duty("council_meetings", False, None, _("No council or working group."), url)
    held = dict(
        session.execute(
            select(councils.CouncilMeeting.record_id, func.count())
            .where(
                councils.CouncilMeeting.meeting_on > since,
                councils.CouncilMeeting.meeting_on <= now,
            )
            .group_by(councils.CouncilMeeting.record_id)
        ).all()
    )
    last = session.scalar(
        select(func.max(councils.CouncilMeeting.meeting_on)).where(
            councils.CouncilMeeting.meeting_on <= now
        )
    )
    parts = [
        _(
            "%(body)s: %(held)s of %(planned)s meetings",
            body=body.title,
            held=held.get(body.id, 0),
            planned=councils.planned_meetings(body),
        )
        for body in bodies
    ]
    met = any(held.get(b.id, 0) >= councils.planned_meetings(b) > 0 for b in bodies)
    return _duty("council_meetings", met, last, "; ".join(parts) + ".", url)


def _follow_up_evidence(session: Session, tenant: Tenant) -> dict:
    now = today()
    own_plans = select(Record.id).where(
        Record.tenant_id == tenant.id,
        Record.type_name == ACTION_PLAN_TYPE,
        Record.deleted_at.is_(None),
    )
    count, last = session.execute(
        select(func.count(), func.max(PlanFollowUp.followed_up_on)).where(
            PlanFollowUp.record_id.in_(own_plans),
            PlanFollowUp.followed_up_on > now - YEAR,
        )
    ).one()
    url = url_or_none("plan_pages.index", tenant_slug=tenant.slug)
    summary = _("%(count)s follow-ups of measures in the last 12 months.", count=count)
    return _duty("follow_up", count > 0, last, summary, url)


def _duty(duty: str, met: bool, as_of: date | None, summary: str, url: str | None) -> dict:
    return {"duty": duty, "met": met, "as_of": as_of, "summary": summary, "url": url}
