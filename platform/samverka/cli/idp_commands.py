"""``samverka idp set | show | remove``: a tenant's OpenID Connect provider (single sign-on),
and ``samverka idp domain list | approve | reject``: the e-mail domains tenants claim.

``set`` creates the provider, or changes only the options given (the secret is kept unless
``--client-secret-stdin``). The secret is read from standard input, never from an argument
(process lists and shell histories would show it), and no command ever prints it.

The operator is trusted: the domains ``set --domains`` lists are verified at once (a tenant
administrator's claims from the settings page wait for approval), and ``domain approve``
verifies a pending claim (after checking with the organisation that the domain is theirs).
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from samverka.auth.sso import domains as claims
from samverka.auth.sso import services as sso
from samverka.auth.sso.models import VERIFIED_BY_OPERATOR
from samverka.cli.access import operator_requires
from samverka.cli.output import emit, json_option, operation
from samverka.db import TenantScope, scoped
from samverka.errors import NotFound, ValidationError
from samverka.runtime import db_session, runtime
from samverka.tenancy import services as tenancy


def settings_dict(slug: str, settings: sso.ProviderSettings, pending: list[str]) -> dict:
    return {
        "tenant": slug,
        "issuer": settings.issuer,
        "client_id": settings.client_id,
        "client_secret_set": True,  # never the secret itself
        "scopes": settings.scopes,
        "email_claim": settings.email_claim,
        "groups_claim": settings.groups_claim,
        "role_map": settings.role_map,
        "domains": settings.domains,
        "pending_domains": pending,  # claimed, not yet verified: they do nothing
        "mfa_amr": settings.mfa_amr,
        "mfa_acr": settings.mfa_acr,
        "enabled": settings.enabled,
    }


def settings_text(data: dict) -> str:
    roles = ",".join(f"{g}={r}" for g, r in sorted(data["role_map"].items())) or "-"
    return "\n".join(
        [
            f"tenant\t{data['tenant']}",
            f"issuer\t{data['issuer']}",
            f"client_id\t{data['client_id']}",
            f"scopes\t{data['scopes']}",
            f"email_claim\t{data['email_claim']}",
            f"groups_claim\t{data['groups_claim']}",
            f"role_map\t{roles}",
            f"domains\t{','.join(data['domains']) or '-'}",
            f"pending_domains\t{','.join(data['pending_domains']) or '-'}",
            f"mfa_amr\t{','.join(data['mfa_amr']) or '-'}",
            f"mfa_acr\t{','.join(data['mfa_acr']) or '-'}",
            f"enabled\t{'yes' if data['enabled'] else 'no'}",
        ]
    )


@click.group("idp", cls=AppGroup)
def idp() -> None:
    """Single sign-on: a tenant's OpenID Connect provider."""


@idp.command("set")
@click.argument("tenant_slug")
@click.option("--issuer", default=None, help="https:// address of the provider.")
@click.option("--client-id", default=None)
@click.option("--client-secret-stdin", is_flag=True, help="Read the client secret from stdin.")
@click.option("--email-claim", default=None, help="Default: email.")
@click.option("--groups-claim", default=None, help="Default: groups.")
@click.option("--role-map", default=None, help="group=role,... (tenant roles).")
@click.option("--domains", default=None, help="E-mail domains, comma-separated (verified at once).")
@click.option(
    "--mfa-amr", default=None, help='amr values that count as a second factor (default "mfa").'
)
@click.option("--mfa-acr", default=None, help="acr values that count as a second factor.")
@click.option("--scopes", default=None, help='Default: "openid email profile".')
@click.option("--enabled/--disabled", default=None, help="Allow logging in (default: yes).")
@json_option
@operation
def idp_set(tenant_slug: str, client_secret_stdin: bool, as_json: bool, **options) -> None:
    session = db_session()
    target = tenancy.get_tenant(session, tenant_slug)
    with scoped(session, TenantScope.for_tenant(target.id)):
        operator_requires("tenant:identity:manage", tenant=target)
        settings = _merged(sso.current_settings(session, target), options)
        if client_secret_stdin:
            settings.client_secret = sys.stdin.readline().rstrip("\r\n")
            if not settings.client_secret:
                raise ValidationError("no client secret on standard input")
        sso.set_provider(session, runtime().registry, target, settings, trusted=True)
        data = _data(session, target)
    emit(as_json, data, f"Single sign-on set for {target.slug} ({data['issuer']})")


