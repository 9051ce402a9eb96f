"""E-mail addresses as accounts are keyed by them: one normal form, checked once, below both
the user services and the directory (which looks accounts up by address)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from samverka.errors import ValidationError


def _allow_test_domains() -> bool:
    """``.test`` addresses (demo, tests) are fine anywhere but in production."""
    return not (has_app_context() and current_app.extensions["samverka"].settings.is_production)


def normalise_email(email: str) -> str:
    """The address in its normal form (lower case), or a ValidationError on the field."""
    try:
        return validate_email(
            (email or "").strip(),
            check_deliverability=False,
            test_environment=_allow_test_domains(),
        ).normalized.lower()
    except EmailNotValidError:
        raise ValidationError(_l("Enter a valid e-mail address."), "email") from None
