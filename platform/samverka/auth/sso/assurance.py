"""Did the organisation's provider vouch for a second factor?

Administrators must use two-step verification. When they log in through their organisation,
the provider may already have asked for a second factor; it says so in the ID token:

* ``amr`` (RFC 8176, a list of method references): ``mfa`` means more than one factor; an
  organisation may also count e.g. ``otp`` or ``hwk``;
* ``acr`` (one value): an assurance level, e.g. ``http://id.elegnamnden.se/loa/1.0/loa3``.

Each provider lists which values count (``mfa_amr``, default ``["mfa"]``; ``mfa_acr``, none
by default). Only the verified ID token is read, never the userinfo answer: it is the
signed statement about this login. The answer goes to the session as ``second_factor``;
when it is False, administrators are asked for their own TOTP code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samverka.auth.sso.models import IdentityProvider


def vouches_second_factor(provider: IdentityProvider, claims: Mapping[str, Any]) -> bool:
    """True when the ID token's ``amr`` holds a listed method or its ``acr`` is listed."""
    accepted_amr = {v for v in provider.mfa_amr or [] if isinstance(v, str)}
    accepted_acr = {v for v in provider.mfa_acr or [] if isinstance(v, str)}
    methods = claims.get("amr")
    if isinstance(methods, str):  # not per the specification, but unambiguous
        methods = [methods]
    if isinstance(methods, list) and accepted_amr & {m for m in methods if isinstance(m, str)}:
        return True
    level = claims.get("acr")
    return isinstance(level, str) and level in accepted_acr
