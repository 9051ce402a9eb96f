"""The shell: start page, a tenant's overview, the tenant switcher and the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for

from samverka.auth.services import administered_consortia
from samverka.runtime import db_session, runtime
from samverka.web.auth import safe_next
from samverka.web.context import (
    LOCALES,
    current_user,
    menu,
    principal,
    reachable_tenants,
    require,
)

bp = Blueprint("shell", __name__)


@bp.route("/")
def index():
    user = current_user()
    if user is None:
        return redirect(url_for("auth.login"))
    tenants = reachable_tenants(user)
    bound = principal().tenant_bound is not None  # an SSO session administers nothing above
    consortia = [] if bound else administered_consortia(db_session(), user)
    if len(tenants) == 1 and not consortia and not principal().is_platform_admin:
        return redirect(url_for("shell.tenant_home", tenant_slug=tenants[0].slug))
    return render_template("home.html", tenants=tenants, consortia=consortia)


@bp.route("/t/<tenant_slug>/")
def tenant_home():
    require("tenant:dashboard:view")
    host = runtime().host
    modules = [host.manifest(name) for name in sorted(g.enabled_plugins)]
    return render_template("tenant_home.html", tenant=g.tenant, modules=modules)


@bp.route("/t/<tenant_slug>/menu/<group>")
def nav_group(group: str):
    """A group of the tenant menu (the top row's link): its entries the user may use, so
    every page is two clicks from anywhere, without JavaScript. 404 for a group that does
    not exist or holds nothing the user may use."""
    found = menu().group(group)
    if found is None:
        abort(404)
    return render_template("nav_group.html", group=found)


@bp.route("/switch")
def switch_tenant():
    """The tenant switcher (a GET form, so it works without JavaScript)."""
    user = current_user()
    if user is None:
        abort(401)
    slug = request.args.get("tenant", "")
    if slug not in {link.slug for link in reachable_tenants(user)}:
        abort(404)
    return redirect(url_for("shell.tenant_home", tenant_slug=slug))


@bp.route("/language/<code>")
def set_language(code: str):
    if code not in LOCALES:
        abort(404)
    session["locale"] = code
    return redirect(safe_next(request.args.get("next")))
