"""Forms (Flask-WTF: CSRF on every form) rendered with GOV.UK Frontend widgets."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf import wtforms_widgets as gov
from wtforms import (
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from samverka.errors import ValidationError
from samverka.runtime import db_session
from samverka.tenants.models import KIND_LABELS, TenantKind


class _Localised:
    """GOV.UK widgets with their built-in English texts replaced by translated ones."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if "errorMessage" in params:
            params["errorMessage"]["visuallyHiddenText"] = _("Error")
        return params


class GovTextInput(_Localised, gov.GovTextInput):
    pass


class GovSelect(_Localised, gov.GovSelect):
    pass


class GovTextArea(_Localised, gov.GovTextArea):
    pass


class GovSubmitInput(gov.GovSubmitInput):
    pass


class GovPasswordInput(_Localised, gov.GovPasswordInput):
    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.update(
            showPasswordText=_("Show"),
            hidePasswordText=_("Hide"),
            showPasswordAriaLabelText=_("Show password"),
            hidePasswordAriaLabelText=_("Hide password"),
            passwordShownAnnouncementText=_("Your password is visible"),
            passwordHiddenAnnouncementText=_("Your password is hidden"),
        )
        return params


def parse_config(text: str | None) -> dict:
    """The JSON a configuration form carries; a Swedish message when it is not an object."""
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError as error:
        raise ValidationError(
            _(
                "The configuration is not valid JSON (line %(line)d, column %(col)d).",
                line=error.lineno,
                col=error.colno,
            ),
            "config",
        ) from None
    if not isinstance(value, dict):
        raise ValidationError(_("The configuration must be a JSON object."), "config")
    return value


def save(form: FlaskForm, change: Callable[[], object], done: str) -> bool:
    """Apply a valid form's change in one transaction.

    On a :class:`ValidationError` from the services the transaction rolls back (nothing
    already stored is lost) and the message shows on the form; on success it commits and
    flashes ``done``. True when the change was committed.
    """
    from flask import flash

    if not form.validate_on_submit():
        return False
    try:
        change()
    except ValidationError as error:
        db_session().rollback()
        attach_error(form, error)
        return False
    db_session().commit()
    flash(done, "success")
    return True


def attach_error(form: FlaskForm, error: ValidationError) -> None:
    """Show a service's validation error on the form field it concerns."""
    field = getattr(form, error.field, None) if error.field else None
    target = field if field is not None else form.form_errors_field()
    target.errors = [*list(target.errors or []), str(error)]


class BaseForm(FlaskForm):
    """A form that can carry errors that belong to no single field."""

    def form_errors_field(self):
        return next(iter(self._fields.values()))


class LoginForm(BaseForm):
    email = StringField(
        _l("E-mail address"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter your e-mail address."))],
    )
    password = PasswordField(
        _l("Password"),
        widget=GovPasswordInput(),
        validators=[DataRequired(_l("Enter your password."))],
    )
    submit = SubmitField(_l("Log in"), widget=GovSubmitInput())


class ConsortiumForm(BaseForm):
    name = StringField(
        _l("Name"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter a name.")), Length(max=200)],
    )
    slug = StringField(
        _l("Short name (used in addresses)"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter a short name."))],
    )
    county_code = StringField(
        _l("County code (optional)"), widget=GovTextInput(), validators=[Optional()]
    )
    submit = SubmitField(_l("Create consortium"), widget=GovSubmitInput())


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, KIND_LABELS[kind]) for kind in TenantKind]


class TenantForm(BaseForm):
    name = StringField(
        _l("Name"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter a name.")), Length(max=200)],
    )
    slug = StringField(
        _l("Short name (used in addresses)"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter a short name."))],
    )
    kind = SelectField(_l("Kind of organisation"), widget=GovSelect(), choices=kind_choices)
    municipality_code = StringField(
        _l("Municipality code (municipalities only)"),
        widget=GovTextInput(),
        validators=[Optional()],
    )
    population = IntegerField(
        _l("Population (optional)"),
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=0)],
    )
    submit = SubmitField(_l("Add organisation"), widget=GovSubmitInput())


class MemberForm(BaseForm):
    email = StringField(
        _l("E-mail address"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter an e-mail address."))],
    )
    name = StringField(_l("Name (for a new user)"), widget=GovTextInput(), validators=[Optional()])
    role = SelectField(_l("Role"), widget=GovSelect())
    submit = SubmitField(_l("Add member"), widget=GovSubmitInput())


class ConsortiumAdminForm(BaseForm):
    email = StringField(
        _l("E-mail address"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter an e-mail address."))],
    )
    submit = SubmitField(_l("Appoint administrator"), widget=GovSubmitInput())


class PluginConfigForm(BaseForm):
    config = TextAreaField(_l("Configuration (JSON)"), widget=GovTextArea())
    submit = SubmitField(_l("Save and enable"), widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """A bare form for one-button POST actions (CSRF only)."""


class DeletionForm(BaseForm):
    confirm = StringField(
        _l("Type the organisation's short name to confirm"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Type the organisation's short name to confirm."))],
    )
    submit = SubmitField(_l("Schedule the deletion"), widget=GovSubmitInput())


class UserForm(BaseForm):
    email = StringField(
        _l("E-mail address"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter an e-mail address."))],
    )
    name = StringField(
        _l("Name"), widget=GovTextInput(), validators=[DataRequired(_l("Enter a name."))]
    )
    password = PasswordField(
        _l("Password"),
        widget=GovPasswordInput(),
        validators=[DataRequired(_l("Enter a password."))],
    )
    submit = SubmitField(_l("Create user"), widget=GovSubmitInput())


__all__ = [
    "ActionForm",
    "ConsortiumForm",
    "DeletionForm",
    "LoginForm",
    "MemberForm",
    "PluginConfigForm",
    "TenantForm",
    "UserForm",
    "attach_error",
]
