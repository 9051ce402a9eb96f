"""Forms of the records pages: a record form generated from its type's ``FieldSpec``s, the
share form, the upload form and the list filter.

Validation of a record's values is the services' (:func:`samverka.records.types.validate`):
the forms only carry the values and the CSRF token, so the web and the API give the same
messages and the form shows every bad field at once. Choice fields therefore do not check
their choices here (``validate_choice=False``): an unknown value reaches the service and
comes back as a Swedish field error.

A type's field ``name`` becomes the form field ``field_<name>``, so that no type can clash
with the form's own ``title``, ``classification``, ``version`` or ``csrf_token``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from govuk_frontend_wtf import wtforms_widgets as gov
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)

from samverka.classification import LABELS, Classification
from samverka.records.types import FieldKind, FieldSpec, RecordType
from samverka.web.forms import BaseForm, GovSelect, GovSubmitInput, GovTextArea, GovTextInput

PREFIX = "field_"
RADIO_LIMIT = 5  # up to this many choices as radios, more as a select


class GovRadios(gov.GovRadioInput):
    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if "errorMessage" in params:
            params["errorMessage"]["visuallyHiddenText"] = _("Error")
        return params


class GovCheckbox(gov.GovCheckboxInput):
    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if "errorMessage" in params:
            params["errorMessage"]["visuallyHiddenText"] = _("Error")
        return params


class GovFile(gov.GovFileInput):
    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if "errorMessage" in params:
            params["errorMessage"]["visuallyHiddenText"] = _("Error")
        return params


def form_name(field_name: str) -> str:
    return PREFIX + field_name


def classification_choices() -> list[tuple[str, str]]:
    return [(level.value, str(LABELS[level])) for level in Classification]


class RecordFormBase(BaseForm):
    """Title and classification; the type's fields are added by :func:`record_form_class`."""

    title = StringField(_l("Title"), widget=GovTextInput())
    classification = SelectField(
        _l("Classification"),
        widget=GovSelect(),
        choices=classification_choices,
        validate_choice=False,
    )
    version = HiddenField()
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    record_type: RecordType
    spec_fields: tuple[FieldSpec, ...] = ()

    def type_fields(self) -> list:
        return [self[form_name(spec.name)] for spec in self.spec_fields]

    def values(self) -> dict[str, Any]:
        """The type's fields as the services take them ("" clears a field)."""
        data: dict[str, Any] = {}
        for spec in self.spec_fields:
            value = self[form_name(spec.name)].data
            if spec.kind is FieldKind.BOOLEAN:
                data[spec.name] = bool(value)
            else:
                data[spec.name] = "" if value is None else value
        return data

    def show_errors(self, errors: Mapping[str, Any]) -> None:
        """Field errors from :class:`RecordValidationError` on their form fields."""
        for name, message in errors.items():
            target = self._fields.get(form_name(name)) or self.title
            target.errors = [*list(target.errors or []), str(message)]


def _field_for(spec: FieldSpec):
    hint = {"text": str(spec.help)} if spec.help else None
    label = spec.label if spec.required else _l("%(label)s (optional)", label=spec.label)
    kwargs: dict[str, Any] = {"description": hint["text"] if hint else ""}
    if spec.kind is FieldKind.LONGTEXT:
        return TextAreaField(label, widget=GovTextArea(), **kwargs)
    if spec.kind is FieldKind.BOOLEAN:
        return BooleanField(spec.label, widget=GovCheckbox(), **kwargs)
    if spec.kind is FieldKind.CHOICE:
        pairs = spec.choice_pairs

        def options() -> list[tuple[str, str]]:  # a callable: labels in the request's locale
            return [(value, str(text)) for value, text in pairs]

        if len(pairs) <= RADIO_LIMIT:
            return RadioField(
                label, widget=GovRadios(), choices=options, validate_choice=False, **kwargs
            )
        return SelectField(
            label,
            widget=GovSelect(),
            choices=lambda: [("", _("Choose")), *options()],
            validate_choice=False,
            **kwargs,
        )
    return StringField(label, widget=GovTextInput(), **kwargs)


def record_form_class(record_type: RecordType, specs: Iterable[FieldSpec]) -> type:
    """A form class for ``record_type`` with the fields in ``specs`` (the ones the user may
    see: personal fields are left out for roles that may not read them)."""
    specs = tuple(specs)
    attrs: dict[str, Any] = {"record_type": record_type, "spec_fields": specs}
    for spec in specs:
        attrs[form_name(spec.name)] = _field_for(spec)
    return type(f"RecordForm_{record_type.name.replace('.', '_')}", (RecordFormBase,), attrs)


def input_params(spec: FieldSpec) -> dict[str, Any]:
    """GOV.UK parameters per kind: widths, numeric keyboards, the date hint."""
    if spec.kind is FieldKind.INTEGER:
        return {"classes": "govuk-input--width-10", "inputmode": "numeric"}
    if spec.kind is FieldKind.DECIMAL:
        return {"classes": "govuk-input--width-10", "inputmode": "decimal"}
    if spec.kind is FieldKind.DATE:
        return {"classes": "govuk-input--width-10", "hint": {"text": _("For example 2026-03-31")}}
    if spec.kind is FieldKind.TEXT and spec.max_length and spec.max_length <= 50:
        return {"classes": "govuk-input--width-20"}
    return {}


class ChooseTypeForm(BaseForm):
    """Read from the query string: the type of a new record."""

    class Meta:
        csrf = False

    type = RadioField(
        _l("What kind of record?"), widget=GovRadios(), choices=[], validate_choice=False
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class ShareForm(BaseForm):
    receiver = SelectField(_l("Share with"), widget=GovSelect(), choices=[], validate_choice=False)
    ground = TextAreaField(
        _l("Disclosure ground"),
        widget=GovTextArea(),
        description=_l(
            "The legal ground for disclosing the record, e.g. the section of the Public "
            "Access to Information and Secrecy Act (OSL). Required for confidential and "
            "sensitive records unless there is a consent reference."
        ),
    )
    consent_reference = StringField(
        _l("Consent reference (optional)"),
        widget=GovTextInput(),
        description=_l("Where the consent is kept, e.g. a case number."),
    )
    valid_from = StringField(
        _l("Valid from (optional)"),
        widget=GovTextInput(),
        description=_l("YYYY-MM-DD. Leave empty to start now."),
    )
    valid_until = StringField(
        _l("Valid until (optional)"),
        widget=GovTextInput(),
        description=_l("YYYY-MM-DD, the last day. Leave empty to share until revoked."),
    )
    submit = SubmitField(_l("Share the record"), widget=GovSubmitInput())


class RevokeForm(BaseForm):
    reason = StringField(
        _l("Reason (optional)"),
        widget=GovTextInput(),
        description=_l("A few words, e.g. the case is closed."),
    )
    submit = SubmitField(_l("Revoke the share"), widget=GovSubmitInput())


class UploadForm(BaseForm):
    file = FileField(_l("Attach a file"), widget=GovFile())
    submit = SubmitField(_l("Upload"), widget=GovSubmitInput())


class FilterForm(BaseForm):
    """The list's filter (GET: bookmarkable, no CSRF for a read)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), widget=GovTextInput())
    type = SelectField(_l("Type"), widget=GovSelect(), choices=[], validate_choice=False)
    submit = SubmitField(_l("Search and filter"), widget=GovSubmitInput())
