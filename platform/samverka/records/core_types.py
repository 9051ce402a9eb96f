"""The core's own record types (registered by :mod:`samverka.records.hooks`). Issue 5 adds
the statutory ones (situation pictures, action plans, agreements)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from samverka.classification import Classification
from samverka.records.types import FieldKind, FieldSpec, RecordType

DOCUMENT = RecordType(
    name="core.document",
    label=_l("Document"),
    description=_l("A report, memo or other document from the organisation."),
    fields=(
        FieldSpec("summary", FieldKind.TEXT, _l("Summary"), max_length=500),
        FieldSpec("body", FieldKind.LONGTEXT, _l("Text")),
        FieldSpec("document_date", FieldKind.DATE, _l("Date")),
        FieldSpec(
            "status",
            FieldKind.CHOICE,
            _l("Status"),
            choices=(("draft", _l("Draft")), ("final", _l("Final"))),
        ),
        FieldSpec(
            "contact_person",
            FieldKind.TEXT,
            _l("Contact person"),
            personal=True,
            max_length=200,
        ),
    ),
    default_classification=Classification.INTERNAL,
    sharing=frozenset({"tenant", "consortium"}),
)

MINUTES = RecordType(
    name="core.minutes",
    label=_l("Minutes"),
    description=_l("Minutes of a meeting: when, what was discussed and what was decided."),
    fields=(
        FieldSpec("meeting_date", FieldKind.DATE, _l("Meeting date"), required=True),
        FieldSpec("body", FieldKind.LONGTEXT, _l("Minutes")),
        FieldSpec("decisions", FieldKind.LONGTEXT, _l("Decisions")),
        FieldSpec(
            "attendees", FieldKind.LONGTEXT, _l("Attendees"), personal=True, searchable=False
        ),
    ),
    default_classification=Classification.INTERNAL,
    sharing=frozenset({"tenant", "consortium"}),
)


def core_record_types() -> list[RecordType]:
    return [DOCUMENT, MINUTES]
