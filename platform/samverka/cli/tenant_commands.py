"""``samverka consortium …``, ``tenant …``, ``user …`` and ``member …``."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from flask.cli import AppGroup

from samverka.audit import record_event
from samverka.auth import services as accounts
from samverka.cli.access import operator_requires
from samverka.cli.output import emit, json_option, operation
from samverka.db import TenantScope, platform_scope, scoped
from samverka.errors import ValidationError
from samverka.lifecycle import deletion
from samverka.lifecycle.export import write_archive
from samverka.runtime import db_session, runtime
from samverka.tenancy import services as tenancy
from samverka.tenants.models import TenantKind


def consortium_dict(c) -> dict:
    return {
        "slug": c.slug,
        "name": c.name,
        "county_code": c.county_code,
        "tenants": [t.slug for t in c.tenants],
    }


def tenant_dict(t) -> dict:
    return {
        "slug": t.slug,
        "name": t.name,
        "kind": t.kind.value,
        "municipality_code": t.municipality_code,
        "population": t.population,
        "consortia": [c.slug for c in t.consortia],
        "deletion_due": t.deletion_due_at.date().isoformat() if t.deletion_due_at else None,
    }


@click.group("consortium", cls=AppGroup)
def consortium() -> None:
    """Consortia: organisations that work together."""


@consortium.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--county-code", default=None, help="Two-digit county code, e.g. 17.")
@json_option
@operation
def consortium_create(slug: str, name: str, county_code: str | None, as_json: bool) -> None:
    operator_requires("platform:consortia:manage")
    created = tenancy.create_consortium(db_session(), slug, name, county_code)
    emit(as_json, consortium_dict(created), f"Created consortium {created.slug}")


@consortium.command("list")
@json_option
@operation
def consortium_list(as_json: bool) -> None:
    operator_requires("platform:consortia:view")
    rows = tenancy.list_consortia(db_session())
    emit(
        as_json,
        [consortium_dict(c) for c in rows],
        lambda: "\n".join(
            f"{c.slug}\t{c.name}\t{c.county_code or '-'}\t{len(c.tenants)}" for c in rows
        ),
    )


@consortium.command("admin-add")
@click.argument("email")
@click.argument("slug")
@json_option
@operation
def consortium_admin_add(email: str, slug: str, as_json: bool) -> None:
    session = db_session()
    target = tenancy.get_consortium(session, slug)
    operator_requires("consortium:admins:manage", consortium=target)
    user = accounts.get_user(session, email)
    accounts.add_consortium_admin(session, user, target)
    emit(
        as_json,
        {"email": user.email, "consortium": target.slug},
        f"{user.email} administers {target.slug}",
    )


@consortium.command("add-tenant")
@click.argument("slug")
@click.argument("tenant_slug")
@json_option
@operation
def consortium_add_tenant(slug: str, tenant_slug: str, as_json: bool) -> None:
    """Add an existing organisation to a consortium (e.g. Polisen to a second one)."""
    session = db_session()
    group = tenancy.get_consortium(session, slug)
    operator_requires("consortium:tenants:manage", consortium=group)
    member = tenancy.get_tenant(session, tenant_slug)
    # Direct, unlike the web's invitations: the operator is trusted with the whole platform.
    # Platform work (0 in the scope), so that an open invitation of the pair is closed too.
    with scoped(session, platform_scope((member.id,))):
        tenancy.add_to_consortium(session, member, group)
    emit(as_json, consortium_dict(group), f"{member.slug} is a member of {group.slug}")


@consortium.command("remove-tenant")
@click.argument("slug")
@click.argument("tenant_slug")
@json_option
@operation
def consortium_remove_tenant(slug: str, tenant_slug: str, as_json: bool) -> None:
    session = db_session()
    group = tenancy.get_consortium(session, slug)
    operator_requires("consortium:tenants:manage", consortium=group)
    member = tenancy.get_tenant(session, tenant_slug)
    tenancy.remove_from_consortium(session, member, group)
    emit(as_json, consortium_dict(group), f"{member.slug} left {group.slug}")


@click.group("tenant", cls=AppGroup)
def tenant() -> None:
    """Tenants: the organisations on the platform."""


@tenant.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--kind", required=True, help=", ".join(k.value for k in TenantKind))
@click.option("--municipality-code", default=None)
@click.option("--population", type=int, default=None)
@click.option("--consortium", "consortia", multiple=True, help="Repeat for several.")
@json_option
@operation
def tenant_create(slug, name, kind, municipality_code, population, consortia, as_json) -> None:
    session = db_session()
    groups = [tenancy.get_consortium(session, s) for s in consortia]
    for group in groups:
        operator_requires("consortium:tenants:manage", consortium=group)
    if not groups:
        operator_requires("platform:consortia:manage")
    created = tenancy.create_tenant(
        session, slug, name, kind, municipality_code, population, groups
    )
    emit(as_json, tenant_dict(created), f"Created tenant {created.slug}")


@tenant.command("list")
@click.option("--consortium", "consortium_slug", default=None)
@json_option
@operation
def tenant_list(consortium_slug: str | None, as_json: bool) -> None:
    session = db_session()
    group = tenancy.get_consortium(session, consortium_slug) if consortium_slug else None
    if group is not None:
        operator_requires("consortium:tenants:view", consortium=group)
    else:
        operator_requires("platform:consortia:view")
    rows = tenancy.list_tenants(session, group)
    emit(
        as_json,
        [tenant_dict(t) for t in rows],
        lambda: "\n".join(
            f"{t.slug}\t{t.name}\t{t.kind.value}\t{t.municipality_code or '-'}" for t in rows
        ),
    )


@tenant.command("export")
@click.argument("slug")
@click.option(
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The zip file to write (must not exist yet).",
)
@json_option
@operation
def tenant_export(slug: str, output: Path, as_json: bool) -> None:
    """Write everything the organisation owns into one zip archive (runs here, at once)."""
    session = db_session()
    target = tenancy.get_tenant(session, slug)
    if output.exists():
        raise ValidationError(f"{output} already exists; choose a new file")
    with scoped(session, TenantScope.for_tenant(target.id)):
        operator_requires("tenant:archive:export", tenant=target)
        record_event(
            session,
            "tenant.archive_request",
            tenant_id=target.id,
            target_type="tenant",
            target_id=target.id,
            details={"via": "cli"},
        )
        partial = output.with_name(f".{output.name}.partial")
        try:
            with partial.open("wb") as out:
                written = write_archive(session, target, out)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    emit(
        as_json,
        {"tenant": target.slug, "output": str(output), "files": len(written.files)},
        f"Wrote the archive of {target.slug} to {output} ({len(written.files)} files)",
    )


@tenant.command("delete")
@click.argument("slug")
@click.option(
    "--grace-days",
    type=click.IntRange(min=0),
    default=None,
    help="Days until the deletion (default SAMVERKA_TENANT_DELETION_GRACE_DAYS); 0: now.",
)
@json_option
@operation
def tenant_delete(slug: str, grace_days: int | None, as_json: bool) -> None:
    """Schedule the deletion of an organisation and all it owns (0 days: delete it now)."""
    operator_requires("platform:tenants:delete")
    session = db_session()
    target = tenancy.get_tenant(session, slug)
    days = runtime().settings.tenant_deletion_grace_days if grace_days is None else grace_days
    deletion.schedule_deletion(session, target, confirm=slug, grace=timedelta(days=days))
    if days == 0:
        gone = deletion.delete_tenant(session, target)
        emit(as_json, {"tenant": gone.slug, "deleted": True}, f"Deleted tenant {gone.slug}")
        return
    emit(
        as_json,
        {"tenant": target.slug, "deleted": False, "due": deletion.due_date(target)},
        f"Tenant {target.slug} will be deleted on {deletion.due_date(target)}",
    )


@tenant.command("cancel-deletion")
@click.argument("slug")
@json_option
@operation
def tenant_cancel_deletion(slug: str, as_json: bool) -> None:
    """Take back a scheduled deletion during its grace period."""
    operator_requires("platform:tenants:delete")
    session = db_session()
    target = tenancy.get_tenant(session, slug)
    deletion.cancel_deletion(session, target)
    emit(as_json, {"tenant": target.slug, "pending": False}, f"{target.slug} will not be deleted")


@click.group("user", cls=AppGroup)
def user() -> None:
    """User accounts."""


@user.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--platform-admin", is_flag=True)
@json_option
@operation
def user_create(email, name, password_stdin, platform_admin, as_json) -> None:
    operator_requires("platform:users:manage")
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ValidationError("no password on standard input")
    created = accounts.create_user(
        db_session(), email, name, password, platform_admin=platform_admin
    )
    emit(
        as_json,
        {"email": created.email, "name": created.name, "platform_admin": created.is_platform_admin},
        f"Created user {created.email}",
    )


@click.group("member", cls=AppGroup)
def member() -> None:
    """Memberships: a user's roles in a tenant."""


