"""My account: password change, two-step verification (MFA), sessions, log out everywhere.

Changes that end every session (password change, MFA enrolment) give this browser a new
session established as the old one was, so the user stays logged in here; a password change
also revokes the user's API tokens. "Log out everywhere" ends this session too.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from samverka.auth import account, mfa, sessions, throttle
from samverka.auth.passwords import MIN_PASSWORD_LENGTH
from samverka.errors import ValidationError
from samverka.runtime import db_session
from samverka.web.account_forms import ChangePasswordForm, MfaCodeForm, MfaSetupForm
from samverka.web.auth import safe_next, throttle_limits, too_many_attempts
from samverka.web.context import current_session, current_user, lifetimes
from samverka.web.forms import ActionForm, attach_error
from samverka.web.signin import fresh_session, renew_session

bp = Blueprint("account", __name__, url_prefix="/account")


def _user():
    user = current_user()
    if user is None:
        abort(401)
    return user


@bp.route("/")
def overview():
    user = _user()
    database = db_session()
    return render_template(
        "account.html",
        user=user,
        form=ActionForm(),
        is_admin=mfa.requires_mfa(database, user),
        codes_left=mfa.unused_recovery_codes(database, user) if user.mfa_enabled else 0,
        sessions=sessions.active(database, user, lifetimes()),
        this_session=current_session(),
    )


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    user = _user()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        database, address = db_session(), request.remote_addr or ""
        if throttle.is_throttled(database, throttle_limits(), user.email, address):
            return too_many_attempts(
                "account_password.html", form, min_password_length=MIN_PASSWORD_LENGTH
            )
        try:
            account.change_password(
                database, user, form.current_password.data, form.new_password.data
            )
        except ValidationError as error:
            database.rollback()
            if error.field == "current_password":
                throttle.record_failure(database, throttle_limits(), user.email, address)
                database.commit()
            attach_error(form, error)
        else:
            database.commit()
            renew_session(user)  # this browser goes on; every other session has ended
            flash(
                _(
                    "Your password has been changed. Your other sessions have ended and "
                    "your API tokens have been revoked."
                ),
                "success",
            )
            return redirect(url_for("account.overview"))
    page = render_template(
        "account_password.html", form=form, min_password_length=MIN_PASSWORD_LENGTH
    )
    return page, 200 if not form.errors else 422


@bp.route("/logout-everywhere", methods=["POST"])
def logout_everywhere():
    user = _user()
    if not ActionForm().validate_on_submit():
        abort(400)
    account.log_out_everywhere(db_session(), user)
    db_session().commit()
    fresh_session()
    flash(_("You are logged out everywhere."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/mfa/setup", methods=["GET", "POST"])
def mfa_setup():
    user = _user()
    next_url = safe_next(request.args.get("next") or url_for("account.overview"))
    if user.mfa_enabled:
        return redirect(url_for("account.overview"))
    form = MfaSetupForm()
    if form.validate_on_submit():
        try:
            codes = mfa.confirm_enrolment(db_session(), user, form.code.data)
        except ValidationError as error:
            db_session().rollback()
            attach_error(form, error)
        else:
            db_session().commit()
            renew_session(user, second_factor=True)  # enrolment ended the other sessions
            return render_template("mfa_codes.html", codes=codes, next_url=next_url)
    secret = mfa.start_enrolment(user)
    db_session().commit()
    return render_template(
        "mfa_setup.html",
        form=form,
        secret=mfa.grouped(secret),
        qr=mfa.qr_svg(mfa.provisioning_uri(user, secret), _("QR code for the app")),
        required=mfa.requires_mfa(db_session(), user),
    ), 200 if not form.errors else 422


@bp.route("/mfa/recovery-codes", methods=["GET", "POST"])
def mfa_recovery_codes():
    user = _user()
    if not user.mfa_enabled:
        return redirect(url_for("account.overview"))
    form = MfaCodeForm()
    if form.validate_on_submit():
        try:
            codes = mfa.regenerate_recovery_codes(db_session(), user, form.code.data)
        except ValidationError as error:
            db_session().rollback()
            attach_error(form, error)
        else:
            db_session().commit()
            return render_template(
                "mfa_codes.html", codes=codes, next_url=url_for("account.overview")
            )
    return _code_page(form, _("New recovery codes"), _("The old recovery codes stop working."))


@bp.route("/mfa/disable", methods=["GET", "POST"])
def mfa_disable():
    user = _user()
    if not user.mfa_enabled:
        return redirect(url_for("account.overview"))
    form = MfaCodeForm()
    if form.validate_on_submit():
        try:
            mfa.disable(
                db_session(), user, form.code.data, admin=mfa.requires_mfa(db_session(), user)
            )
        except ValidationError as error:
            db_session().rollback()
            attach_error(form, error)
        else:
            db_session().commit()
            flash(_("Two-step verification is off."), "success")
            return redirect(url_for("account.overview"))
    return _code_page(
        form,
        _("Turn off two-step verification"),
        _("Logging in will then need only your password."),
    )


def _code_page(form, title: str, lead: str):
    return render_template("mfa_confirm.html", form=form, title=title, lead=lead), (
        200 if not form.errors else 422
    )
