"""Two-step verification: TOTP (RFC 6238, pyotp) and single-use recovery codes.

Why these rules:

* The seed is stored encrypted (``EncryptedText``); while enrolling it is stored but not
  confirmed, so a reload of the enrolment page shows the same QR code.
* A code is accepted once: the last accepted time step is remembered and claimed with a
  conditional UPDATE, so two web processes cannot both accept the same code.
* Recovery codes carry 80 random bits, so a SHA-256 digest suffices to store them; each is
  claimed with a conditional UPDATE too (single use, also under concurrency).
* Platform, consortium and tenant administrators must use MFA (:func:`requires_mfa`) in
  every session: the web checks the session's second factor on every request
  (``web/context.py``), however the session was established.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import ColumnElement, bindparam, delete, exists, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from samverka import clock
from samverka.audit import record_event
from samverka.auth import sessions
from samverka.auth.models import ConsortiumAdmin, RecoveryCode, User
from samverka.db import SCOPE_FREE, TenantScope, get_scope, scoped
from samverka.errors import ValidationError
from samverka.tenants.models import Membership

ISSUER = "Samverka"
RECOVERY_CODE_COUNT = 10
ADMIN_TENANT_ROLES = ("tenant_admin",)
TOTP_DIGITS = 6


def administers_anything(user_id: Any) -> ColumnElement[bool]:
    """Whether the user administers a consortium or a tenant anywhere (``user_id`` may be a
    bind parameter; the request path asks it together with its other lookups)."""
    return or_(
        exists().where(ConsortiumAdmin.user_id == user_id),
        exists().where(
            Membership.user_id == user_id,
            Membership.role.in_(ADMIN_TENANT_ROLES),
        ),
    )


# Built once (with a bound user id), so each request only executes it: it runs on every
# request outside a tenant of a user without MFA (web/context.py).
_ADMIN_QUERY = select(administers_anything(bindparam("user_id")))


def requires_mfa(session: Session, user: User) -> bool:
    """Administrators at any level must use two-step verification."""
    if user.is_platform_admin:
        return True
    params = {"user_id": user.id}
    if get_scope(session).user_id == user.id:  # the user's own memberships are visible
        return bool(session.scalar(_ADMIN_QUERY, params))
    with scoped(session, TenantScope((), user.id)):
        return bool(session.scalar(_ADMIN_QUERY, params))


def start_enrolment(user: User) -> str:
    """The seed to show: the pending one (a reload shows the same QR code) or a new one."""
    if user.mfa_enabled:
        raise ValidationError(_l("Two-step verification is already on."))
    if user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()
        user.totp_last_step = None
    return user.totp_secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> Markup:
    """The otpauth URI as an inline SVG QR code (no image request, no third party)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=4, dark="#0b0c0c", light="#ffffff", title=title
    )
    # segno writes the markup itself and XML-escapes the title; the URI is only encoded.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704


def grouped(secret: str) -> str:
    """The seed in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(session: Session, user: User, code: str) -> list[str]:
    """Turn MFA on once the app shows a right code; returns the new recovery codes."""
    if user.mfa_enabled or user.totp_secret is None:
        raise ValidationError(_l("Start the set-up again."), "code")
    if not verify_totp(session, user, code):
        raise ValidationError(_l("The code is wrong or has already been used."), "code")
    user.totp_confirmed_at = clock.now()
    sessions.end_all(session, user, "mfa_enrolment")  # sessions without the factor end
    _record(session, "mfa.enrol", user)
    return replace_recovery_codes(session, user)


def verify_second_factor(session: Session, user: User, code: str) -> bool:
    """A TOTP code (six digits) or an unused recovery code; either is then used up."""
    cleaned = _clean(code)
    if not user.mfa_enabled or not cleaned:
        return False
    if cleaned.isdigit() and len(cleaned) == TOTP_DIGITS:
        return verify_totp(session, user, cleaned)
    return use_recovery_code(session, user, cleaned)


def verify_totp(session: Session, user: User, code: str) -> bool:
    """A right code for a time step later than the last one accepted (claimed atomically)."""
    step = _matching_step(user.totp_secret or "", _clean(code), clock.now())
    if step is None:
        return False
    claimed = session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False, **SCOPE_FREE)
    ).rowcount
    if claimed != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def _matching_step(secret: str, code: str, moment: datetime) -> int | None:
    """The time step whose code this is, allowing one step of clock drift either way."""
    if not secret or not code.isdigit() or len(code) != TOTP_DIGITS:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(moment)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def replace_recovery_codes(session: Session, user: User) -> list[str]:
    """New recovery codes (shown once); the old ones stop working."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(code)) for code in codes)
    session.flush()
    return codes


def use_recovery_code(session: Session, user: User, code: str) -> bool:
    claimed = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    return claimed == 1


def unused_recovery_codes(session: Session, user: User) -> int:
    return len(
        session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def regenerate_recovery_codes(session: Session, user: User, code: str) -> list[str]:
    if not verify_second_factor(session, user, code):
        raise ValidationError(_l("The code is wrong or has already been used."), "code")
    _record(session, "mfa.recovery_codes_replace", user)
    return replace_recovery_codes(session, user)


def disable(session: Session, user: User, code: str, *, admin: bool) -> None:
    """Turn MFA off with a valid code; administrators may not (they would be sent straight
    back to enrolment)."""
    if admin:
        raise ValidationError(_l("Administrators must use two-step verification."), "code")
    if not verify_second_factor(session, user, code):
        raise ValidationError(_l("The code is wrong or has already been used."), "code")
    _remove(session, user)
    _record(session, "mfa.disable", user)


def reset(session: Session, user: User) -> int:
    """Remove the seed and the recovery codes (the operator's path when a device is lost)
    and end every session of the user (whoever has the device may be in one). Returns how
    many sessions ended."""
    _remove(session, user)
    _record(session, "mfa.reset", user)
    return sessions.end_all(session, user, "mfa_reset")


def _record(session: Session, action: str, user: User) -> None:
    record_event(session, action, tenant_id=None, target_type="user", target_id=user.id)


def _remove(session: Session, user: User) -> None:
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()


def _new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()  # 80 bits
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _clean(code: str | None) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()


def _digest(code: str) -> str:
    return hashlib.sha256(_clean(code).encode("ascii", "ignore")).hexdigest()
