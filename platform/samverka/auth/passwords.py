"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile by default).

The test environment switches to argon2's cheapest profile: the algorithm is the same, only
the cost differs, and a suite that logs in hundreds of times stays fast.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()


def use_cheap_hashing(cheap: bool) -> None:
    """Called by the app factory: cheap hashing only for ``env == "testing"``."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST) if cheap else PasswordHasher()
    _dummy_hash.cache_clear()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against for unknown e-mails, so that their login takes as long as a real one."""
    return _hasher.hash("samverka-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
