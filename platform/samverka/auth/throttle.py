"""Log-in throttling per account and per client address, shared by every web process.

Failures (a wrong password, a wrong MFA code, a wrong current password on the account page)
are rows in ``login_attempts``; a time-window COUNT decides. The database is used rather
than Redis because it is there in every set-up (the demo's Redis is embedded and per
process) and its transactions make the count exact; the rows are few (failures only) and
expire with the window.

The account key is a digest of the lower-cased e-mail address as typed, whether or not the
account exists, so throttling answers alike for both and stores no address in clear.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from samverka import clock
from samverka.auth.models import LoginAttempt


@dataclass(frozen=True)
class Limits:
    per_account: int = 5
    per_address: int = 30
    window_seconds: int = 900

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(
            settings.login_max_account_failures,
            settings.login_max_address_failures,
            settings.login_window_seconds,
        )


def account_key(email: str) -> str:
    return hashlib.sha256((email or "").strip().lower().encode("utf-8")).hexdigest()


def is_throttled(session: Session, limits: Limits, email: str, address: str) -> bool:
    """Whether this account or this address has used up its failures in the window."""
    since = clock.now() - timedelta(seconds=limits.window_seconds)
    recent = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.created_at > since)
    by_account = session.scalar(recent.where(LoginAttempt.account_key == account_key(email)))
    if by_account >= limits.per_account:
        return True
    return session.scalar(recent.where(LoginAttempt.address == _address(address))) >= (
        limits.per_address
    )


def record_failure(session: Session, limits: Limits, email: str, address: str) -> None:
    """Count one failure; rows older than the window go (they can no longer count)."""
    now = clock.now()
    session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.created_at < now - timedelta(seconds=limits.window_seconds)
        )
    )
    session.add(
        LoginAttempt(account_key=account_key(email), address=_address(address), created_at=now)
    )
    session.flush()


def forget_account(session: Session, email: str) -> None:
    """After a complete log-in the account's own failures no longer count (the address's do)."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.account_key == account_key(email)))


def _address(address: str | None) -> str:
    return (address or "unknown")[:64]
