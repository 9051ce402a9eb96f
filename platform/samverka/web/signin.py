"""Signing a browser in: every way of logging in (password, SSO) and every renewal after a
password change or MFA enrolment ends in :func:`establish_session`. Kept apart from the
log-in pages (:mod:`samverka.web.auth`) and SSO (:mod:`samverka.web.sso`), which both use
it, so that neither imports the other's pages for it."""

from __future__ import annotations

from flask import request, session

from samverka.auth import sessions
from samverka.auth.models import User
from samverka.runtime import db_session
from samverka.tenants.models import Tenant
from samverka.web.context import SESSION_KEY, current_session, lifetimes


def establish_session(
    user: User,
    *,
    method: str = sessions.PASSWORD,
    sso_tenant: Tenant | int | None = None,
    second_factor: bool,
    sso_id_token: str | None = None,
) -> None:
    """Sign ``user`` in: a new server-side session and a fresh cookie (no fixation) holding
    only its secret and the chosen language. Commits (the session must exist before the
    browser is told about it).

    Every way of logging in (password, SSO) ends here. ``sso_tenant`` (the provider's tenant)
    binds the session to that tenant; ``second_factor`` says whether a second factor was
    satisfied (administrators need one before they reach anything).
    """
    tenant_id = sso_tenant.id if isinstance(sso_tenant, Tenant) else sso_tenant
    started = sessions.start(
        db_session(),
        user,
        lifetimes(),
        method=method,
        sso_tenant_id=tenant_id,
        second_factor=second_factor,
        sso_id_token=sso_id_token,
        user_agent=request.user_agent.string,
    )
    db_session().commit()
    fresh_session(**{SESSION_KEY: started.secret})


def renew_session(user: User, *, second_factor: bool | None = None) -> None:
    """After the user's own change ended all their sessions (password change, MFA
    enrolment): a new session for this browser, established as the current one was (same
    method, bound tenant and logout hint: the row object still holds what it was loaded
    with), with its second factor kept or now satisfied."""
    row = current_session()
    establish_session(
        user,
        method=row.method if row is not None else sessions.PASSWORD,
        sso_tenant=row.sso_tenant_id if row is not None else None,
        sso_id_token=row.sso_id_token if row is not None else None,
        second_factor=(
            second_factor
            if second_factor is not None
            else bool(row is not None and row.second_factor_at is not None)
        ),
    )


def fresh_session(**values: object) -> None:
    """An anonymous session holding only ``values`` and the chosen language."""
    locale = session.get("locale")
    session.clear()
    session.update(values)
    if locale:
        session["locale"] = locale