@idp.command("show")
@click.argument("tenant_slug")
@json_option
@operation
def idp_show(tenant_slug: str, as_json: bool) -> None:
    session = db_session()
    target = tenancy.get_tenant(session, tenant_slug)
    with scoped(session, TenantScope.for_tenant(target.id)):
        operator_requires("tenant:identity:manage", tenant=target)
        if sso.get_provider(session, target) is None:
            raise NotFound(f"{target.slug} has no single sign-on provider")
        data = _data(session, target)
    emit(as_json, data, lambda: settings_text(data))


@idp.command("remove")
@click.argument("tenant_slug")
@json_option
@operation
def idp_remove(tenant_slug: str, as_json: bool) -> None:
    session = db_session()
    target = tenancy.get_tenant(session, tenant_slug)
    with scoped(session, TenantScope.for_tenant(target.id)):
        operator_requires("tenant:identity:manage", tenant=target)
        if not sso.remove_provider(session, target):
            raise NotFound(f"{target.slug} has no single sign-on provider")
    emit(
        as_json,
        {"tenant": target.slug, "removed": True},
        f"Single sign-on removed for {target.slug}",
    )


def _data(session, target) -> dict:
    pending = [c.domain for c in claims.tenant_claims(session, target) if not c.verified]
    return settings_dict(target.slug, sso.current_settings(session, target), pending)


@idp.group("domain", cls=AppGroup)
def domain() -> None:
    """E-mail domains claimed for single sign-on: list, approve, reject."""


@domain.command("list")
@click.option("--pending", "pending_only", is_flag=True, help="Only claims awaiting approval.")
@json_option
@operation
def domain_list(pending_only: bool, as_json: bool) -> None:
    operator_requires("platform:identity:manage")
    found = [c.as_dict() for c in claims.all_claims(db_session(), pending_only=pending_only)]
    emit(
        as_json,
        found,
        lambda: (
            "\n".join(f"{c['domain']}\t{c['tenant']}\t{c['status']}" for c in found)
            or "No domains claimed."
        ),
    )


@domain.command("approve")
@click.argument("name")
@json_option
@operation
def domain_approve(name: str, as_json: bool) -> None:
    """Verify a pending claim on NAME (check with the organisation first)."""
    operator_requires("platform:identity:manage")
    session = db_session()
    claim = claims.verify(session, claims.get_claim(session, name), via=VERIFIED_BY_OPERATOR)
    data = claims.describe(session, claim).as_dict()
    emit(as_json, data, f"Verified {data['domain']} for {data['tenant']}")


@domain.command("reject")
@click.argument("name")
@json_option
@operation
def domain_reject(name: str, as_json: bool) -> None:
    """Remove the claim on NAME, pending or verified (the domain is free again)."""
    operator_requires("platform:identity:manage")
    session = db_session()
    claim = claims.get_claim(session, name)
    data = {**claims.describe(session, claim).as_dict(), "status": "rejected"}
    claims.reject(session, claim)
    emit(as_json, data, f"Rejected the claim of {data['tenant']} on {data['domain']}")


def _merged(current: sso.ProviderSettings | None, options: dict) -> sso.ProviderSettings:
    """The stored settings (or the defaults) with the given options applied."""
    settings = current or sso.ProviderSettings(issuer="", client_id="")
    simple = ("issuer", "client_id", "email_claim", "groups_claim", "scopes", "enabled")
    for name in simple:
        if options.get(name) is not None:
            setattr(settings, name, options[name])
    for name in ("mfa_amr", "mfa_acr"):  # an empty string clears the list
        if options.get(name) is not None:
            setattr(settings, name, sso.parse_values(options[name]))
    if options.get("role_map") is not None:
        settings.role_map = sso.parse_role_map(options["role_map"])
    if options.get("domains") is not None:
        settings.domains = sso.parse_domains(options["domains"])
    if current is None and not settings.issuer:
        raise ValidationError("--issuer is required for a new provider", "issuer")
    return settings


def register(cli: click.Group) -> None:
    cli.add_command(idp)
