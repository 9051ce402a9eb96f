"""Log-in and log-out events, recorded in the platform chain (a user is not bound to one
tenant; the SSO organisation is named in the details).

A failed log-in for an address that has no account does not store the address: the target is
a keyed digest of it (HMAC-SHA-256 with the app's secret key, 32 hex digits), so repeated
attempts on one address can be told apart without the log revealing what was typed, even to
someone holding a list of candidate addresses but not the key.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.orm import Session

from samverka.audit.context import USER, acting_as
from samverka.audit.events import DETAIL_TEXT, record_event
from samverka.auth.models import User
from samverka.auth.services import find_user

LOGIN, LOGIN_FAILED, LOGOUT = "auth.login", "auth.login_failed", "auth.logout"


def login_succeeded(session: Session, user: User, *, method: str, **details: object) -> None:
    """A complete log-in (after the MFA code when the user has MFA); the user is the actor."""
    with acting_as(USER, user_id=user.id):
        record_event(
            session,
            LOGIN,
            tenant_id=None,
            target_type="user",
            target_id=user.id,
            details={"method": method, "mfa": bool(user.mfa_enabled), **_plain(details)},
        )


def login_failed(
    session: Session,
    *,
    reason: str,
    email: str | None = None,
    user: User | None = None,
    outcome: str = "failure",
    method: str = "password",
    **details: object,
) -> None:
    """A refused log-in: wrong password or code (``failure``), throttled or refused by SSO
    rules (``denied``). The account is named by id when it exists, else by a keyed digest."""
    if user is None and email is not None:
        user = find_user(session, email)
    if user is not None:
        target_type, target_id = "user", str(user.id)
    elif email is not None:
        target_type, target_id = "account_digest", address_digest(email)
    else:
        target_type, target_id = None, None
    record_event(
        session,
        LOGIN_FAILED,
        tenant_id=None,
        target_type=target_type,
        target_id=target_id,
        outcome=outcome,
        details={"method": method, "reason": reason, **_plain(details)},
    )


def logged_out(session: Session, user: User | None) -> None:
    if user is not None:
        record_event(session, LOGOUT, tenant_id=None, target_type="user", target_id=user.id)


def _plain(details: dict[str, object]) -> dict[str, object]:
    """Details taken from a request (an SSO slug in the URL): kept only if plain names, so
    a crafted URL cannot make the log-in fail or put text into the log."""
    return {
        key: value
        for key, value in details.items()
        if not isinstance(value, str) or DETAIL_TEXT.match(value)
    }


def address_digest(email: str) -> str:
    from flask import current_app

    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    typed = (email or "").strip().lower().encode("utf-8")
    return hmac.new(key, typed, hashlib.sha256).hexdigest()[:32]
