"""Password reset by e-mail: a random, short-lived, single-use link.

The token is 256 random bits; only its SHA-256 digest is stored, with the user and a marker
of the password it may replace, so the link dies when the password changes by any way.
Completing a reset sets the password, ends every session of the user, revokes their API
tokens (whoever knew the old password may have opened either) and uses the link up with a
conditional UPDATE (two tabs cannot both use it).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from enum import Enum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from samverka import clock
from samverka.audit import record_event
from samverka.auth import sessions, throttle, tokens
from samverka.auth.models import PasswordResetToken, User
from samverka.auth.passwords import hash_password
from samverka.auth.services import find_user, validate_password
from samverka.errors import SamverkaError

MAX_LINKS_PER_WINDOW = 3  # per account: "forgot password" cannot flood someone's inbox
LINK_WINDOW = timedelta(minutes=15)


class LinkProblem(Enum):
    INVALID = "invalid"
    USED = "used"
    EXPIRED = "expired"


class ResetLinkError(SamverkaError):
    """The link cannot be used; ``problem`` says why (the page explains it in Swedish)."""

    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def request_reset(session: Session, email: str, minutes: int) -> tuple[User, str] | None:
    """A new link for an active account, or None (unknown, inactive or too many lately);
    the caller answers the same either way."""
    user = find_user(session, email)
    if user is None or not user.is_active or _recent_links(session, user) >= MAX_LINKS_PER_WINDOW:
        return None
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=_digest(token),
            password_marker=password_marker(user),
            expires_at=clock.now() + timedelta(minutes=minutes),
            created_at=clock.now(),
        )
    )
    session.flush()
    _record(session, "account.password_reset_request", user)
    return user, token


def check_link(session: Session, token: str) -> tuple[PasswordResetToken, User]:
    """The link's row and user, or :class:`ResetLinkError` saying why it cannot be used."""
    row = session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _digest(token))
    )
    user = session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or not user.is_active:
        raise ResetLinkError(LinkProblem.INVALID)
    if row.used_at is not None or row.password_marker != password_marker(user):
        raise ResetLinkError(LinkProblem.USED)
    if clock.aware(row.expires_at) <= clock.now():
        raise ResetLinkError(LinkProblem.EXPIRED)
    return row, user


def complete_reset(session: Session, token: str, new_password: str) -> User:
    """Set the new password through a valid link; every session of the user ends and every
    API token of theirs is revoked."""
    row, user = check_link(session, token)
    validate_password(new_password)
    claimed = session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ResetLinkError(LinkProblem.USED)
    user.password_hash = hash_password(new_password)
    throttle.forget_account(session, user.email)
    session.flush()
    _record(session, "account.password_reset", user)
    sessions.end_all(session, user, "password_reset")
    tokens.revoke_all_of_user(session, user, "password_reset")
    return user


def _record(session: Session, action: str, user: User) -> None:
    record_event(session, action, tenant_id=None, target_type="user", target_id=user.id)


def password_marker(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode("utf-8")).hexdigest()


def _recent_links(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count())
        .select_from(PasswordResetToken)
        .where(
            PasswordResetToken.user_id == user.id,
            PasswordResetToken.created_at > clock.now() - LINK_WINDOW,
        )
    )


def _digest(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()
