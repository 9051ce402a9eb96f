"""The web shell: blueprints, per-request context and error pages."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from govuk_frontend_wtf.main import WTFormsHelpers
from werkzeug.exceptions import HTTPException

from samverka.errors import Forbidden, NotFound
from samverka.web import components, context


def init_app(app: Flask) -> None:
    WTFormsHelpers(app)
    components.init_app(app)
    context.init_app(app)
    from samverka.web import (
        account,
        api_tokens,
        archive,
        audit_review,
        auth,
        consortium_admin,
        exports,
        jobs,
        password_reset,
        platform_admin,
        records,
        shell,
        sso,
        tenant_admin,
        tenant_consortia,
    )

    for module in (
        auth,
        password_reset,
        account,
        shell,
        tenant_admin,
        tenant_consortia,
        consortium_admin,
        platform_admin,
        sso,
        exports,
        audit_review,
        jobs,
        archive,
        records,
        api_tokens,  # the tokens' page, beside the API they open
    ):
        app.register_blueprint(module.bp)
    app.register_blueprint(jobs.platform_bp)
    records.init_app(app)
    register_plugin_blueprints(app)
    app.register_error_handler(HTTPException, render_http_error)
    app.register_error_handler(NotFound, lambda _e: render_http_error(_http(404)))
    app.register_error_handler(Forbidden, lambda _e: render_http_error(_http(403)))


def register_plugin_blueprints(app: Flask) -> None:
    """Mount the blueprints of the hook ``register_blueprints``: the core's own areas (the
    statutory cycle) at their own prefixes, each plugin's under ``/t/<tenant_slug>/<plugin>``
    (remembering the owner, so a tenant that has not enabled it gets 404)."""
    host = app.extensions["samverka"].host
    owners = app.extensions.setdefault(context.PLUGIN_BLUEPRINTS_KEY, {})
    for plugin, blueprints in host.collect("register_blueprints"):
        for blueprint in blueprints or ():
            if plugin is None:
                app.register_blueprint(blueprint)
                continue
            app.register_blueprint(blueprint, url_prefix=f"/t/<tenant_slug>/{plugin}")
            owners[blueprint.name] = plugin


def _http(code: int) -> HTTPException:
    from werkzeug.exceptions import default_exceptions

    return default_exceptions[code]()


def render_http_error(error: HTTPException):
    from flask import redirect, url_for

    if error.code == 401 and request.method == "GET":
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    from flask_babel import gettext as _

    titles = {
        400: _("Bad request"),
        401: _("Log in to continue"),
        403: _("You do not have access"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        413: _("Too much data"),
    }
    code = error.code or 500
    if code >= 500:
        g.degraded = True  # the layout must not query a database that may be the cause
    title = titles.get(code, _("Something went wrong"))
    return render_template("error.html", title=title, code=code), code
