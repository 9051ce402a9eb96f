"""An organisation's consortia: its administrators accept or decline invitations and leave.

Membership of a consortium gives the consortium's administrators a role in the organisation
(:mod:`samverka.tenancy.invitations`), so only the organisation decides it: its tenant
administrators, or a platform administrator who says explicitly that they act on its behalf
(recorded in the audit log). The consortium administrators' own role in the tenant does not
reach these pages (``tenant:consortia:manage`` is not theirs).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from samverka.auth import consortium_grants as grants
from samverka.auth import services as accounts
from samverka.auth.authorization import roles_for
from samverka.errors import NotFound, ValidationError
from samverka.runtime import db_session
from samverka.tenancy import invitations
from samverka.tenants.models import ConsortiumInvitation
from samverka.web.context import current_user, principal, require
from samverka.web.forms import ActionForm
from samverka.web.tenant_admin import role_choices

bp = Blueprint("tenant_consortia", __name__, url_prefix="/t/<tenant_slug>/admin/consortia")
MANAGE = "tenant:consortia:manage"
ON_BEHALF = "on_behalf"


@bp.route("/")
def index():
    require(MANAGE)
    return _page()


@bp.route("/invitations/<int:invitation_id>/accept", methods=["POST"])
def accept(invitation_id: int):
    """Join: from now on the consortium's administrators administer this organisation too."""
    require(MANAGE)
    on_behalf = not _is_tenant_admin()
    if on_behalf and request.form.get(ON_BEHALF) != "yes":
        flash(
            _(
                "You are not an administrator of this organisation: confirm that you accept "
                "on its behalf."
            ),
            "error",
        )
        return _page(422)
    invitation = _invitation(invitation_id)
    name = invitation.consortium.name
    error = _decide(
        lambda: invitations.accept(
            db_session(), invitation, by=current_user().id, on_behalf=on_behalf
        )
    )
    if error is not None:
        return error
    flash(
        _("%(tenant)s is now a member of %(consortium)s.", tenant=g.tenant.name, consortium=name),
        "success",
    )
    return redirect(url_for(".index"))


@bp.route("/invitations/<int:invitation_id>/decline", methods=["POST"])
def decline(invitation_id: int):
    require(MANAGE)
    invitation = _invitation(invitation_id)
    name = invitation.consortium.name
    error = _decide(lambda: invitations.decline(db_session(), invitation, by=current_user().id))
    if error is not None:
        return error
    flash(_("The invitation from %(consortium)s was declined.", consortium=name), "success")
    return redirect(url_for(".index"))


@bp.route("/<consortium_slug>/leave", methods=["POST"])
def leave(consortium_slug: str):
    """Leave a consortium: its administrators' reach into this organisation ends at once."""
    require(MANAGE)
    session = db_session()
    consortium = next((c for c in g.tenant.consortia if c.slug == consortium_slug), None)
    if consortium is None:
        abort(404)
    revoked = grants.counts_by_consortium(session, g.tenant).get(consortium.id, 0)
    try:
        invitations.leave(session, g.tenant, consortium)
    except NotFound:
        session.rollback()
        abort(404)
    session.commit()
    flash(
        _("%(tenant)s has left %(consortium)s.", tenant=g.tenant.name, consortium=consortium.name),
        "success",
    )
    if revoked:
        flash(
            _(
                "Roles granted through %(consortium)s were revoked: %(num)d.",
                consortium=consortium.name,
                num=revoked,
            ),
            "success",
        )
    held = _roles()
    staying = [u.name for u in accounts.consortium_admins(session, consortium) if u.id in held]
    if staying:  # a role held here directly does not end with the consortium membership
        flash(
            _(
                "%(names)s, administrators of %(consortium)s, still hold roles in the "
                "organisation: remove them under Members if they should no longer have access.",
                names=", ".join(staying),
                consortium=consortium.name,
            ),
            "error",
        )
    return redirect(url_for(".index"))


def _page(status: int = 200):
    """The invitations and the memberships, each with the consortium's administrators: the
    people who administer this organisation too once it is a member (consent is informed)."""
    session = db_session()
    pending = invitations.pending_for_tenant(session, g.tenant)
    consortia = list(g.tenant.consortia)
    admins = {
        c.id: accounts.consortium_admins(session, c)
        for c in [*consortia, *(i.consortium for i in pending)]
    }
    return render_template(
        "tenant_consortia.html",
        pending=pending,
        consortia=consortia,
        admins=admins,
        granted=grants.counts_by_consortium(session, g.tenant),
        member_roles=_role_labels(),
        action_form=ActionForm(),
        on_behalf=not _is_tenant_admin(),
    ), status


def _decide(change):
    """Apply a decision in one transaction; a decision that came too late (the invitation
    was withdrawn or expired meanwhile) shows the page again with a 409."""
    session = db_session()
    try:
        change()
    except ValidationError as error:
        session.rollback()
        flash(str(error), "error")
        return _page(409)
    session.commit()
    return None


def _roles() -> dict[int, list[str]]:
    """The roles each user holds in this organisation as memberships (the organisation's
    own, and those granted through a consortium, which leaving that consortium revokes)."""
    return {user.id: roles for user, roles in accounts.tenant_members(db_session(), g.tenant)}


def _role_labels() -> dict[int, str]:
    labels = dict(role_choices())
    return {
        user_id: ", ".join(labels.get(r, r) for r in roles) for user_id, roles in _roles().items()
    }


def _invitation(invitation_id: int) -> ConsortiumInvitation:
    try:
        return invitations.open_invitation_of_tenant(db_session(), g.tenant, invitation_id)
    except NotFound:
        abort(404)


def _is_tenant_admin() -> bool:
    """Whether the user administers this organisation itself (else: a platform
    administrator, who must say that they act on its behalf)."""
    return "tenant_admin" in roles_for(db_session(), principal(), tenant=g.tenant)
