"""A consortium's administration: its member organisations and the modules it offers them."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField

from samverka.auth import services as accounts
from samverka.errors import NotFound, ValidationError
from samverka.exports import builtin
from samverka.plugins import services as plugins
from samverka.runtime import db_session, runtime
from samverka.tenancy import invitations
from samverka.tenancy import services as tenancy
from samverka.web.context import can, current_user, require
from samverka.web.exports import table_download
from samverka.web.forms import (
    ActionForm,
    BaseForm,
    ConsortiumAdminForm,
    GovSelect,
    GovSubmitInput,
    PluginConfigForm,
    TenantForm,
    attach_error,
    kind_choices,
    parse_config,
    save,
)

bp = Blueprint("consortium_admin", __name__, url_prefix="/consortia/<slug>")


class InviteForm(BaseForm):
    """Whom to invite: an organisation outside the consortium (by its short name)."""

    tenant = SelectField(_l("Organisation"), widget=GovSelect())
    # its own name: the page's other form (a new organisation) has a ``submit`` (unique ids)
    invite_submit = SubmitField(_l("Invite to the consortium"), widget=GovSubmitInput())


def _invite_form(consortium) -> InviteForm:
    form = InviteForm()
    form.tenant.choices = [
        (t.slug, t.name) for t in tenancy.tenants_outside(db_session(), consortium)
    ]
    return form


def _consortium(slug: str):
    if current_user() is None:
        abort(401)
    try:
        consortium = tenancy.get_consortium(db_session(), slug)
    except NotFound:
        abort(404)
    if not can("consortium:tenants:view", consortium=consortium):
        abort(404)  # not its admin: the consortium might as well not exist
    return consortium


@bp.route("/", methods=["GET", "POST"])
def overview(slug: str):
    consortium = _consortium(slug)
    form = TenantForm()
    if request.method == "POST":
        require("consortium:tenants:manage", consortium=consortium)

        def create() -> None:
            # A brand-new organisation joins at once: it has no administrators of its own
            # yet, so there is nobody to ask (and nobody whose power is handed over).
            tenancy.create_tenant(
                db_session(),
                form.slug.data,
                form.name.data,
                form.kind.data,
                form.municipality_code.data,
                form.population.data,
                [consortium],
            )

        if save(form, create, _("The organisation was added.")):
            return redirect(url_for(".overview", slug=slug))
    return _overview_page(consortium, form, _invite_form(consortium))


def _overview_page(consortium, form: TenantForm, invite_form: InviteForm):
    host = runtime().host
    offered = plugins.consortium_plugins(db_session(), consortium)
    can_manage_tenants = can("consortium:tenants:manage", consortium=consortium)
    pending = (
        invitations.pending_for_consortium(db_session(), consortium) if can_manage_tenants else []
    )
    invited = {i.tenant.slug for i in pending}  # listed with the invitations instead
    invite_form.tenant.choices = [c for c in invite_form.tenant.choices if c[0] not in invited]
    return render_template(
        "consortium.html",
        consortium=consortium,
        form=form,
        invite_form=invite_form,
        action_form=ActionForm(),
        manifests=[host.manifest(n) for n in host.installed],
        offered=offered,
        kind_labels=dict(kind_choices()),
        pending=pending,
        can_manage_tenants=can_manage_tenants,
        can_manage_plugins=can("consortium:plugins:manage", consortium=consortium),
    ), 422 if form.errors or invite_form.errors else 200


@bp.route("/members.<fmt>")
def export_members(slug: str, fmt: str):
    """The member organisations as CSV or Excel (for the consortium's administrators)."""

    return table_download(builtin.consortium_members(_consortium(slug)), fmt)


@bp.route("/admins", methods=["GET", "POST"])
def admins(slug: str):
    """Who administers the consortium; the platform administrators appoint them."""
    consortium = _consortium(slug)
    form = ConsortiumAdminForm()
    if request.method == "POST":
        require("consortium:admins:manage", consortium=consortium)
        if form.validate_on_submit():
            user = accounts.find_user(db_session(), form.email.data)
            if user is None:
                attach_error(
                    form, ValidationError(_("There is no user with that e-mail address."), "email")
                )
            else:
                accounts.add_consortium_admin(db_session(), user, consortium)
                db_session().commit()
                flash(_("%(name)s administers the consortium.", name=user.name), "success")
                return redirect(url_for(".admins", slug=slug))
    return render_template(
        "consortium_admins.html",
        consortium=consortium,
        form=form,
        action_form=ActionForm(),
        admins=accounts.consortium_admins(db_session(), consortium),
        can_manage=can("consortium:admins:manage", consortium=consortium),
    ), 422 if form.errors else 200


@bp.route("/admins/<int:user_id>/remove", methods=["POST"])
def remove_admin(slug: str, user_id: int):
    consortium = _consortium(slug)
    require("consortium:admins:manage", consortium=consortium)
    if accounts.remove_consortium_admin(db_session(), user_id, consortium) == 0:
        abort(404)
    db_session().commit()
    flash(_("The administrator was removed."), "success")
    return redirect(url_for(".admins", slug=slug))


@bp.route("/members", methods=["POST"])
def invite(slug: str):
    """Invite an existing organisation (e.g. a police area already in another consortium).

    It does not join until its own administrators accept: membership gives this
    consortium's administrators a role in it (:mod:`samverka.tenancy.invitations`).
    """
    consortium = _consortium(slug)
    require("consortium:tenants:manage", consortium=consortium)
    form = _invite_form(consortium)
    user = current_user()

    def send() -> None:
        tenant = tenancy.get_tenant(db_session(), form.tenant.data)
        invitations.invite(db_session(), consortium, tenant, invited_by=user.id)

    if save(form, send, _("The invitation was sent. The organisation joins when it accepts.")):
        return redirect(url_for(".overview", slug=slug))
    return _overview_page(consortium, TenantForm(formdata=None), form)


@bp.route("/invitations/<int:invitation_id>/withdraw", methods=["POST"])
def withdraw_invitation(slug: str, invitation_id: int):
    consortium = _consortium(slug)
    require("consortium:tenants:manage", consortium=consortium)
    session = db_session()
    try:
        invitation = invitations.open_invitation_of_consortium(session, consortium, invitation_id)
        invitations.withdraw(session, invitation, by=current_user().id)
    except (NotFound, ValidationError):
        session.rollback()
        abort(404)
    session.commit()
    flash(
        _("The invitation to %(tenant)s was withdrawn.", tenant=invitation.tenant.name), "success"
    )
    return redirect(url_for(".overview", slug=slug))


@bp.route("/members/<tenant_slug_>/remove", methods=["POST"])
def remove_member(slug: str, tenant_slug_: str):
    consortium = _consortium(slug)
    require("consortium:tenants:manage", consortium=consortium)
    try:
        tenant = tenancy.get_tenant(db_session(), tenant_slug_)
        tenancy.remove_from_consortium(db_session(), tenant, consortium)
    except NotFound:
        abort(404)
    db_session().commit()
    flash(_("%(tenant)s is no longer a member.", tenant=tenant.name), "success")
    return redirect(url_for(".overview", slug=slug))


@bp.route("/modules/<name>/settings", methods=["GET", "POST"])
def plugin_settings(slug: str, name: str):
    """The consortium level of a module's configuration (between platform and tenant)."""
    consortium = _consortium(slug)
    require("consortium:plugins:manage", consortium=consortium)
    host = runtime().host
    row = plugins.consortium_plugins(db_session(), consortium).get(name)
    if row is None:
        abort(404)
    form = PluginConfigForm()
    form.submit.label.text = _("Save")
    if request.method == "GET":
        form.config.data = json.dumps(row.config or {}, indent=2, ensure_ascii=False)
    elif save(
        form,
        lambda: plugins.allow_plugin(
            db_session(), host, name, consortium, parse_config(form.config.data)
        ),
        _("The settings were saved."),
    ):
        return redirect(url_for(".overview", slug=slug))
    manifest = host.manifest(name)
    effective = plugins.consortium_config(db_session(), host, consortium, name)
    return render_template(
        "plugin_config.html",
        manifest=manifest,
        form=form,
        effective=effective,
        owner_name=consortium.name,
        schema=json.dumps(manifest.config_schema, indent=2),
        hint=_(
            "Settings for every member; a member's own settings override them, and "
            "anything left out comes from the platform."
        ),
    ), 422 if form.errors else 200


@bp.route("/modules/<name>/<verb>", methods=["POST"])
def offer_plugin(slug: str, name: str, verb: str):
    consortium = _consortium(slug)
    require("consortium:plugins:manage", consortium=consortium)
    host = runtime().host
    if name not in host.installed or verb not in ("offer", "withdraw"):
        abort(404)
    if verb == "offer":
        plugins.allow_plugin(db_session(), host, name, consortium)
        flash(
            _("%(module)s is offered to the members.", module=host.manifest(name).title), "success"
        )
    else:
        plugins.disallow_plugin(db_session(), name, consortium)
        flash(_("%(module)s is no longer offered.", module=host.manifest(name).title), "success")
    db_session().commit()
    return redirect(url_for(".overview", slug=slug))
