"""Platform administration: consortia and users."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from samverka.auth import services as accounts
from samverka.auth.passwords import MIN_PASSWORD_LENGTH
from samverka.runtime import db_session
from samverka.tenants import services as tenancy
from samverka.web.context import require
from samverka.web.forms import ConsortiumForm, UserForm, save

bp = Blueprint("platform_admin", __name__, url_prefix="/admin")


@bp.route("/consortia", methods=["GET", "POST"])
def consortia():
    require("platform:consortia:view")
    form = ConsortiumForm()
    if request.method == "POST":
        require("platform:consortia:manage")
        if save(
            form,
            lambda: tenancy.create_consortium(
                db_session(), form.slug.data, form.name.data, form.county_code.data or None
            ),
            _("The consortium was created."),
        ):
            return redirect(url_for(".consortia"))
    listing = tenancy.list_consortia(db_session())
    return render_template("platform_consortia.html", form=form, consortia=listing), (
        422 if form.errors else 200
    )


@bp.route("/users", methods=["GET", "POST"])
def users():
    require("platform:users:manage")
    form = UserForm()
    if save(
        form,
        lambda: accounts.create_user(
            db_session(), form.email.data, form.name.data, form.password.data
        ),
        _("The user was created."),
    ):
        return redirect(url_for(".users"))
    from sqlalchemy import select

    from samverka.auth.models import User

    listing = db_session().scalars(select(User).order_by(User.name)).all()
    return render_template(
        "platform_users.html", form=form, users=listing, min_password_length=MIN_PASSWORD_LENGTH
    ), (422 if form.errors else 200)
