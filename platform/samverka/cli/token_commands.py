"""``samverka token …``: API tokens bound to a user in one tenant."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from samverka.auth import services as accounts
from samverka.auth import tokens
from samverka.cli.access import operator_requires
from samverka.cli.output import emit, json_option, operation
from samverka.db import TenantScope, scoped
from samverka.runtime import db_session
from samverka.tenancy import services as tenancy
from samverka.tenants.models import Tenant


@click.group("token", cls=AppGroup)
def token() -> None:
    """API tokens: bound to a user in one tenant, shown once, stored hashed."""


@token.command("create")
@click.argument("email")
@click.option("--tenant", "tenant_slug", required=True, help="The only tenant it can reach.")
@click.option("--role", default=None, help="Act with at most this role of the user's.")
@click.option("--expires", "expires_days", type=int, default=None, help="Days until it expires.")
@click.option("--name", default="", help="What the token is for.")
@json_option
@operation
def token_create(email, tenant_slug, role, expires_days, name, as_json) -> None:
    """Issue a token for EMAIL in one tenant; it is printed once and stored hashed."""
    session = db_session()
    target = tenancy.get_tenant(session, tenant_slug)
    with scoped(session, TenantScope.for_tenant(target.id)):
        operator_requires("tenant:api_tokens:manage", tenant=target)
        user = accounts.get_user(session, email)
        issued = tokens.issue_token(
            session,
            user,
            target,
            name=name,
            role=role,
            expires_days=expires_days,
        )
        data = {**tokens.token_dict(issued.token, target.slug), "token": issued.raw}
    emit(
        as_json,
        data,
        lambda: (
            f"API token {data['id']} for {user.email} in {target.slug} "
            f"(shown only now; keep it secret):\n{issued.raw}"
        ),
    )


def all_tenants_scope() -> TenantScope:
    """The operator's view across tenants (tokens are tenant-owned rows)."""
    ids = db_session().scalars(select(Tenant.id).order_by(Tenant.id))
    return TenantScope(tuple(ids))


@token.command("revoke")
@click.argument("token_id", type=int)
@json_option
@operation
def token_revoke(token_id: int, as_json: bool) -> None:
    """Revoke token ID at once (it answers 401 from the next request on)."""
    session = db_session()
    with scoped(session, all_tenants_scope()):
        found = tokens.get_token(session, token_id)
        target = session.get(Tenant, found.tenant_id)
        operator_requires("tenant:api_tokens:manage", tenant=target)
        tokens.revoke(found)
        session.flush()
        data = tokens.token_dict(found, target.slug)
    emit(as_json, data, f"Revoked API token {token_id}")


@token.command("list")
@click.option("--tenant", "tenant_slug", default=None)
@json_option
@operation
def token_list(tenant_slug: str | None, as_json: bool) -> None:
    """Tokens (never their secrets): id, tenant, user, role cap, status, prefix, name."""
    session = db_session()
    if tenant_slug is not None:
        target = tenancy.get_tenant(session, tenant_slug)
        scope, slugs = TenantScope.for_tenant(target.id), {target.id: target.slug}
    else:
        scope = all_tenants_scope()
        slugs = {row.id: row.slug for row in session.execute(select(Tenant.id, Tenant.slug))}
    with scoped(session, scope):
        rows = tokens.list_tokens(session)
        for tenant_id in {row.tenant_id for row in rows} | set(scope.tenant_ids[:1]):
            operator_requires("tenant:api_tokens:manage", tenant=session.get(Tenant, tenant_id))
        data = [tokens.token_dict(row, slugs.get(row.tenant_id)) for row in rows]
    emit(
        as_json,
        data,
        lambda: (
            "\n".join(
                f"{d['id']}\t{d['tenant']}\t{d['user']}\t{d['role'] or '-'}\t{d['status']}\t"
                f"{d['prefix']}\t{d['name']}"
                for d in data
            )
            or "no API tokens"
        ),
    )


def register(cli: click.Group) -> None:
    cli.add_command(token)
