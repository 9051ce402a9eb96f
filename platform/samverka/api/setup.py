"""Mounting the API on the app: flask-smorest, the blueprints, error handling."""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from samverka.api import (
    access,
    archive,
    audit,
    directory,
    docs,
    exports,
    me,
    members,
    plugins,
    records,
)
from samverka.api.blueprint import ApiBlueprint
from samverka.api.problems import (
    PROBLEM_JSON,
    ApiProblem,
    ProblemSchema,
    handle_http_error,
    handle_problem,
    handle_service_error,
    handle_unexpected,
)
from samverka.errors import SamverkaError
from samverka.plugins.host import PluginError
from samverka.web.extensions import csrf

API_PREFIX = "/api/"
TENANT_PREFIX = "/api/v1/tenants/<tenant>/"


class SamverkaApi(Api):
    """flask-smorest's Api with problem+json error responses and our own error handling
    (its default handler would replace the web's HTML error pages app-wide)."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """Installed by :func:`init_app`, only for API requests."""

    def _register_responses(self) -> None:
        for status in HTTPStatus:
            if status < 400:
                continue
            response = {"description": status.phrase, "schema": ProblemSchema}
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457)", "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_app(app: Flask) -> None:
    app.config.update(
        API_TITLE="Samverka API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "security": [{"bearer": []}],
            "info": {
                "description": "Tenant-bound bearer tokens; errors are RFC 9457 problems. "
                "See the README's API section."
            },
        },
    )
    api = SamverkaApi(app)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "svk_… API token"}
    )
    for module in (me, directory, members, plugins, audit, archive, exports, records):
        mount(app, api, module.bp)
    mount(app, api, records.types_bp)
    mount_plugin_blueprints(app, api)
    app.register_blueprint(docs.bp)
    app.url_value_preprocessor(access.pull_tenant)
    app.before_request(_enter)
    wrap_http_errors(app)


def mount(app: Flask, api: Api, bp: ApiBlueprint, **options: object) -> None:
    """Register an API blueprint: documented, CSRF-exempt, answering problems."""
    api.register_blueprint(bp, **options)
    csrf.exempt(bp)
    bp_name = options.get("name", bp.name)
    for kind, handler in (
        (ApiProblem, handle_problem),
        (SamverkaError, handle_service_error),
        (Exception, handle_unexpected),
    ):
        app.error_handler_spec[bp_name][None][kind] = handler  # nested defaultdicts


def mount_plugin_blueprints(app: Flask, api: Api) -> None:
    """The blueprints of the hook ``register_api_blueprints``: the core's own areas first, at
    their own paths; then each plugin's under ``/api/v1/tenants/<tenant>/<plugin>``, where
    :func:`samverka.api.access.enter` answers 404 if the tenant has not enabled it. A plugin
    whose name is a path segment of the core's cannot have an API."""
    host = app.extensions["samverka"].host
    owners = app.extensions.setdefault(access.PLUGIN_API_BLUEPRINTS_KEY, {})
    found = host.collect("register_api_blueprints")
    for plugin, blueprints in found:
        if plugin is None:
            for bp in blueprints or ():
                mount(app, api, bp)
    taken = core_segments(app)
    for plugin, blueprints in found:
        if plugin is None:
            continue
        if plugin in taken:
            raise PluginError(f"plugin {plugin!r} cannot have an API: the path is the core's")
        for bp in blueprints or ():
            mount(app, api, bp, url_prefix=f"{TENANT_PREFIX}{plugin}")
            owners[bp.name] = plugin


def core_segments(app: Flask) -> set[str]:
    """The first path segments under ``/api/v1/tenants/<tenant>/`` that the core's routes
    use (``records``, ``rounds``, …), read from the routes themselves."""
    return {
        rule.rule[len(TENANT_PREFIX) :].split("/", 1)[0]
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(TENANT_PREFIX)
    }


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def _enter() -> None:
    if is_api_request():
        access.enter()


def wrap_http_errors(app: Flask) -> None:
    """Unknown paths and wrong methods under /api/ match no blueprint: answer them as
    problems too, and leave every other path to the web's HTML error pages."""
    handlers = app.error_handler_spec[None][None]
    web_handler = handlers.get(HTTPException)

    def handle(error: HTTPException):
        if is_api_request() or web_handler is None:
            return handle_http_error(error)
        return web_handler(error)

    handlers[HTTPException] = handle
    handlers[ApiProblem] = handle_problem
