"""Local log-in and log-out (SSO arrives with the identity issue)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from samverka.auth.services import authenticate
from samverka.runtime import db_session
from samverka.web.context import _auth_version
from samverka.web.forms import LoginForm

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only same-site relative paths: an open redirect would help phishing."""
    if not target:
        return url_for("shell.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("shell.index")
    return target


def establish_session(user, **extra: object) -> None:
    """Sign ``user`` in: a fresh session (no fixation), keeping only the chosen language.

    Every way of logging in (password, SSO) ends here; ``extra`` is kept in the session
    (e.g. how the user authenticated).
    """
    locale = session.get("locale")
    session.clear()
    session["user_id"] = user.id
    session["auth_version"] = _auth_version(user)
    session.update(extra)
    if locale:
        session["locale"] = locale


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db_session(), form.email.data, form.password.data)
        if user is not None:
            establish_session(user)
            return redirect(safe_next(request.args.get("next")))
        form.password.errors = [_("Wrong e-mail address or password.")]
    return render_template("login.html", form=form), 200 if not form.errors else 422


@bp.route("/logout", methods=["POST"])
def logout():
    from samverka.web import sso

    provider_logout = sso.end_session_url()  # SSO: also end the provider's session
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
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
