"""``/admin/sso-domains``: the platform administrators approve or reject the e-mail domains
organisations claim for single sign-on (see :mod:`samverka.auth.sso.domains`).

A claim does nothing until approved here (or by the operator, ``samverka idp domain
approve``). Before approving, check with the organisation by a channel of your own that
the domain is theirs (e.g. the agency's registrar or its IT department). Every decision is
recorded in the tenant's audit chain and the platform's.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from samverka.auth.sso import domains
from samverka.auth.sso.models import VERIFIED_BY_PLATFORM_ADMIN
from samverka.errors import NotFound, ValidationError
from samverka.runtime import db_session
from samverka.web.context import require
from samverka.web.forms import ActionForm

MANAGE = "platform:identity:manage"

bp = Blueprint("domain_claims", __name__, url_prefix="/admin/sso-domains")


@bp.get("")
def index():
    require(MANAGE)
    claims = domains.all_claims(db_session())
    return render_template(
        "platform_sso_domains.html",
        pending=[c for c in claims if not c.verified],
        verified=[c for c in claims if c.verified],
        form=ActionForm(),
    )


@bp.post("/<int:claim_id>/approve")
def approve(claim_id: int):
    require(MANAGE)
    return _decide(claim_id, approve=True)


@bp.post("/<int:claim_id>/reject")
def reject(claim_id: int):
    require(MANAGE)
    return _decide(claim_id, approve=False)


def _decide(claim_id: int, *, approve: bool):
    if not ActionForm().validate_on_submit():
        abort(400)
    database = db_session()
    try:
        claim = domains.get_claim_by_id(database, claim_id)
    except NotFound:
        abort(404)
    name = claim.domain
    try:
        if approve:
            domains.verify(database, claim, via=VERIFIED_BY_PLATFORM_ADMIN)
        else:
            domains.reject(database, claim)
    except ValidationError as error:
        database.rollback()
        flash(str(error), "error")
        return redirect(url_for(".index"))
    database.commit()
    if approve:
        flash(_("The domain %(domain)s is verified.", domain=name), "success")
    else:
        flash(_("The claim on %(domain)s was removed.", domain=name), "success")
    return redirect(url_for(".index"))
