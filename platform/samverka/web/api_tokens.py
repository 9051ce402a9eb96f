"""``/t/<tenant>/api-tokens``: a member's own API tokens; a tenant admin sees all of them.

A new token is shown once, on the page that answers the form (never stored in the session or
a flash message, never sent again).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import Length, NumberRange, Optional

from samverka.auth import tokens
from samverka.auth.token_models import ApiToken
from samverka.errors import ValidationError
from samverka.runtime import db_session, runtime
from samverka.web.context import can, current_user, require
from samverka.web.forms import ActionForm, BaseForm, GovSelect, GovSubmitInput, GovTextInput

bp = Blueprint("api_tokens", __name__, url_prefix="/t/<tenant_slug>/api-tokens")
OWN, ALL = "tenant:api_tokens:own", "tenant:api_tokens:manage"


class TokenForm(BaseForm):
    name = StringField(
        _l("What is the token for?"), widget=GovTextInput(), validators=[Length(max=100)]
    )
    role = SelectField(_l("Act with at most the role"), widget=GovSelect())
    expires = IntegerField(
        _l("Expires after (days, optional)"),
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=1, max=tokens.MAX_EXPIRY_DAYS)],
    )
    submit = SubmitField(_l("Create token"), widget=GovSubmitInput())


def role_choices() -> list[tuple[str, str]]:
    held = tokens.member_roles(db_session(), current_user(), g.tenant)
    labels = {name: str(role.label) for name, role in runtime().registry.roles.items()}
    return [("", _("All my roles here"))] + [(r, labels.get(r, r)) for r in sorted(held)]


@bp.route("/", methods=["GET", "POST"])
def index():
    require(OWN)
    form = TokenForm()
    form.role.choices = role_choices()
    created = None
    if form.validate_on_submit():
        try:
            created = tokens.issue_token(
                db_session(),
                current_user(),
                g.tenant,
                name=form.name.data,
                role=form.role.data or None,
                expires_days=form.expires.data,
            )
        except ValidationError as error:
            db_session().rollback()
            form.form_errors_field().errors = [str(error)]
        else:
            db_session().commit()
            form = TokenForm(formdata=None)
            form.role.choices = role_choices()
    return render_page(form, created), (422 if form.errors else 200)


def render_page(form: TokenForm, created: tokens.IssuedToken | None):
    manage = can(ALL)
    rows = tokens.list_tokens(db_session(), None if manage else current_user())
    return render_template(
        "api_tokens.html",
        form=form,
        created=created,
        rows=rows,
        status=tokens.status,
        aware=tokens.aware,
        role_labels={n: str(r.label) for n, r in runtime().registry.roles.items()},
        manage=manage,
        revoke_form=ActionForm(),
    )


@bp.route("/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int):
    require(OWN)
    found = db_session().get(ApiToken, token_id)
    if found is None or (found.user_id != current_user().id and not can(ALL)):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    tokens.revoke(found)
    db_session().commit()
    flash(_("The token %(name)s is revoked.", name=found.name), "success")
    return redirect(url_for(".index"))
