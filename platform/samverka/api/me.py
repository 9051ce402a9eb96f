"""``GET /api/v1/me``: who the token acts as, where, and with which roles."""

from __future__ import annotations

from samverka.api.access import caller
from samverka.api.blueprint import ApiBlueprint
from samverka.api.schemas import MeSchema

bp = ApiBlueprint("me", __name__, url_prefix="/api/v1", description="The token itself.")


@bp.route("/me", methods=["GET"])
@bp.response(200, MeSchema)
@bp.problems()
def me():
    """The token's user, its tenant and its effective roles.

    Needs no permission beyond a live token: it describes the token to its holder.
    """
    who = caller()
    return {
        "user": who.user,
        "tenant": tenant_ref(who.tenant),
        "roles": sorted(who.roles),
        "token": {
            "id": who.token.id,
            "name": who.token.name,
            "role": who.token.role_cap,
            "expires_at": who.token.expires_at,
        },
    }


def tenant_ref(tenant) -> dict:
    return {"slug": tenant.slug, "name": tenant.name, "kind": tenant.kind.value}
