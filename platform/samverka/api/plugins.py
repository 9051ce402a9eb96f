"""The plugin catalogue and a tenant's enablement, through ``samverka.plugins.services``."""

from __future__ import annotations

from samverka.api.access import caller, require
from samverka.api.blueprint import ApiBlueprint
from samverka.api.pagination import PageArgs, decode_cursor, page
from samverka.api.problems import ApiProblem
from samverka.api.schemas import PluginEnableSchema, PluginPage, TenantPluginSchema
from samverka.plugins import services as plugins
from samverka.runtime import db_session, runtime

bp = ApiBlueprint("plugins", __name__, url_prefix="/api/v1", description="Modules (plugins).")


@bp.route("/plugins", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, PluginPage)
@bp.problems(400, 403, 422)
def catalogue(args: dict):
    """Every installed plugin, whether the token's tenant may use it and whether it does."""
    require("tenant:plugins:view")
    host, session, tenant = runtime().host, db_session(), caller().tenant
    available = set(plugins.available_plugins(session, host, tenant))
    enabled = plugins.enabled_plugins(session, host, tenant)
    after = decode_cursor(args["cursor"])
    names = [n for n in host.installed if after is None or n > str(after)][: args["limit"] + 1]
    rows = [
        {
            "name": name,
            "title": str(host.manifest(name).title),
            "description": str(host.manifest(name).description),
            "version": host.manifest(name).version,
            "available": name in available,
            "enabled": name in enabled,
            "config_schema": host.manifest(name).config_schema,
        }
        for name in names
    ]
    return page(rows, args["limit"], lambda row: row["name"])


def installed(name: str) -> None:
    if name not in runtime().host.installed:
        raise ApiProblem("not-found", f"No plugin called {name} is installed.")


def tenant_plugin(name: str) -> dict:
    host, session, tenant = runtime().host, db_session(), caller().tenant
    row = plugins.tenant_plugin_rows(session, tenant).get(name)
    on = name in plugins.enabled_plugins(session, host, tenant)
    return {
        "name": name,
        "enabled": on,
        "config": dict(row.config) if row else {},
        "effective_config": plugins.effective_config(session, host, tenant, name),
    }


@bp.route("/tenants/<tenant>/plugins/<name>", methods=["GET"])
@bp.response(200, TenantPluginSchema)
@bp.problems(403, 404)
def show(name: str):
    """The tenant's use of one plugin and the configuration it runs with."""
    require("tenant:plugins:view")
    installed(name)
    return tenant_plugin(name)


@bp.route("/tenants/<tenant>/plugins/<name>", methods=["PUT"])
@bp.arguments(PluginEnableSchema)
@bp.response(200, TenantPluginSchema)
@bp.problems(400, 403, 404, 409, 413, 415, 422)
def enable(body: dict, name: str):
    """Enable the plugin for the tenant, with ``config`` validated against its schema.

    409 when none of the tenant's consortia offers the plugin.
    """
    require("tenant:plugins:manage")
    installed(name)
    host, session, tenant = runtime().host, db_session(), caller().tenant
    if name not in plugins.available_plugins(session, host, tenant):
        raise ApiProblem("conflict", f"None of {tenant.slug}'s consortia offers {name}.")
    plugins.enable_plugin(session, host, tenant, name, body.get("config"))
    session.commit()
    return tenant_plugin(name)


@bp.route("/tenants/<tenant>/plugins/<name>", methods=["DELETE"])
@bp.response(204)
@bp.problems(403, 404)
def disable(name: str):
    """Disable the plugin for the tenant (its settings are kept for a later enable)."""
    require("tenant:plugins:manage")
    installed(name)
    plugins.disable_plugin(db_session(), runtime().host, caller().tenant, name)
    db_session().commit()
