"""Creating and finding consortia and tenants, with validation that changes nothing on error."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka.audit import record_event
from samverka.db import TenantScope, scoped
from samverka.errors import NotFound, ValidationError
from samverka.tenancy import invitations
from samverka.tenants.models import Consortium, Tenant, TenantKind, consortium_tenants

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# SCB county codes (län) in use since 1998; a municipality code starts with its county's code.
COUNTY_CODES = frozenset(
    "01 03 04 05 06 07 08 09 10 12 13 14 17 18 19 20 21 22 23 24 25".split()  # noqa: SIM905
)


def validate_slug(slug: str) -> str:
    slug = (slug or "").strip()
    if not SLUG_PATTERN.match(slug):
        raise ValidationError(
            _l("The short name may only contain a-z, 0-9 and hyphens (at most 63)."), "slug"
        )
    return slug


def validate_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError(_l("Enter a name (at most 200 characters)."), "name")
    return name


def validate_county_code(code: str | None) -> str | None:
    if code in (None, ""):
        return None
    if code not in COUNTY_CODES:
        raise ValidationError(
            _l("The county code must be a Swedish county code, e.g. 17 for Värmland."),
            "county_code",
        )
    return code


def validate_kind(kind: str) -> TenantKind:
    try:
        return TenantKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in TenantKind)
        raise ValidationError(
            _l(
                "Unknown kind of organisation “%(kind)s”; choose one of: %(allowed)s.",
                kind=kind,
                allowed=allowed,
            ),
            "kind",
        ) from None


def validate_municipality_code(kind: TenantKind, code: str | None) -> str | None:
    code = (code or "").strip() or None
    if kind is not TenantKind.MUNICIPALITY:
        if code is not None:
            raise ValidationError(
                _l("Only municipalities have a municipality code."), "municipality_code"
            )
        return None
    if code is None or not re.fullmatch(r"\d{4}", code):
        raise ValidationError(
            _l("A municipality needs a municipality code of four digits, e.g. 1783."),
            "municipality_code",
        )
    if code[:2] not in COUNTY_CODES:
        raise ValidationError(
            _l("%(code)s does not start with a Swedish county code.", code=code),
            "municipality_code",
        )
    return code


def create_consortium(
    session: Session, slug: str, name: str, county_code: str | None = None
) -> Consortium:
    slug = validate_slug(slug)
    consortium = Consortium(
        slug=slug, name=validate_name(name), county_code=validate_county_code(county_code)
    )
    if session.scalar(select(Consortium.id).where(Consortium.slug == slug)):
        raise ValidationError(_l("The short name %(slug)s is already taken.", slug=slug), "slug")
    session.add(consortium)
    session.flush()
    record_event(
        session,
        "consortium.create",
        tenant_id=None,
        target_type="consortium",
        target_id=consortium.id,
    )
    return consortium


def create_tenant(
    session: Session,
    slug: str,
    name: str,
    kind: str,
    municipality_code: str | None = None,
    population: int | None = None,
    consortia: list[Consortium] | None = None,
) -> Tenant:
    slug = validate_slug(slug)
    tenant_kind = validate_kind(kind)
    code = validate_municipality_code(tenant_kind, municipality_code)
    if population is not None and population < 0:
        raise ValidationError(_l("The population cannot be negative."), "population")
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise ValidationError(_l("The short name %(slug)s is already taken.", slug=slug), "slug")
    if code and session.scalar(select(Tenant.id).where(Tenant.municipality_code == code)):
        raise ValidationError(
            _l("Municipality code %(code)s is already used.", code=code), "municipality_code"
        )
    tenant = Tenant(
        slug=slug,
        name=validate_name(name),
        kind=tenant_kind,
        municipality_code=code,
        population=population,
        consortia=list(consortia or []),
    )
    session.add(tenant)
    session.flush()
    record_event(
        session,
        "tenant.create",
        tenant_id=None,
        target_type="tenant",
        target_id=tenant.id,
        details={"consortium_ids": [c.id for c in tenant.consortia]},
    )
    return tenant


def get_consortium(session: Session, slug: str) -> Consortium:
    consortium = session.scalar(select(Consortium).where(Consortium.slug == slug))
    if consortium is None:
        raise NotFound(_l("No consortium called %(slug)s.", slug=slug))
    return consortium


def get_tenant(session: Session, slug: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound(_l("No organisation called %(slug)s.", slug=slug))
    return tenant


def list_consortia(session: Session) -> list[Consortium]:
    return list(session.scalars(select(Consortium).order_by(Consortium.name)))


def list_tenants(session: Session, consortium: Consortium | None = None) -> list[Tenant]:
    query = select(Tenant).order_by(Tenant.name)
    if consortium is not None:
        query = query.where(Tenant.consortia.contains(consortium))
    return list(session.scalars(query))


def consortia_of(
    session: Session, tenant: Tenant, *, after: str | None = None, limit: int | None = None
) -> list[Consortium]:
    """The consortia ``tenant`` belongs to, by slug (``after``: the last slug of the previous
    page). An organisation's directory is its own consortia: one it is not in is unknown to it."""
    query = (
        select(Consortium)
        .join(consortium_tenants, consortium_tenants.c.consortium_id == Consortium.id)
        .where(consortium_tenants.c.tenant_id == tenant.id)
        .order_by(Consortium.slug)
    )
    if after is not None:
        query = query.where(Consortium.slug > after)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def consortium_of(session: Session, tenant: Tenant, slug: str) -> Consortium | None:
    """The consortium ``slug`` if ``tenant`` is a member; None for any other, known or not
    (the answer must not tell a consortium the tenant is not in from one that does not exist)."""
    return session.scalar(
        select(Consortium)
        .join(consortium_tenants, consortium_tenants.c.consortium_id == Consortium.id)
        .where(Consortium.slug == slug, consortium_tenants.c.tenant_id == tenant.id)
    )


