"""The benchmark plugin: one tenant-owned table and a paginated list page.

A real Samverka plugin (it touches the core only through :mod:`samverka.toolkit`), kept as
small as a typical list view: permission check, one keyset-paginated query, a GOV.UK table.
``bench/wsgi.py`` registers it; ``bench/generate.py`` fills its table.
"""

from __future__ import annotations

from pathlib import Path

import marshmallow as ma
from flask import Blueprint, abort, render_template, request
from sqlalchemy import Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from samverka.toolkit import (
    ApiBlueprint,
    Base,
    NavItem,
    PageArgs,
    Permission,
    PluginManifest,
    TenantOwned,
    Timestamped,
    api_cursor,
    api_page,
    api_require,
    authorize,
    current_tenant,
    db_session,
    hookimpl,
)

NAME = "benchplugin"
HERE = Path(__file__).parent
PAGE_SIZE = 50
VIEW = "tenant:bench_items:view"


class BenchItem(TenantOwned, Timestamped, Base):
    __tablename__ = "bench_items"
    __table_args__ = (
        # keyset pagination: newest first within one tenant
        Index("ix_bench_items_tenant_id_id", "tenant_id", "id"),
        {"info": {"plugin": NAME}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


bp = Blueprint("benchplugin", __name__, template_folder="templates")


def newest_items(before: int | None, limit: int = PAGE_SIZE) -> list[BenchItem]:
    """The current tenant's newest items (the session is already scoped to it)."""
    query = select(BenchItem).order_by(BenchItem.id.desc()).limit(limit)
    if before is not None:
        query = query.where(BenchItem.id < before)
    return list(db_session().scalars(query))


@bp.route("/")
def index():
    if not authorize(VIEW):
        abort(403)
    before = request.args.get("before", type=int)
    items = newest_items(before)
    older = items[-1].id if len(items) == PAGE_SIZE else None
    return render_template(
        "benchplugin/index.html", items=items, tenant=current_tenant(), older=older
    )


api_bp = ApiBlueprint("benchplugin_api", __name__, description="The benchmark's items.")


class ItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)


ItemPage = ma.Schema.from_dict(
    {
        "items": ma.fields.List(ma.fields.Nested(ItemSchema), required=True),
        "next": ma.fields.String(required=True, allow_none=True),
    },
    name="BenchItemPage",
)


@api_bp.route("/items", methods=["GET"])
@api_bp.arguments(PageArgs, location="query")
@api_bp.response(200, ItemPage)
@api_bp.problems(400, 403, 404, 422)
def api_items(args: dict):
    """The tenant's items, newest first (the API twin of the list page)."""
    api_require(VIEW)
    before = api_cursor(args["cursor"])
    rows = newest_items(int(before) if before is not None else None, args["limit"] + 1)
    return api_page(rows, args["limit"], lambda item: item.id)


@hookimpl
def register_manifest() -> PluginManifest:
    return PluginManifest(
        name=NAME,
        title="Benchmark",
        description="A tenant-owned list for the benchmark harness.",
        version="1",
        migrations=HERE / "migrations" / "versions",
    )


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission(
            VIEW,
            "See the benchmark items",
            ("tenant_admin", "coordinator", "contributor", "reader"),
        )
    ]


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [bp]


@hookimpl
def register_api_blueprints() -> list[ApiBlueprint]:
    return [api_bp]


@hookimpl
def register_nav_items(tenant, user) -> list[NavItem]:
    return [NavItem("Ärenden", "benchplugin.index", VIEW, 60)]
