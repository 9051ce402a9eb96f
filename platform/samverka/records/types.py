"""Record types: what fields a kind of record has, how it is classified, kept and shared.

The core and plugins declare types through the ``register_record_types`` hook; the host
collects them at start-up into one :class:`RecordTypeRegistry`. :func:`validate` turns raw
input (an API body, a form, the CLI) into the cleaned data stored on a record, or raises a
:class:`RecordValidationError` that names every bad field at once, so a form can mark them
all and nothing is stored.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from samverka.classification import Classification
from samverka.errors import ValidationError

TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}\.[a-z][a-z0-9_]{0,60}$")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
SHARING_KINDS = frozenset({"tenant", "consortium"})
DEFAULT_MAX_LENGTH = {"text": 500, "longtext": 100_000}
TRUE_WORDS = frozenset({"true", "1", "yes", "on", "ja"})
FALSE_WORDS = frozenset({"false", "0", "no", "off", "nej"})


class FieldKind(enum.StrEnum):
    TEXT = "text"
    LONGTEXT = "longtext"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    BOOLEAN = "boolean"
    CHOICE = "choice"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record type. ``personal`` marks personal data: hidden from roles
    without ``tenant:records:read_personal`` and never put in the search index.
    ``choices`` are values or ``(value, label)`` pairs."""

    name: str
    kind: FieldKind | str
    label: Any
    required: bool = False
    personal: bool = False
    choices: tuple = ()
    max_length: int | None = None
    minimum: int | float | Decimal | date | None = None
    maximum: int | float | Decimal | date | None = None
    searchable: bool = True
    help: Any = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FieldKind(self.kind))
        object.__setattr__(self, "choices", tuple(self.choices))
        if not FIELD_NAME.match(self.name):
            raise ValueError(f"field name {self.name!r} must be a lower-case identifier")
        if self.kind is FieldKind.CHOICE and not self.choices:
            raise ValueError(f"choice field {self.name!r} needs choices")

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(c[0] if isinstance(c, tuple | list) else c for c in self.choices)

    @property
    def choice_pairs(self) -> tuple[tuple[str, Any], ...]:
        return tuple((c[0], c[1]) if isinstance(c, tuple | list) else (c, c) for c in self.choices)

    @property
    def indexed(self) -> bool:
        """Whether the field's text goes into the search index (never personal data)."""
        return self.searchable and not self.personal and self.kind in TEXT_KINDS


TEXT_KINDS = frozenset({FieldKind.TEXT, FieldKind.LONGTEXT, FieldKind.CHOICE})


@dataclass(frozen=True)
class RecordType:
    """A kind of record. ``retention`` (None: kept until deleted) counts from the record's
    creation; ``sharing`` holds the kinds of share allowed (empty: never shared)."""

    name: str
    label: Any
    fields: tuple[FieldSpec, ...]
    default_classification: Classification | str = Classification.INTERNAL
    retention: timedelta | None = None
    sharing: frozenset[str] = frozenset({"tenant", "consortium"})
    plugin: str | None = None
    description: Any = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "sharing", frozenset(self.sharing))
        object.__setattr__(
            self, "default_classification", Classification(self.default_classification)
        )
        if not TYPE_NAME.match(self.name):
            raise ValueError(f"record type name {self.name!r} must look like <plugin>.<name>")
        unknown = self.sharing - SHARING_KINDS
        if unknown:
            raise ValueError(f"record type {self.name!r}: unknown sharing {sorted(unknown)}")
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"record type {self.name!r} declares a field twice")

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def personal_fields(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.personal)


class UnknownRecordType(ValidationError):
    """No such record type is registered."""


