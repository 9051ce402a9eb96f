"""Forgotten password: a link by e-mail, then a new password.

The request page answers the same whether or not the account exists; the mail is queued in
the same transaction as the link (the transactional outbox) and sent by a worker after the
commit, so the page never waits for SMTP and a rolled-back request mails nothing.

The reset page sends ``Referrer-Policy: no-referrer`` (the token is in its
address) and, on success, sends the user to log in again (with MFA, if they use it).
"""

from __future__ import annotations

import logging

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from samverka.auth import reset
from samverka.auth.models import User
from samverka.auth.passwords import MIN_PASSWORD_LENGTH
from samverka.db import platform_scope, scoped
from samverka.errors import ValidationError
from samverka.jobs.outbox import enqueue
from samverka.runtime import db_session, runtime
from samverka.web.account_forms import ForgotPasswordForm, ResetPasswordForm
from samverka.web.forms import attach_error

bp = Blueprint("password", __name__, url_prefix="/password")
log = logging.getLogger(__name__)


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        settings = runtime().settings
        found = reset.request_reset(db_session(), form.email.data, settings.password_reset_minutes)
        if found is not None:
            _queue_link(*found)
        db_session().commit()
        return render_template("password_sent.html", minutes=settings.password_reset_minutes)
    return render_template("password_forgot.html", form=form), 200 if not form.errors else 422


def _queue_link(user: User, token: str) -> None:
    """The mail in the user's language (Swedish unless they chose another), queued as a
    platform job (no tenant: the user may belong to none); SMTP failures are retried."""
    settings = runtime().settings
    link = settings.link_base_url + url_for("password.reset_password", token=token)
    with force_locale(user.locale or settings.default_locale):
        subject = _("Choose a new password for Samverka")
        body = _(
            "Hello %(name)s,\n\nSomeone, hopefully you, asked to choose a new password for your "
            "Samverka account. Open this link to choose one:\n\n%(link)s\n\nThe link works "
            "once and for %(minutes)d minutes. If you did not ask for it, ignore this message: "
            "your password stays as it is.\n",
            name=user.name,
            link=link,
            minutes=settings.password_reset_minutes,
        )
    # A platform job: queued in the platform's own scope, on purpose (the request has none).
    with scoped(db_session(), platform_scope()) as session:
        enqueue(
            session, "core.send_mail", tenant_id=None, to=user.email, subject=subject, body=body
        )


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        reset.check_link(db_session(), token)
    except reset.ResetLinkError as error:
        return _link_problem(error)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset.complete_reset(db_session(), token, form.new_password.data)
        except ValidationError as error:
            db_session().rollback()
            attach_error(form, ValidationError(error.message, "new_password"))
        except reset.ResetLinkError as error:
            db_session().rollback()
            return _link_problem(error)
        else:
            db_session().commit()
            flash(
                _(
                    "Your password has been changed, every session has ended and your API "
                    "tokens have been revoked. Log in with the new password."
                ),
                "success",
            )
            return redirect(url_for("auth.login"))
    page = render_template(
        "password_reset.html", form=form, min_password_length=MIN_PASSWORD_LENGTH
    )
    return _no_referrer(page, 200 if not form.errors else 422)


def _link_problem(error: reset.ResetLinkError):
    """410 Gone: the link was used, has expired or never existed (the page says which)."""
    return _no_referrer(render_template("password_link_problem.html", problem=error.problem), 410)


def _no_referrer(page: str, status: int):
    response = make_response(page, status)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
