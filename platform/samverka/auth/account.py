"""What a user does to their own account: change the password, end every session."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from samverka.audit import record_event
from samverka.auth.models import User
from samverka.auth.passwords import hash_password, verify_password
from samverka.auth.services import validate_password
from samverka.errors import ValidationError


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Needs the current password (a session left open must not be enough); every other
    session ends with the old password."""
    if not user.password_hash or not verify_password(user.password_hash, current):
        raise ValidationError(_l("The current password is wrong."), "current_password")
    try:
        validate_password(new)
    except ValidationError as error:
        raise ValidationError(error.message, "new_password") from None
    user.password_hash = hash_password(new)
    end_all_sessions(user)
    session.flush()
    record_event(
        session, "account.password_change", tenant_id=None, target_type="user", target_id=user.id
    )


def end_all_sessions(user: User) -> None:
    """Bump the session epoch: every session made before ends at its next request."""
    user.session_epoch = (user.session_epoch or 0) + 1


def log_out_everywhere(session: Session, user: User) -> None:
    """ "Log out everywhere" (the user, or the operator for them): recorded in the audit log."""
    end_all_sessions(user)
    record_event(
        session, "auth.logout_everywhere", tenant_id=None, target_type="user", target_id=user.id
    )
