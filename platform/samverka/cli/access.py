"""The CLI's operator asks the same authorisation function as the web and the API."""

from __future__ import annotations

from samverka.auth.authorization import Principal, authorize
from samverka.errors import Forbidden
from samverka.runtime import db_session, runtime


def operator_requires(action: str, **context) -> None:
    if not authorize(db_session(), runtime().registry, Principal.operator(), action, **context):
        raise Forbidden(f"the operator may not {action}")
