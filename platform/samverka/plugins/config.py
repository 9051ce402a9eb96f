"""Plugin configuration: resolved platform → consortium → tenant, validated by JSON Schema."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from samverka.errors import ValidationError
from samverka.plugins.manifest import PluginManifest


def resolve_config(
    manifest: PluginManifest,
    platform: dict[str, Any] | None,
    consortia: Iterable[dict[str, Any]],
    tenant: dict[str, Any] | None,
) -> dict[str, Any]:
    """Merge the levels key by key; a later level overrides an earlier one.

    ``consortia`` are the configurations of the tenant's consortia that made the plugin
    available, in a stable order (by consortium slug).
    """
    merged: dict[str, Any] = dict(manifest.default_config)
    for layer in (platform or {}, *consortia, tenant or {}):
        merged.update(layer)
    return merged


def validate_config(manifest: PluginManifest, config: Any) -> None:
    """Raise a :class:`ValidationError` that says what is wrong, in the user's language."""
    if not isinstance(config, dict):
        raise ValidationError(_l("The configuration must be a JSON object."), field="config")
    validator = Draft202012Validator(manifest.config_schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        raise ValidationError(describe(errors[0]), field="config")


def describe(error: SchemaError) -> str:
    """A short message naming the setting and the rule it breaks."""
    where = ".".join(str(p) for p in error.absolute_path) or _l("The configuration")
    messages = {
        "type": _l("%(where)s must be of type %(expected)s."),
        "required": _l("%(where)s is missing a required setting: %(detail)s."),
        "additionalProperties": _l("%(where)s has an unknown setting: %(detail)s."),
        "enum": _l("%(where)s must be one of: %(expected)s."),
        "minimum": _l("%(where)s must be at least %(expected)s."),
        "maximum": _l("%(where)s must be at most %(expected)s."),
        "minLength": _l("%(where)s is too short."),
        "maxLength": _l("%(where)s is too long."),
        "pattern": _l("%(where)s has the wrong format."),
    }
    template = messages.get(str(error.validator))
    if template is None:
        return str(
            _l("Invalid configuration at %(where)s: %(detail)s", where=where, detail=error.message)
        )
    expected = error.validator_value
    if isinstance(expected, list):
        expected = ", ".join(str(v) for v in expected)
    return str(template) % {"where": where, "expected": expected, "detail": _detail(error)}


def _detail(error: SchemaError) -> str:
    if error.validator == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = [k for k in error.validator_value if k not in present]
        return ", ".join(missing)
    if error.validator == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        return ", ".join(sorted(extra))
    return error.message
