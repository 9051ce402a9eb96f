"""What a user does to their own account: change the password, end every session."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from samverka.audit import record_event
from samverka.auth import sessions, tokens
from samverka.auth.models import User
from samverka.auth.passwords import hash_password, verify_password
from samverka.auth.services import validate_password
from samverka.errors import ValidationError


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Needs the current password (a session left open must not be enough). Every session
    of the user ends (the web gives the browser that made the change a new one) and every
    API token is revoked: whoever may have learnt the old password may have used it to open
    either."""
    if not user.password_hash or not verify_password(user.password_hash, current):
        raise ValidationError(_l("The current password is wrong."), "current_password")
    try:
        validate_password(new)
    except ValidationError as error:
        raise ValidationError(error.message, "new_password") from None
    user.password_hash = hash_password(new)
    session.flush()
    record_event(
        session, "account.password_change", tenant_id=None, target_type="user", target_id=user.id
    )
    end_all_sessions(session, user, "password_change")
    tokens.revoke_all_of_user(session, user, "password_change")


def end_all_sessions(session: Session, user: User, reason: str) -> int:
    """End every session of the user now (server-side: copies of their cookies die too).
    Every path that takes access away from an account calls this: log out everywhere,
    password change and reset, MFA reset, switching the account off."""
    return sessions.end_all(session, user, reason)


def log_out_everywhere(session: Session, user: User) -> None:
    """ "Log out everywhere" (the user, or the operator for them): recorded in the audit log."""
    ended = end_all_sessions(session, user, "logout_everywhere")
    record_event(
        session,
        "auth.logout_everywhere",
        tenant_id=None,
        target_type="user",
        target_id=user.id,
        details={"sessions_ended": ended},
    )
