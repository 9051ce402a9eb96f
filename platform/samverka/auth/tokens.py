"""API tokens: issue, verify, revoke.

A token looks like ``svk_<tenant id>_<key>_<secret>`` (hex parts). The prefix makes a leaked
token recognisable to secret scanners; the tenant id lets verification run *inside* the
token's tenant scope, so the ``api_tokens`` row is subject to the same ORM criteria and
PostgreSQL row-level security as any tenant-owned row (no exemption); the key finds the row;
the secret is compared with the stored hash.

Why SHA-256 and not argon2: the secret is 32 random bytes (256 bits), so there is nothing to
guess and no dictionary to slow down — a slow password hash would only cost every API request
tens of milliseconds. A fast hash of a high-entropy secret, compared in constant time, is the
right tool (as GitHub's and Stripe's tokens do).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, object_session, selectinload

from samverka import clock
from samverka.audit import record_event
from samverka.auth.authorization import Principal
from samverka.auth.models import User
from samverka.auth.permissions import PermissionRegistry
from samverka.auth.token_models import ApiToken
from samverka.db import SCOPE_FREE, TenantScope, get_scope, scoped
from samverka.errors import NotFound, ValidationError
from samverka.plugins.services import enabled_plugins_query
from samverka.tenants.models import Membership, Tenant

TOKEN_PREFIX = "svk_"  # noqa: S105 - the public prefix, not a secret
TOKEN_PATTERN = re.compile(r"^svk_([1-9][0-9]{0,9})_([0-9a-f]{16})_([0-9a-f]{64})$")
# last_used_at is written at most this often per token: the hot path mostly only reads.
TOUCH_INTERVAL = timedelta(minutes=1)
MAX_EXPIRY_DAYS = 3650


@dataclass(frozen=True)
class ParsedToken:
    tenant_id: int
    key: str
    secret: str


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its raw value, which exists only here (show it once)."""

    token: ApiToken
    raw: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_token(raw: str) -> ParsedToken | None:
    """The parts of a well-formed token, or None (anything else is simply not a token)."""
    found = TOKEN_PATTERN.match(raw or "")
    if found is None:
        return None
    return ParsedToken(int(found.group(1)), found.group(2), found.group(3))


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes for ``DateTime(timezone=True)``; they are UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def member_roles(session: Session, user: User, tenant: Tenant) -> set[str]:
    """The roles the user holds in the tenant through memberships (the caller's scope must
    include the tenant)."""
    return set(
        session.scalars(
            select(Membership.role).where(
                Membership.tenant_id == tenant.id, Membership.user_id == user.id
            )
        )
    )


