"""``/offentligt/<municipality>/medborgarloften``: a municipality's current citizen pledges,
without login (pledges are public by nature).

Only what is meant for the public leaves the database here (the rule lives in
:func:`samverka.workflows.agreements.services.public_pledges`): each published, current pledge's
title, public text and focus areas, and its follow-ups' year, status and text. Activities,
owners, internal notes and every other field stay out; the query runs in the tenant's scope
without a user, and the page never touches the records' services (nothing to audit: only
open material is shown). An organisation without a published pledge answers exactly as an
unknown address does (404), so the page confirms no organisation's existence.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from samverka.runtime import db_session
from samverka.workflows.agreements import services as ag

bp = Blueprint("public", __name__, url_prefix="/offentligt")


@bp.route("/<slug>/medborgarloften")
def pledges(slug: str):
    """The same 404 for an unknown slug and for an organisation with nothing published: the
    page must not tell anyone which organisations use Samverka (finding 9c)."""
    session = db_session()
    tenant, shown = ag.public_pledges_at(session, slug)  # the publication rule
    session.rollback()  # nothing to keep; ends the transaction that saw the tenant's rows
    if not shown:
        abort(404)
    return render_template("public_pledges.html", tenant=tenant, pledges=shown)