def members_by_slug(session: Session, consortium: Consortium) -> list[Tenant]:
    """The consortium's member organisations, by slug (one query)."""
    return list(
        session.scalars(
            select(Tenant)
            .join(consortium_tenants, consortium_tenants.c.tenant_id == Tenant.id)
            .where(consortium_tenants.c.consortium_id == consortium.id)
            .order_by(Tenant.slug)
        )
    )


def add_to_consortium(session: Session, tenant: Tenant, consortium: Consortium) -> None:
    """Make ``tenant`` a member at once: the operator's way (the command line is trusted with
    the whole platform). Web and API users invite instead (:mod:`samverka.tenancy.invitations`):
    membership gives the consortium's administrators a role in the tenant."""
    if consortium not in tenant.consortia:
        tenant.consortia.append(consortium)
        session.flush()
        invitations.settle_for_member(session, consortium, tenant)
        invitations.record_membership(
            session, "consortium.tenant_add", tenant, consortium, {"via": "operator"}
        )


def remove_from_consortium(session: Session, tenant: Tenant, consortium: Consortium) -> None:
    """The consortium removes a member; plugins only that consortium offered stop being
    available to it, and the consortium's administrators lose their role in it at once."""
    invitations.remove(session, tenant, consortium)


def tenants_outside(session: Session, consortium: Consortium) -> list[Tenant]:
    """Organisations the consortium could invite: their names and kinds only (the platform's
    directory is shared); nothing else of theirs is within the consortium's reach."""
    return [t for t in list_tenants(session) if consortium not in t.consortia]


def tenant_by_id(session: Session, tenant_id: int) -> Tenant | None:
    """The tenant row (name, slug, municipality code, consortia) where there is no request."""
    return session.get(Tenant, tenant_id)


def tenant_by_slug(session: Session, slug: str) -> Tenant | None:
    """The tenant row with ``slug`` (None if there is none): for CLI commands."""
    return session.scalar(select(Tenant).where(Tenant.slug == slug))


def tenant_scope(session: Session, tenant_id: int):
    """``with tenant_scope(session, id):`` act as that one tenant (CLI commands, seeding):
    reads and writes are scoped to it as in its own requests."""
    return scoped(session, TenantScope.for_tenant(tenant_id))