@member.command("add")
@click.argument("email")
@click.argument("tenant_slug")
@click.option("--role", required=True)
@json_option
@operation
def member_add(email: str, tenant_slug: str, role: str, as_json: bool) -> None:
    session = db_session()
    target = tenancy.get_tenant(session, tenant_slug)
    with scoped(session, TenantScope.for_tenant(target.id)):
        operator_requires("tenant:members:manage", tenant=target)
        person = accounts.get_user(session, email)
        accounts.add_member(session, runtime().registry, person, target, role)
    emit(
        as_json,
        {"email": person.email, "tenant": target.slug, "role": role},
        f"{person.email} is {role} in {target.slug}",
    )


@member.command("remove")
@click.argument("email")
@click.argument("tenant_slug")
@click.option("--role", default=None, help="Only this role (default: every role there).")
@click.option(
    "--allow-no-admin",
    is_flag=True,
    help="Remove the organisation's last administrator all the same (audited).",
)
@json_option
@operation
def member_remove(
    email: str, tenant_slug: str, role: str | None, allow_no_admin: bool, as_json: bool
) -> None:
    """Take a role (or every role) from a user. The tenant's last administrator is kept
    unless ``--allow-no-admin``: an organisation without one needs the platform to repair it."""
    session = db_session()
    target = tenancy.get_tenant(session, tenant_slug)
    with scoped(session, TenantScope.for_tenant(target.id)):
        operator_requires("tenant:members:manage", tenant=target)
        if allow_no_admin:
            operator_requires(accounts.LEAVE_WITHOUT_ADMIN, tenant=target)
        person = accounts.get_user(session, email)
        try:
            removed = accounts.remove_member(
                session, person.id, target, role, leave_without_admin=allow_no_admin
            )
        except accounts.LastAdministrator as error:
            accounts.record_refusal(session, error)
            raise
        if removed == 0:
            raise ValidationError(
                f"{person.email} holds no {role or 'role'} in {target.slug}", "role"
            )
    emit(
        as_json,
        {"email": person.email, "tenant": target.slug, "role": role, "removed": removed},
        f"{person.email}: {removed} role(s) removed in {target.slug}",
    )


def register(cli: click.Group) -> None:
    for group in (consortium, tenant, user, member):
        cli.add_command(group)
