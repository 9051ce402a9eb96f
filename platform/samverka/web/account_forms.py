"""Forms of the account pages: MFA codes, password change, forgotten password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from samverka.web.forms import BaseForm, GovPasswordInput, GovSubmitInput, GovTextInput


def _code_field(label=None) -> StringField:
    return StringField(
        label or _l("Code"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter the code.")), Length(max=40)],
    )


class MfaLoginForm(BaseForm):
    code = _code_field()
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class MfaSetupForm(BaseForm):
    code = _code_field(_l("Code from the app"))
    submit = SubmitField(_l("Turn on two-step verification"), widget=GovSubmitInput())


class MfaCodeForm(BaseForm):
    """Confirms an MFA change (new recovery codes, turning MFA off) with a current code."""

    code = _code_field()
    submit = SubmitField(_l("Confirm"), widget=GovSubmitInput())


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(
        _l("Current password"),
        widget=GovPasswordInput(),
        validators=[DataRequired(_l("Enter your current password."))],
    )
    new_password = PasswordField(
        _l("New password"),
        widget=GovPasswordInput(),
        validators=[DataRequired(_l("Enter a new password."))],
    )
    submit = SubmitField(_l("Change password"), widget=GovSubmitInput())


class ForgotPasswordForm(BaseForm):
    email = StringField(
        _l("E-mail address"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)],
    )
    submit = SubmitField(_l("Send link"), widget=GovSubmitInput())


class ResetPasswordForm(BaseForm):
    new_password = PasswordField(
        _l("New password"),
        widget=GovPasswordInput(),
        validators=[DataRequired(_l("Enter a new password."))],
    )
    submit = SubmitField(_l("Save the new password"), widget=GovSubmitInput())
