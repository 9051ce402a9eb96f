"""Platform administration: consortia, users, and the deletion of organisations."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from samverka.auth import services as accounts
from samverka.auth.models import User
from samverka.auth.passwords import MIN_PASSWORD_LENGTH
from samverka.errors import NotFound, ValidationError
from samverka.lifecycle import deletion
from samverka.runtime import db_session, runtime
from samverka.tenancy import services as tenancy
from samverka.web.context import current_user, require
from samverka.web.forms import ActionForm, ConsortiumForm, DeletionForm, UserForm, save

DELETE = "platform:tenants:delete"

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

    listing = db_session().scalars(select(User).order_by(User.name)).all()
    return render_template(
        "platform_users.html", form=form, users=listing, min_password_length=MIN_PASSWORD_LENGTH
    ), (422 if form.errors else 200)


@bp.route("/tenants")
def tenants():
    """Every organisation, with its scheduled deletion if any."""
    require(DELETE)
    return render_template(
        "platform_tenants.html",
        tenants=tenancy.list_tenants(db_session()),
        due_date=deletion.due_date,
    )


def _tenant(slug: str):
    try:
        return tenancy.get_tenant(db_session(), slug)
    except NotFound:
        abort(404)


@bp.route("/tenants/<slug>/delete", methods=["GET", "POST"])
def delete_tenant(slug: str):
    """Schedule the deletion: the administrator types the short name to confirm."""
    require(DELETE)
    tenant = _tenant(slug)
    form = DeletionForm()
    grace = runtime().settings.tenant_deletion_grace_days
    if not deletion.is_pending(tenant) and save(
        form,
        lambda: deletion.schedule_deletion(
            db_session(),
            tenant,
            confirm=form.confirm.data,
            grace=timedelta(days=grace),
            requested_by=current_user().id,
        ),
        _("The deletion is scheduled."),
    ):
        return redirect(url_for(".delete_tenant", slug=slug))
    return render_template(
        "platform_tenant_delete.html",
        tenant=tenant,
        form=form,
        cancel_form=ActionForm(),
        grace_days=grace,
        due=deletion.due_date(tenant),
    ), (422 if form.errors else 200)


@bp.route("/tenants/<slug>/cancel-deletion", methods=["POST"])
def cancel_deletion(slug: str):
    require(DELETE)
    tenant = _tenant(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        deletion.cancel_deletion(db_session(), tenant)
    except ValidationError as error:
        db_session().rollback()
        flash(str(error), "error")
    else:
        db_session().commit()
        flash(_("The deletion of %(name)s was cancelled.", name=tenant.name), "success")
    return redirect(url_for(".delete_tenant", slug=slug))
