"""Server-side sessions: start, find, keep alive, step up, end.

Why a table and not a signed cookie: a signed cookie cannot be taken back. With the
session in the database, log-out ends it for whoever holds a copy of the cookie, "log out
everywhere", a password change or reset and an MFA reset end every session of the user, and
idle and absolute lifetimes are enforced by the server. The cookie holds only a random
secret (256 bits); the table holds its SHA-256 digest, so a leaked table or backup opens no
session. What a session may do is decided by what established it: ``method`` (password or
SSO), the SSO provider's tenant (:attr:`UserSession.sso_tenant_id` binds the session to that
tenant, see :class:`samverka.auth.authorization.Principal`) and whether a second factor was
satisfied (``second_factor_at``; administrators need one, see ``web/context.py``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from samverka import clock
from samverka.audit import record_event
from samverka.auth.models import User
from samverka.auth.session_models import UserSession
from samverka.db import SCOPE_FREE
from samverka.runtime import runtime

PASSWORD, SSO = "password", "sso"
METHODS = frozenset({PASSWORD, SSO})
# last_seen_at is written at most this often per session: most requests only read the row.
TOUCH_INTERVAL = timedelta(minutes=1)
# Ended and expired rows are kept this long (the account page and support can see them),
# then the periodic purge deletes them.
KEEP_ENDED = timedelta(days=7)
USER_AGENT_MAX = 200


@dataclass(frozen=True)
class Lifetimes:
    """How long a session lives without a request (idle) and at most (absolute)."""

    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_settings(cls, settings) -> Lifetimes:
        return cls(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_max_hours),
        )


@dataclass(frozen=True)
class Started:
    """A new session row and the secret for the cookie (which exists only here)."""

    row: UserSession
    secret: str


def digest(secret: str) -> str:
    return hashlib.sha256((secret or "").encode("utf-8")).hexdigest()


def start(
    session: Session,
    user: User,
    lifetimes: Lifetimes,
    *,
    method: str,
    sso_tenant_id: int | None = None,
    second_factor: bool = False,
    sso_id_token: str | None = None,
    user_agent: str | None = None,
) -> Started:
    """A new session for ``user``; an SSO session names the tenant that vouched for it."""
    if method not in METHODS:
        raise ValueError(f"unknown session method {method!r}")
    if (method == SSO) != (sso_tenant_id is not None):
        raise ValueError("an SSO session, and only one, names the provider's tenant")
    now = clock.now()
    secret = secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user.id,
        secret_hash=digest(secret),
        method=method,
        sso_tenant_id=sso_tenant_id,
        second_factor_at=now if second_factor else None,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetimes.absolute,
        sso_id_token=sso_id_token if method == SSO else None,
        user_agent=(user_agent or "")[:USER_AGENT_MAX] or None,
    )
    session.add(row)
    session.flush()
    return Started(row, secret)


def is_live(row: UserSession, now: datetime, lifetimes: Lifetimes) -> bool:
    """Not ended, not past its absolute expiry, and used within the idle lifetime."""
    return (
        row.ended_at is None
        and clock.aware(row.expires_at) > now
        and clock.aware(row.last_seen_at) + lifetimes.idle > now
    )


def touch(session: Session, row: UserSession, now: datetime) -> bool:
    """Record use at most once per :data:`TOUCH_INTERVAL` (the caller commits); True when
    it wrote. Conditional, so concurrent requests write once."""
    if now - clock.aware(row.last_seen_at) < TOUCH_INTERVAL:
        return False
    session.execute(
        update(UserSession)
        .where(UserSession.id == row.id, UserSession.last_seen_at <= now - TOUCH_INTERVAL)
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False, **SCOPE_FREE)
    )
    return True


def step_up(session: Session, row: UserSession) -> str:
    """The second factor was satisfied in this session: mark it, and give the session a new
    secret (a cookie copied before the step does not inherit the stronger session)."""
    secret = secrets.token_urlsafe(32)
    row.secret_hash = digest(secret)
    row.second_factor_at = clock.now()
    session.flush()
    record_event(
        session,
        "auth.second_factor",
        tenant_id=None,
        target_type="user",
        target_id=row.user_id,
        details={"method": row.method},
    )
    return secret


def end(session: Session, row: UserSession, reason: str) -> None:
    """End one session now (log-out): a copy of its cookie is dead from the next request."""
    if row.ended_at is None:
        row.ended_at = clock.now()
        row.end_reason = reason
        row.sso_id_token = None
        session.flush()


def end_all(session: Session, user: User, reason: str, *, keep: UserSession | None = None) -> int:
    """End every live session of ``user`` (but ``keep``, the one the user acts in, when the
    change is their own and the session goes on). Also bumps the user's session epoch, so a
    log-in waiting for its MFA code dies too. Returns how many sessions ended."""
    query = (
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=clock.now(), end_reason=reason, sso_id_token=None)
        .execution_options(synchronize_session=False, **SCOPE_FREE)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    ended = session.execute(query).rowcount
    user.session_epoch = (user.session_epoch or 0) + 1
    session.flush()
    return ended


def active(session: Session, user: User, lifetimes: Lifetimes) -> list[UserSession]:
    """The user's live sessions, newest first (the account page lists them)."""
    now = clock.now()
    rows = session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.expires_at > now,
        )
        .order_by(UserSession.created_at.desc(), UserSession.id.desc())
        .execution_options(**SCOPE_FREE)
    )
    return [row for row in rows if is_live(row, now, lifetimes)]


def purge(session: Session, now: datetime, lifetimes: Lifetimes | None = None) -> int:
    """Delete sessions ended, expired or idle for longer than :data:`KEEP_ENDED` (a periodic
    job: the table would otherwise grow with every log-in)."""
    if lifetimes is None:
        lifetimes = Lifetimes.from_settings(runtime().settings)
    cutoff = now - KEEP_ENDED
    return session.execute(
        delete(UserSession)
        .where(
            or_(
                UserSession.ended_at < cutoff,
                UserSession.expires_at < cutoff,
                UserSession.last_seen_at < cutoff - lifetimes.idle,
            )
        )
        .execution_options(synchronize_session=False, **SCOPE_FREE)
    ).rowcount