class RecordTypeRegistry:
    """Every record type by name; a plugin's types must carry its name as prefix."""

    def __init__(self) -> None:
        self._types: dict[str, RecordType] = {}

    def add(self, record_type: RecordType, owner: str | None = None) -> None:
        if owner is not None:
            prefix = "core" if owner == "core" else owner
            if record_type.name.split(".", 1)[0] != prefix:
                raise ValueError(
                    f"plugin {owner!r} may only register types named {prefix}.<name>,"
                    f" not {record_type.name!r}"
                )
        if record_type.name in self._types:
            raise ValueError(f"record type {record_type.name!r} registered twice")
        self._types[record_type.name] = record_type

    def get(self, name: str) -> RecordType:
        try:
            return self._types[name]
        except KeyError:
            raise UnknownRecordType(
                _l("There is no record type %(name)s.", name=name), "record_type"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def __iter__(self):
        return iter(sorted(self._types.values(), key=lambda t: t.name))

    def __len__(self) -> int:
        return len(self._types)


class RecordValidationError(ValidationError):
    """Bad record data: ``errors`` maps each bad field to its message (translatable)."""

    def __init__(self, errors: Mapping[str, Any]) -> None:
        self.errors = dict(errors)
        first = next(iter(self.errors))
        super().__init__(_l("Check the record: %(fields)s.", fields=", ".join(self.errors)), first)

    def messages(self) -> dict[str, str]:
        return {name: str(message) for name, message in self.errors.items()}

    def __str__(self) -> str:
        return "; ".join(f"{name}: {message}" for name, message in self.messages().items())


def validate(record_type: RecordType, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Cleaned, JSON-ready data (dates as ISO text, decimals as text) for ``record_type``;
    empty values are left out. Raises :class:`RecordValidationError` naming every bad field."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise RecordValidationError({"data": _l("The data must be an object of fields.")})
    errors: dict[str, Any] = {}
    for name in data:
        if not isinstance(name, str) or record_type.field(name) is None:
            errors[str(name)] = _l(
                "%(type)s has no field %(name)s.", type=record_type.name, name=name
            )
    cleaned: dict[str, Any] = {}
    for spec in record_type.fields:
        raw = data.get(spec.name)
        if _empty(raw):
            if spec.required:
                errors[spec.name] = _l("%(label)s is required.", label=spec.label)
            continue
        try:
            cleaned[spec.name] = clean_value(spec, raw)
        except FieldError as error:
            errors[spec.name] = error.message
    if errors:
        raise RecordValidationError(errors)
    return cleaned


class FieldError(Exception):
    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_value(spec: FieldSpec, raw: Any) -> Any:
    cleaner = _CLEANERS[spec.kind]
    return cleaner(spec, raw)


def _clean_text(spec: FieldSpec, raw: Any) -> str:
    if not isinstance(raw, str):
        raise FieldError(_l("%(label)s must be text.", label=spec.label))
    value = raw.strip() if spec.kind is FieldKind.TEXT else raw.replace("\r\n", "\n").strip()
    if "\x00" in value:
        raise FieldError(
            _l("%(label)s contains a character that is not allowed.", label=spec.label)
        )
    limit = spec.max_length or DEFAULT_MAX_LENGTH[spec.kind.value]
    if len(value) > limit:
        raise FieldError(
            _l("%(label)s may be at most %(max)s characters long.", label=spec.label, max=limit)
        )
    return value


def _clean_integer(spec: FieldSpec, raw: Any) -> int:
    if isinstance(raw, bool):
        raise FieldError(_l("%(label)s must be a whole number.", label=spec.label))
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and re.fullmatch(r"\s*[-+]?\d{1,18}\s*", raw):
        value = int(raw)
    else:
        raise FieldError(_l("%(label)s must be a whole number.", label=spec.label))
    _check_range(spec, value)
    return value


def _clean_decimal(spec: FieldSpec, raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise FieldError(_l("%(label)s must be a number.", label=spec.label))
    try:
        text = raw.strip().replace(",", ".").replace(" ", "") if isinstance(raw, str) else str(raw)
        value = Decimal(text)
    except InvalidOperation:
        raise FieldError(_l("%(label)s must be a number.", label=spec.label)) from None
    if not value.is_finite() or len(text) > 40:
        raise FieldError(_l("%(label)s must be a number.", label=spec.label))
    _check_range(spec, value)
    return str(value)


def _clean_date(spec: FieldSpec, raw: Any) -> str:
    if isinstance(raw, date):
        value = raw
    elif isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        try:
            value = date.fromisoformat(raw.strip())
        except ValueError:
            raise FieldError(_l("%(label)s is not a real date.", label=spec.label)) from None
    else:
        raise FieldError(_l("%(label)s must be a date (YYYY-MM-DD).", label=spec.label))
    _check_range(spec, value)
    return value.isoformat()


def _clean_boolean(spec: FieldSpec, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return raw.strip().lower() in TRUE_WORDS
    raise FieldError(_l("%(label)s must be yes or no.", label=spec.label))


def _clean_choice(spec: FieldSpec, raw: Any) -> str:
    if not isinstance(raw, str) or raw not in spec.choice_values:
        raise FieldError(
            _l(
                "%(label)s must be one of: %(choices)s.",
                label=spec.label,
                choices=", ".join(spec.choice_values),
            )
        )
    return raw


def _check_range(spec: FieldSpec, value: Any) -> None:
    if spec.minimum is not None and value < _like(spec.minimum, value):
        raise FieldError(
            _l("%(label)s must be at least %(min)s.", label=spec.label, min=spec.minimum)
        )
    if spec.maximum is not None and value > _like(spec.maximum, value):
        raise FieldError(
            _l("%(label)s must be at most %(max)s.", label=spec.label, max=spec.maximum)
        )


def _like(bound: Any, value: Any) -> Any:
    return Decimal(str(bound)) if isinstance(value, Decimal) else bound


_CLEANERS = {
    FieldKind.TEXT: _clean_text,
    FieldKind.LONGTEXT: _clean_text,
    FieldKind.INTEGER: _clean_integer,
    FieldKind.DECIMAL: _clean_decimal,
    FieldKind.DATE: _clean_date,
    FieldKind.BOOLEAN: _clean_boolean,
    FieldKind.CHOICE: _clean_choice,
}


def collect(host, registry: RecordTypeRegistry | None = None) -> RecordTypeRegistry:
    """Ask every plugin's ``register_record_types`` (the core's first); a plugin's types must
    be named after it."""
    registry = RecordTypeRegistry() if registry is None else registry
    for owner, found in host.collect("register_record_types"):  # owner None: the core
        for record_type in found or ():
            if owner is not None and record_type.plugin is None:
                record_type = replace(record_type, plugin=owner)
            registry.add(record_type, owner or "core")
    return registry


def searchable_text(record_type: RecordType, title: str, data: Mapping[str, Any]) -> str:
    """Title plus the non-personal searchable fields: what the search index may hold."""
    parts: Iterable[str] = [title] + [
        str(data[f.name]) for f in record_type.fields if f.indexed and data.get(f.name)
    ]
    return "\n".join(parts)
