"""``/offentligt/<municipality>/medborgarloften``: a municipality's current citizen pledges,
without login (pledges are public by nature).

Only what is meant for the public leaves the database here: each published, current pledge's
title, public text and focus areas, and its follow-ups' year, status and text. Activities,
owners, internal notes and every other field stay out; the query runs in the tenant's scope
without a user, and the page never touches the records' services (nothing to audit: only
open material is shown). An organisation without a published pledge answers exactly as an
unknown address does (404), so the page confirms no organisation's existence.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from samverka.db import TenantScope, scoped
from samverka.records.classification import Classification
from samverka.records.disclosure import disclose
from samverka.records.models import Record
from samverka.runtime import db_session
from samverka.tenants.models import Tenant
from samverka.workflows.agreements import services as ag

bp = Blueprint("public", __name__, url_prefix="/offentligt")


def public_pledges(session, tenant: Tenant) -> list[dict]:
    """The tenant's published, current pledges as plain dicts of their public parts; a pledge
    classified above open stays off the page even if it is marked published."""
    today = ag.today()
    with scoped(session, TenantScope.for_tenant(tenant.id)):
        records = session.scalars(
            select(Record)
            .where(
                Record.tenant_id == tenant.id,
                Record.type_name == ag.PLEDGE_TYPE,
                Record.classification == Classification.OPEN.value,  # never a classified one
                Record.deleted_at.is_(None),
            )
            .order_by(Record.id)
        ).all()
        shown = []
        for record in records:
            data = disclose(session, record, user=None, viewer_tenant=tenant).data  # anonymous
            if not (data.get("published") and ag.is_current(data, today)):
                continue
            shown.append(
                {
                    "title": record.title,
                    "public_text": data.get("public_text") or "",
                    "focus_areas": ag.lines(data.get("focus_areas")),
                    "follow_ups": [
                        {
                            "year": f.year,
                            "status": str(ag.FOLLOW_UP_LABELS[f.status]),
                            "text": f.text,
                        }
                        for f in ag.follow_ups_of(session, record)
                    ],
                }
            )
    return shown


@bp.route("/<slug>/medborgarloften")
def pledges(slug: str):
    """The same 404 for an unknown slug and for an organisation with nothing published: the
    page must not tell anyone which organisations use Samverka (finding 9c)."""
    session = db_session()
    tenant = session.scalars(select(Tenant).where(Tenant.slug == slug)).one_or_none()
    shown = public_pledges(session, tenant) if tenant is not None else []
    session.rollback()  # nothing to keep; ends the transaction that saw the tenant's rows
    if not shown:
        abort(404)
    return render_template("public_pledges.html", tenant=tenant, pledges=shown)
