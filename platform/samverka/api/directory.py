"""Consortia and tenants, as the token's tenant sees them.

Visibility (decided here, documented in the README): ``/tenants`` lists only the token's own
tenant, and ``/tenants/{tenant}`` of any other answers 404. ``/consortia`` lists the consortia
the token's tenant belongs to; the detail of one of them names its member organisations
(slug, name, kind — the directory the members already know from working together), nothing
more. A consortium the tenant is not in answers 404.
"""

from __future__ import annotations

from samverka.api.access import caller, require
from samverka.api.blueprint import ApiBlueprint
from samverka.api.me import tenant_ref
from samverka.api.pagination import PageArgs, decode_cursor, page
from samverka.api.problems import ApiProblem
from samverka.api.schemas import ConsortiumDetailSchema, ConsortiumPage, TenantPage, TenantSchema
from samverka.runtime import db_session
from samverka.tenancy import services as tenancy
from samverka.tenants.models import Tenant

bp = ApiBlueprint(
    "directory", __name__, url_prefix="/api/v1", description="Consortia and organisations."
)
DIRECTORY = "tenant:directory:view"


@bp.route("/consortia", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, ConsortiumPage)
@bp.problems(400, 403, 422)
def consortia(args: dict):
    """The consortia the token's tenant belongs to, by slug."""
    require(DIRECTORY)
    after = decode_cursor(args["cursor"])
    rows = tenancy.consortia_of(
        db_session(),
        caller().tenant,
        after=None if after is None else str(after),
        limit=args["limit"] + 1,
    )
    return page(rows, args["limit"], lambda c: c.slug)


@bp.route("/consortia/<consortium>", methods=["GET"])
@bp.response(200, ConsortiumDetailSchema)
@bp.problems(403, 404)
def consortium(consortium: str):
    """One of the tenant's consortia, with the names of its member organisations."""
    require(DIRECTORY)
    session = db_session()
    found = tenancy.consortium_of(session, caller().tenant, consortium)
    if found is None:
        raise ApiProblem("not-found", f"No consortium called {consortium}.")
    return {
        "slug": found.slug,
        "name": found.name,
        "county_code": found.county_code,
        "members": [tenant_ref(t) for t in tenancy.members_by_slug(session, found)],
    }


@bp.route("/tenants", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, TenantPage)
@bp.problems(400, 403, 422)
def tenants(args: dict):
    """The organisations this token can reach: only its own."""
    require(DIRECTORY)
    after = decode_cursor(args["cursor"])
    own = caller().tenant
    rows = [own] if after is None or own.slug > str(after) else []
    return page([tenant_dict(t) for t in rows], args["limit"], lambda t: t["slug"])


@bp.route("/tenants/<tenant>", methods=["GET"])
@bp.response(200, TenantSchema)
@bp.problems(403, 404)
def tenant():
    """The token's organisation (any other answers 404)."""
    require(DIRECTORY)
    return tenant_dict(caller().tenant)


def tenant_dict(t: Tenant) -> dict:
    return {
        **tenant_ref(t),
        "municipality_code": t.municipality_code,
        "population": t.population,
        "consortia": sorted(c.slug for c in t.consortia),
    }
