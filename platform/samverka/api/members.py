"""A tenant's members and their roles, through the same services as the web and the CLI."""

from __future__ import annotations

from sqlalchemy import select

from samverka.api.access import caller, require
from samverka.api.blueprint import ApiBlueprint
from samverka.api.pagination import PageArgs, decode_cursor, page
from samverka.api.problems import ApiProblem
from samverka.api.schemas import MemberCreateSchema, MemberPage, MemberSchema
from samverka.auth import consortium_grants as grants
from samverka.auth import services as accounts
from samverka.auth.models import User
from samverka.runtime import db_session, runtime
from samverka.tenants.models import Membership

MAX_ID = 2**31 - 1  # ids are INTEGER: a larger one names nothing (and would not bind)
bp = ApiBlueprint(
    "members", __name__, url_prefix="/api/v1/tenants/<tenant>", description="Members and roles."
)


@bp.route("/members", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, MemberPage)
@bp.problems(400, 403, 404, 422)
def list_members(args: dict):
    """The tenant's members with their roles, by user id."""
    require("tenant:members:view")
    tenant = caller().tenant
    after = decode_cursor(args["cursor"])
    ids = (
        select(Membership.user_id)
        .where(Membership.tenant_id == tenant.id)
        .group_by(Membership.user_id)
        .order_by(Membership.user_id)
        .limit(args["limit"] + 1)
    )
    if after is not None:
        ids = ids.where(Membership.user_id > int(after))
    page_ids = list(db_session().scalars(ids))
    return page(members_of(page_ids), args["limit"], lambda m: m["user_id"])


def members_of(user_ids: list[int]) -> list[dict]:
    """The members with these ids and their roles in the current tenant, in id order."""
    if not user_ids:
        return []
    rows = db_session().execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == caller().tenant.id, User.id.in_(user_ids))
        .order_by(User.id, Membership.role)
    )
    members: dict[int, dict] = {}
    for user, role in rows:
        entry = members.setdefault(
            user.id, {"user_id": user.id, "name": user.name, "email": user.email, "roles": []}
        )
        entry["roles"].append(role)
    return list(members.values())


@bp.route("/members", methods=["POST"])
@bp.arguments(MemberCreateSchema)
@bp.response(201, MemberSchema)
@bp.problems(400, 403, 404, 409, 413, 415, 422)
def add_member(body: dict):
    """Give a user a role in the tenant. The user is found among the members of the tenant's
    organisations and its consortium partners only; any other address (unknown, or an
    account elsewhere on the platform) is treated as not found: with ``name`` a new user is
    created when the address is free, without it the answer is the same 422 either way.
    409 when the user already holds the role."""
    require("tenant:members:manage")
    session, tenant = db_session(), caller().tenant
    user = accounts.member_account(session, tenant, body["email"], body.get("name"))
    if body["role"] in roles_held(user.id):
        raise ApiProblem("conflict", f"{user.email} already holds the role {body['role']}.")
    via = grants.grant_source(session, runtime().registry, caller().principal, tenant, user)
    accounts.add_member(session, runtime().registry, user, tenant, body["role"], via_consortium=via)
    session.commit()
    return members_of([user.id])[0]


def roles_held(user_id: int) -> set[str]:
    return set(
        db_session().scalars(
            select(Membership.role).where(
                Membership.tenant_id == caller().tenant.id, Membership.user_id == user_id
            )
        )
    )


@bp.route("/members/<int:user_id>/roles/<role>", methods=["DELETE"])
@bp.response(204)
@bp.problems(403, 404, 409)
def remove_role(user_id: int, role: str):
    """Take one role from a member (the membership ends with its last role). 409 when it is
    the tenant's last administrator's ``tenant_admin``: an organisation always keeps one."""
    require("tenant:members:manage")
    session = db_session()
    try:
        removed = (
            0
            if user_id > MAX_ID
            else accounts.remove_member(session, user_id, caller().tenant, role)
        )
    except accounts.LastAdministrator as error:
        accounts.record_refusal(session, error)
        raise ApiProblem("conflict", str(error)) from None
    if removed == 0:
        raise ApiProblem("not-found", f"User {user_id} does not hold the role {role} here.")
    session.commit()
