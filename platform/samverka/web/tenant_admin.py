"""A tenant's administration: members and roles, module enablement and configuration."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from samverka.auth import consortium_grants as grants
from samverka.auth import services as accounts
from samverka.errors import Forbidden, NotFound, ValidationError
from samverka.plugins import services as plugins
from samverka.runtime import db_session, runtime
from samverka.tenants.models import Consortium
from samverka.web.context import can, principal, require
from samverka.web.exports import inline_allowed
from samverka.web.forms import (
    ActionForm,
    MemberForm,
    PluginConfigForm,
    parse_config,
    save,
)

bp = Blueprint("tenant_admin", __name__, url_prefix="/t/<tenant_slug>/admin")


def role_choices() -> list[tuple[str, str]]:
    """Tenant roles of the core and of the plugins this tenant uses, the core's first."""
    return [
        (r.name, str(r.label))
        for r in runtime().registry.roles.values()
        if r.level == "tenant" and (r.plugin is None or r.plugin in g.enabled_plugins)
    ]


@bp.route("/members", methods=["GET", "POST"])
def members():
    require("tenant:members:view")
    form = MemberForm()
    form.role.choices = role_choices()
    if request.method == "GET":
        form.role.data = "reader"  # least privilege unless the admin chooses otherwise
    if request.method == "POST":
        require("tenant:members:manage")
        if save(form, lambda: _add_member(form), _("The member was added.")):
            return redirect(url_for(".members"))
    return _members_page(form, 422 if form.errors else 200)


def _members_page(form: MemberForm, status: int, refused: dict | None = None):
    """The members page; ``refused`` (user id, role) offers a platform administrator the
    deliberate removal of the last administrator after a refusal."""
    listing = accounts.tenant_members(db_session(), g.tenant)
    return render_template(
        "tenant_members.html",
        form=form,
        members=listing,
        remove_form=ActionForm(),
        roles=dict(role_choices()),
        can_manage=can("tenant:members:manage"),
        through=grants.granted_in(db_session(), g.tenant),
        can_adopt=can("tenant:members:adopt"),
        export_inline=inline_allowed(len(listing)),
        refused=refused if refused and can(accounts.LEAVE_WITHOUT_ADMIN) else None,
    ), status


def _add_member(form: MemberForm) -> None:
    """Find the person among the organisations this tenant works with (a platform
    administrator: among every account), or create them; see
    :func:`samverka.auth.services.member_account`."""
    session = db_session()
    user = accounts.member_account(
        session,
        g.tenant,
        form.email.data,
        form.name.data,
        everyone=can("platform:users:manage"),
    )
    accounts.add_member(
        session, runtime().registry, user, g.tenant, form.role.data, via_consortium=_via(user)
    )


def _via(user) -> Consortium | None:
    """The consortium this grant comes through (None: the organisation's own); refusing,
    as a form error, a consortium administrator's grant to themselves."""
    try:
        return grants.grant_source(db_session(), runtime().registry, principal(), g.tenant, user)
    except Forbidden as refused:
        raise ValidationError(str(refused), "email") from None


@bp.route("/members/<int:user_id>/adopt", methods=["POST"])
def adopt_member(user_id: int):
    """Make a role granted through a consortium the organisation's own: it then stays when
    the organisation leaves the consortium."""
    require("tenant:members:adopt")
    role = request.form.get("role") or ""
    try:
        grants.adopt(db_session(), g.tenant, user_id, role)
    except NotFound:
        abort(404)
    db_session().commit()
    flash(_("The role is now the organisation's own."), "success")
    return redirect(url_for(".members"))


@bp.route("/members/<int:user_id>/remove", methods=["POST"])
def remove_member(user_id: int):
    """Take a role (or every role) from a member. The last administrator stays unless a
    platform administrator confirms ``leave_without_admin`` (409 with the reason otherwise)."""
    require("tenant:members:manage")
    role = request.form.get("role") or None
    deliberate = request.form.get("leave_without_admin") == "1"
    if deliberate:
        require(accounts.LEAVE_WITHOUT_ADMIN)
    session = db_session()
    try:
        removed = accounts.remove_member(
            session, user_id, g.tenant, role, leave_without_admin=deliberate
        )
    except accounts.LastAdministrator as error:
        accounts.record_refusal(session, error)
        flash(str(error), "error")
        form = MemberForm(formdata=None)
        form.role.choices = role_choices()
        form.role.data = "reader"
        return _members_page(form, 409, refused={"user_id": user_id, "role": role or ""})
    if removed == 0:
        abort(404)
    session.commit()
    flash(_("The role was removed."), "success")
    return redirect(url_for(".members"))


@bp.route("/modules")
def plugins_view():
    require("tenant:plugins:view")
    host = runtime().host
    session = db_session()
    rows = plugins.tenant_plugin_rows(session, g.tenant)
    available = plugins.available_plugins(session, host, g.tenant)
    return render_template(
        "tenant_plugins.html",
        manifests=[host.manifest(name) for name in available],
        rows=rows,
        enabled=g.enabled_plugins,
        action_form=ActionForm(),
        can_manage=can("tenant:plugins:manage"),
    )


@bp.route("/modules/<name>", methods=["GET", "POST"])
def plugin_config(name: str):
    require("tenant:plugins:manage")
    host = runtime().host
    session = db_session()
    if name not in plugins.available_plugins(session, host, g.tenant):
        abort(404)
    manifest = host.manifest(name)
    row = plugins.tenant_plugin_rows(session, g.tenant).get(name)
    form = PluginConfigForm()
    if request.method == "GET":
        form.config.data = json.dumps(row.config if row else {}, indent=2, ensure_ascii=False)
    elif save(
        form,
        lambda: plugins.enable_plugin(
            session, host, g.tenant, name, parse_config(form.config.data)
        ),
        _("%(module)s is enabled.", module=manifest.title),
    ):
        return redirect(url_for(".plugins_view"))
    effective = plugins.effective_config(session, host, g.tenant, name)
    return render_template(
        "plugin_config.html",
        owner_name=g.tenant.name,
        hint=_(
            "Settings for your organisation only; anything left out comes from the "
            "consortium or the platform."
        ),
        manifest=manifest,
        form=form,
        effective=effective,
        schema=json.dumps(manifest.config_schema, indent=2),
    ), (422 if form.errors else 200)


@bp.route("/modules/<name>/disable", methods=["POST"])
def disable_plugin(name: str):
    require("tenant:plugins:manage")
    host = runtime().host
    if name not in host.installed:
        abort(404)
    plugins.disable_plugin(db_session(), host, g.tenant, name)
    db_session().commit()
    flash(_("%(module)s is disabled.", module=host.manifest(name).title), "success")
    return redirect(url_for(".plugins_view"))