def issue_token(
    session: Session,
    user: User,
    tenant: Tenant,
    *,
    name: str = "",
    role: str | None = None,
    expires_days: int | None = None,
) -> IssuedToken:
    """Create a token for ``user`` in ``tenant`` (the session's scope must be the tenant)."""
    name = (name or "").strip() or "API"
    if len(name) > 100:
        raise ValidationError(_l("The name may be at most 100 characters."), "name")
    held = member_roles(session, user, tenant)
    if not held:
        raise ValidationError(
            _l("%(email)s holds no role in %(tenant)s.", email=user.email, tenant=tenant.name),
            "email",
        )
    role = role or None
    if role is not None and role not in held:
        raise ValidationError(
            _l(
                "The token can only be limited to a role the user holds here: %(roles)s.",
                roles=", ".join(sorted(held)),
            ),
            "role",
        )
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise ValidationError(
            _l("A token expires after 1 to %(n)d days.", n=MAX_EXPIRY_DAYS), "expires"
        )
    key, secret = secrets.token_hex(8), secrets.token_hex(32)
    token = ApiToken(
        tenant_id=tenant.id,
        user_id=user.id,
        key=key,
        secret_hash=hash_secret(secret),
        name=name,
        role_cap=role,
        expires_at=clock.now() + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    session.flush()
    record_event(
        session,
        "token.create",
        tenant_id=tenant.id,
        target_type="api_token",
        target_id=token.id,
        details={"user_id": user.id, "role_cap": role, "expires_days": expires_days},
    )
    return IssuedToken(token, f"{TOKEN_PREFIX}{tenant.id}_{key}_{secret}")


@dataclass(frozen=True)
class LiveToken:
    token: ApiToken
    user: User
    tenant: Tenant
    member_roles: frozenset[str]  # the user's membership roles in the tenant, uncapped
    enabled_plugins: frozenset[str]  # the tenant's (installed or not: intersect with the host)


def find_valid(session: Session, parsed: ParsedToken, now: datetime) -> LiveToken | None:
    """The live token (not revoked or expired, its user active) with its user, its tenant,
    the user's membership roles there and the tenant's enabled plugins.

    The session's scope must be ``parsed.tenant_id``: a token quoting another tenant's id is
    not found. One statement, built once (this runs on every API request); the hash is
    compared in constant time.
    """
    row = session.execute(
        _lookup_statement(), {"key": parsed.key, "tenant_id": parsed.tenant_id}
    ).one_or_none()
    if row is None:
        return None
    token, user, tenant, held, plugins = row
    if not hmac.compare_digest(token.secret_hash, hash_secret(parsed.secret)):
        return None
    expires = aware(token.expires_at)
    if token.revoked_at is not None or (expires is not None and expires <= now):
        return None
    if not user.is_active:
        return None
    return LiveToken(token, user, tenant, _names(held), _names(plugins))


@lru_cache(maxsize=1)
def _lookup_statement() -> Select:
    tenant_id = bindparam("tenant_id")
    roles = (
        select(func.aggregate_strings(Membership.role, ","))
        .where(Membership.tenant_id == tenant_id, Membership.user_id == ApiToken.user_id)
        .scalar_subquery()
    )
    enabled = enabled_plugins_query(tenant_id).subquery()
    plugins = select(func.aggregate_strings(enabled.c.plugin, ",")).scalar_subquery()
    return (
        select(ApiToken, User, Tenant, roles, plugins)
        .join(User, User.id == ApiToken.user_id)
        .join(Tenant, Tenant.id == ApiToken.tenant_id)
        .where(ApiToken.key == bindparam("key"), ApiToken.tenant_id == tenant_id)
    )


def _names(joined: str | None) -> frozenset[str]:
    return frozenset((joined or "").split(",")) - {""}


def principal_for(token: ApiToken, registry: PermissionRegistry) -> Principal:
    """The token acts as its user, with at most its role cap, and only as a tenant member:
    roles held above the tenant (consortium or platform administration) do not come along."""
    tenant_roles = frozenset(r.name for r in registry.roles.values() if r.level == "tenant")
    cap = frozenset({token.role_cap}) & tenant_roles if token.role_cap else tenant_roles
    return Principal(user_id=token.user_id, role_cap=cap)


def touch(session: Session, token: ApiToken, now: datetime) -> bool:
    """Record use at most once per :data:`TOUCH_INTERVAL`; True when it wrote (and committed).

    The conditional UPDATE keeps concurrent requests from writing twice.
    """
    last = aware(token.last_used_at)
    if last is not None and now - last < TOUCH_INTERVAL:
        return False
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token.id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOUCH_INTERVAL),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    token.last_used_at = now
    return True


def list_tokens(session: Session, user: User | None = None) -> list[ApiToken]:
    """Tokens in the session's scope (one tenant, or all for the operator), newest first."""
    query = select(ApiToken).options(selectinload(ApiToken.user)).order_by(ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))


def get_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_l("No API token with id %(id)s.", id=token_id))
    return token


def revoke(token: ApiToken, reason: str | None = None) -> None:
    """Revoke now (recorded in the audit log of the token's session)."""
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        details: dict[str, object] = {"user_id": token.user_id}
        if reason is not None:
            details["reason"] = reason
        record_event(
            object_session(token),
            "token.revoke",
            tenant_id=token.tenant_id,
            target_type="api_token",
            target_id=token.id,
            details=details,
        )


def revoke_all_of_user(session: Session, user: User, reason: str) -> int:
    """Revoke every unrevoked token of ``user``, in every tenant (a password change or reset:
    a token opened with a stolen password must not outlive it). Tokens are tenant-owned, so
    this reads them in a scope of every tenant (as the operator's CLI does) and writes each
    revocation to its tenant's audit chain. Returns how many were revoked."""
    tenant_ids = tuple(session.scalars(select(Tenant.id).execution_options(**SCOPE_FREE)))
    if not tenant_ids:
        return 0
    with scoped(session, TenantScope(tenant_ids, get_scope(session).user_id)):
        live = list(
            session.scalars(
                select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            )
        )
        for token in live:
            revoke(token, reason)
        session.flush()
    return len(live)


def status(token: ApiToken, now: datetime | None = None) -> str:
    """active | expired | revoked."""
    now = now or clock.now()
    if token.revoked_at is not None:
        return "revoked"
    expires = aware(token.expires_at)
    return "expired" if expires is not None and expires <= now else "active"


def token_dict(token: ApiToken, tenant_slug: str | None = None) -> dict:
    return {
        "id": token.id,
        "name": token.name,
        "tenant": tenant_slug,
        "user": token.user.email,
        "role": token.role_cap,
        "prefix": f"{TOKEN_PREFIX}{token.tenant_id}_{token.key}",
        "created_at": aware(token.created_at),
        "expires_at": aware(token.expires_at),
        "last_used_at": aware(token.last_used_at),
        "status": status(token),
    }
