"""Record types: declaration rules, the registry, and validation of every bad input."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from samverka.classification import Classification
from samverka.records.services import version_diff
from samverka.records.types import (
    FieldKind,
    FieldSpec,
    RecordType,
    RecordTypeRegistry,
    RecordValidationError,
    UnknownRecordType,
    searchable_text,
    validate,
)

KIND = RecordType(
    name="core.sample",
    label="Sample",
    fields=(
        FieldSpec("title2", FieldKind.TEXT, "Rubrik", required=True, max_length=10),
        FieldSpec("body", FieldKind.LONGTEXT, "Text"),
        FieldSpec("count", FieldKind.INTEGER, "Antal", minimum=0, maximum=100),
        FieldSpec("cost", FieldKind.DECIMAL, "Kostnad", minimum=0),
        FieldSpec("day", FieldKind.DATE, "Dag", minimum=date(2020, 1, 1)),
        FieldSpec("done", FieldKind.BOOLEAN, "Klar"),
        FieldSpec("level", FieldKind.CHOICE, "Nivå", choices=("low", ("high", "Hög"))),
        FieldSpec("person", FieldKind.TEXT, "Person", personal=True),
        FieldSpec("secret_note", FieldKind.TEXT, "Not", searchable=False),
    ),
    retention=timedelta(days=10),
)


def errors_of(data) -> dict[str, str]:
    with pytest.raises(RecordValidationError) as caught:
        validate(KIND, data)
    return caught.value.messages()


def test_good_data_is_cleaned():
    cleaned = validate(
        KIND,
        {
            "title2": "  Hej ",
            "count": "42",
            "cost": "12,50",
            "day": "2026-11-30",
            "done": "ja",
            "level": "high",
            "body": "",
        },
    )
    assert cleaned == {
        "title2": "Hej",
        "count": 42,
        "cost": "12.50",
        "day": "2026-11-30",
        "done": True,
        "level": "high",
    }
    assert validate(KIND, {"title2": "x", "day": date(2021, 5, 1)})["day"] == "2021-05-01"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title2", "x" * 11, "at most 10 characters"),
        ("title2", 5, "must be text"),
        ("count", "3.5", "whole number"),
        ("count", True, "whole number"),
        ("count", 101, "at most 100"),
        ("count", -1, "at least 0"),
        ("cost", "abc", "must be a number"),
        ("cost", "NaN", "must be a number"),
        ("cost", "-1", "at least 0"),
        ("day", "30/11/2026", "YYYY-MM-DD"),
        ("day", "2026-02-30", "not a real date"),
        ("day", "2019-12-31", "at least"),
        ("done", "maybe", "yes or no"),
        ("level", "medium", "one of: low, high"),
        ("body", "a\x00b", "not allowed"),
    ],
)
def test_every_bad_value_is_named(field, value, message):
    errors = errors_of({"title2": "ok", field: value})
    assert list(errors) == [field]
    assert message in errors[field]


def test_missing_required_and_unknown_fields_are_reported_together():
    errors = errors_of({"colour": "red"})
    assert set(errors) == {"colour", "title2"}
    assert "required" in errors["title2"]
    assert "no field colour" in errors["colour"]
    assert "data" in errors_of(["not", "a", "mapping"])


def test_declarations_are_checked():
    with pytest.raises(ValueError, match=r"<plugin>\.<name>"):
        RecordType(name="Bad Name", label="x", fields=())
    with pytest.raises(ValueError, match="twice"):
        RecordType(
            name="core.x",
            label="x",
            fields=(FieldSpec("a", "text", "A"), FieldSpec("a", "text", "A")),
        )
    with pytest.raises(ValueError, match="unknown sharing"):
        RecordType(name="core.x", label="x", fields=(), sharing=frozenset({"world"}))
    with pytest.raises(ValueError, match="needs choices"):
        FieldSpec("c", "choice", "C")
    with pytest.raises(ValueError):
        FieldSpec("c", "colour", "C")


def test_the_registry_refuses_duplicates_and_foreign_prefixes():
    registry = RecordTypeRegistry()
    registry.add(KIND, "core")
    with pytest.raises(ValueError, match="twice"):
        registry.add(KIND, "core")
    with pytest.raises(ValueError, match="may only register"):
        registry.add(RecordType(name="core.other", label="x", fields=()), "someplugin")
    with pytest.raises(UnknownRecordType):
        registry.get("core.missing")
    assert [t.name for t in registry] == ["core.sample"]


def test_personal_and_unsearchable_fields_stay_out_of_the_index():
    text = searchable_text(
        KIND, "Titel", {"body": "brödtext", "person": "Anna Andersson", "secret_note": "hemligt"}
    )
    assert "brödtext" in text and "Titel" in text
    assert "Anna" not in text and "hemligt" not in text


def test_classification_rules():
    assert Classification.CONFIDENTIAL.requires_ground and Classification.SENSITIVE.audited_on_read
    assert not Classification.INTERNAL.requires_ground
    assert not Classification.OPEN.audited_on_read


def snapshot(title, classification="internal", **data):
    return SimpleNamespace(title=title, classification=classification, data=data)


def test_version_diff():
    a = snapshot("A", body="x", person="Anna", gone="y")
    b = snapshot("B", "confidential", body="x", person="Bertil", new="z")
    changes = {c.field: c for c in version_diff(a, b, hidden=frozenset())}
    assert set(changes) == {"title", "classification", "person", "gone", "new"}
    assert (changes["gone"].kind, changes["new"].kind, changes["title"].kind) == (
        "removed",
        "added",
        "changed",
    )
    hidden = {c.field: c for c in version_diff(a, b, hidden=frozenset({"person"}))}
    assert (hidden["person"].before, hidden["person"].after) == ("***", "***")
    first = version_diff(None, a, hidden=frozenset())
    assert [c.field for c in first][:2] == ["title", "classification"]
    assert version_diff(a, a, hidden=frozenset()) == []
