"""Local log-in (password, then the MFA code when the user has MFA), log-out, the second
factor asked of a session that lacks it (step-up), throttling.

Until the code step succeeds the cookie holds only a "pending MFA" marker (the user's id and
session epoch, never a session); :func:`establish_session` runs only once the user is
authenticated, and creates the server-side session (:mod:`samverka.auth.sessions`): the
cookie then holds only that session's random secret. Failed passwords and failed codes both
count towards the throttle. Password reset by e-mail lives in
:mod:`samverka.web.password_reset`.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from samverka import clock
from samverka.audit import logins
from samverka.auth import mfa, sessions, throttle
from samverka.auth.models import User
from samverka.auth.services import authenticate
from samverka.runtime import db_session, runtime
from samverka.web import sso
from samverka.web.account_forms import MfaLoginForm
from samverka.web.context import SESSION_KEY, current_session, current_user
from samverka.web.forms import LoginForm
from samverka.web.signin import establish_session, fresh_session

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
        fresh_session(
            **{
                PENDING_KEY: {
                    "user": user.id,
                    "epoch": user.session_epoch or 0,
                    "next": next_url,
                    "since": int(clock.now().timestamp()),
                }
            }
        )
        return redirect(url_for("auth.login_code"))
    _complete_login(user, second_factor=False)
    return redirect(next_url)


def _complete_login(user: User, *, second_factor: bool) -> None:
    throttle.forget_account(db_session(), user.email)
    logins.login_succeeded(db_session(), user, method="password")
    establish_session(user, second_factor=second_factor)  # commits


def _pending_user() -> User | None:
    """The user whose password was right, while the marker is fresh and no session-ending
    change (password, MFA reset, log out everywhere) happened since."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if clock.now().timestamp() - pending.get("since", 0) > PENDING_SECONDS:
        return None
    user = db_session().get(User, pending.get("user"))
    if user is None or not user.is_active or not user.mfa_enabled:
        return None
    return user if pending.get("epoch") == (user.session_epoch or 0) else None


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    user = _pending_user()
    if user is None:
        fresh_session()
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
            _complete_login(user, second_factor=True)
            return redirect(safe_next(next_url))
        throttle.record_failure(database, throttle_limits(), user.email, address)
        logins.login_failed(database, user=user, reason="wrong_code", method="mfa")
        database.commit()
        form.code.errors = [_("The code is wrong or has already been used.")]
    return render_template("login_code.html", form=form), 200 if not form.errors else 422


@bp.route("/login/verify", methods=["GET", "POST"])
def verify():
    """Step-up: a session without a satisfied second factor (an SSO log-in of someone who
    administers) enters the code from the app; the session row is then marked (and its
    secret renewed)."""
    user, row = current_user(), current_session()
    next_url = safe_next(request.args.get("next"))
    if user is None or row is None:
        return redirect(url_for("auth.login"))
    if row.second_factor_at is not None or not user.mfa_enabled:
        return redirect(next_url)
    form = MfaLoginForm()
    if form.validate_on_submit():
        database, address = db_session(), request.remote_addr or ""
        if throttle.is_throttled(database, throttle_limits(), user.email, address):
            logins.login_failed(
                database, user=user, reason="throttled", outcome="denied", method="mfa"
            )
            database.commit()
            return too_many_attempts("login_code.html", form, step_up=True)
        if mfa.verify_second_factor(database, user, form.code.data):
            secret = sessions.step_up(database, row)
            throttle.forget_account(database, user.email)
            database.commit()
            session[SESSION_KEY] = secret
            return redirect(next_url)
        throttle.record_failure(database, throttle_limits(), user.email, address)
        logins.login_failed(database, user=user, reason="wrong_code", method="mfa")
        database.commit()
        form.code.errors = [_("The code is wrong or has already been used.")]
    page = render_template("login_code.html", form=form, step_up=True)
    return page, 200 if not form.errors else 422


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session on the server (a copy of the cookie is dead too), then the cookie."""

    provider_logout = sso.end_session_url()  # SSO: also end the provider's session
    row = current_session()
    logins.logged_out(db_session(), current_user())
    if row is not None:
        sessions.end(db_session(), row, "logout")
    db_session().commit()
    fresh_session()
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
