"""Local log-in (password, then the MFA code when the user has MFA), log-out, throttling.

Until the second step succeeds the session holds only a "pending MFA" marker (the user's id
under ``mfa_pending``, never ``user_id``); :func:`establish_session` runs only once the user
is fully authenticated. Failed passwords and failed codes both count towards the throttle.
Password reset by e-mail lives in :mod:`samverka.web.password_reset`.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from samverka.audit import logins
from samverka.auth import clock, mfa, throttle
from samverka.auth.models import User
from samverka.auth.services import authenticate
from samverka.runtime import db_session, runtime
from samverka.web.account_forms import MfaLoginForm
from samverka.web.context import _auth_version, current_user
from samverka.web.forms import LoginForm

bp = Blueprint("auth", __name__)

PENDING_KEY = "mfa_pending"
PENDING_SECONDS = 300  # the code must follow the password within five minutes


def safe_next(target: str | None) -> str:
    """Only same-site relative paths: an open redirect would help phishing.

    Anything a browser or ``urlsplit`` might read differently from how it is checked here
    is refused as a whole (the start page instead): control characters (CR/LF would split
    the ``Location`` header), whitespace, backslashes (browsers read ``/\\evil`` as
    ``//evil``), and any target that does not survive ``urlsplit``/``urlunsplit`` unchanged.
    """
    home = url_for("shell.index")
    if not target or not target.startswith("/") or target.startswith("//"):
        return home
    if "\\" in target or any(unicodedata.category(ch)[0] in "CZ" for ch in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or urlunsplit(parts) != target:
        return home
    return target


def establish_session(user, **extra: object) -> None:
    """Sign ``user`` in: a fresh session (no fixation), keeping only the chosen language.

    Every way of logging in (password, SSO) ends here; ``extra`` is kept in the session
    (e.g. how the user authenticated).
    """
    _fresh_session(user_id=user.id, auth_version=_auth_version(user), **extra)


def _fresh_session(**values: object) -> None:
    """An anonymous session holding only ``values`` and the chosen language."""
    locale = session.get("locale")
    session.clear()
    session.update(values)
    if locale:
        session["locale"] = locale


def throttle_limits() -> throttle.Limits:
    return throttle.Limits.from_settings(runtime().settings)


def too_many_attempts(template: str, form, **context: object):
    """429 with a message that says nothing about whether the account exists."""
    form.form_errors_field().errors = [_("Too many failed attempts. Wait a while and try again.")]
    return render_template(template, form=form, **context), 429


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        database, address = db_session(), request.remote_addr or ""
        if throttle.is_throttled(database, throttle_limits(), form.email.data, address):
            logins.login_failed(
                database, email=form.email.data, reason="throttled", outcome="denied"
            )
            database.commit()
            return too_many_attempts("login.html", form)
        user = authenticate(database, form.email.data, form.password.data)
        if user is not None:
            return _after_password(user, safe_next(request.args.get("next")))
        throttle.record_failure(database, throttle_limits(), form.email.data, address)
        logins.login_failed(database, email=form.email.data, reason="wrong_password")
        database.commit()
        form.password.errors = [_("Wrong e-mail address or password.")]
    return render_template("login.html", form=form), 200 if not form.errors else 422


def _after_password(user: User, next_url: str):
    """With MFA: the pending marker and the code page. Without: logged in (administrators
    without MFA are then sent to enrolment by ``web/context.py``)."""
    if user.mfa_enabled:
        _fresh_session(
            **{
                PENDING_KEY: {
                    "user": user.id,
                    "version": _auth_version(user),
                    "next": next_url,
                    "since": int(clock.now().timestamp()),
                }
            }
        )
        return redirect(url_for("auth.login_code"))
    _complete_login(user)
    return redirect(next_url)


def _complete_login(user: User) -> None:
    establish_session(user)
    throttle.forget_account(db_session(), user.email)
    logins.login_succeeded(db_session(), user, method="password")
    db_session().commit()


def _pending_user() -> User | None:
    """The user whose password was right, while the marker is fresh and still matches."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if clock.now().timestamp() - pending.get("since", 0) > PENDING_SECONDS:
        return None
    user = db_session().get(User, pending.get("user"))
    if user is None or not user.is_active or not user.mfa_enabled:
        return None
    return user if pending.get("version") == _auth_version(user) else None


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    user = _pending_user()
    if user is None:
        _fresh_session()
        flash(_("Log in again."), "info")
        return redirect(url_for("auth.login"))
    form = MfaLoginForm()
    if form.validate_on_submit():
        database, address = db_session(), request.remote_addr or ""
        if throttle.is_throttled(database, throttle_limits(), user.email, address):
            logins.login_failed(
                database, user=user, reason="throttled", outcome="denied", method="mfa"
            )
            database.commit()
            return too_many_attempts("login_code.html", form)
        if mfa.verify_second_factor(database, user, form.code.data):
            next_url = session[PENDING_KEY]["next"]
            _complete_login(user)
            return redirect(safe_next(next_url))
        throttle.record_failure(database, throttle_limits(), user.email, address)
        logins.login_failed(database, user=user, reason="wrong_code", method="mfa")
        database.commit()
        form.code.errors = [_("The code is wrong or has already been used.")]
    return render_template("login_code.html", form=form), 200 if not form.errors else 422


@bp.route("/logout", methods=["POST"])
def logout():
    from samverka.web import sso

    provider_logout = sso.end_session_url()  # SSO: also end the provider's session
    logins.logged_out(db_session(), current_user())
    db_session().commit()
    _fresh_session()
    if provider_logout is None:
        flash(_("You are logged out."), "success")
        return redirect(url_for("auth.login"))
    return render_template(
        "onward.html",
        target=provider_logout,
        title=_("You are logged out of Samverka"),
        explanation=_("Your organisation's login is ending its session too."),
        link_text=_("Continue to your organisation's logout"),
    )
