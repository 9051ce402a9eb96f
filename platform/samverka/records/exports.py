"""Export kinds of records: ``records.list`` (CSV/XLSX of the list a user sees) and
``records.record`` (one record as a PDF with the organisation, date and marking).

Both read through the records services, so the same visibility, field hiding and audit of
reads apply as on the pages. ``spec`` (JSON-able, it may travel through a job) holds
``user_id`` (whose view: roles decide which fields show; absent: the operator, who never
sees personal fields), for the list ``type`` (optional), for a record ``record_id``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka import clock
from samverka.auth.models import User
from samverka.classification import LABELS, Classification
from samverka.exports.pdf import Document, Section
from samverka.exports.service import register_export
from samverka.exports.tabular import Column, Table
from samverka.records import services
from samverka.records.disclosure import disclose
from samverka.records.models import Record
from samverka.records.types import FieldKind
from samverka.tenants.models import Tenant

LIST_LIMIT = 10_000


def export_viewer(session: Session, spec: Mapping[str, Any]):
    """Whose view an export shows: the user ``spec["user_id"]`` (set from the requester by
    the export job), or None, the operator, who never sees personal fields."""

    user_id = spec.get("user_id")
    return session.get(User, int(user_id)) if user_id is not None else None


def owner_names(session: Session, records: list[Record]) -> dict[int, str]:
    """Owner organisations' names in one query (tenants are not tenant-scoped rows)."""
    ids = {r.tenant_id for r in records}
    if not ids:
        return {}
    return dict(session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(ids))).all())


def type_label(name: str) -> str:
    registry = services.record_types()
    return str(registry.get(name).label) if name in registry else name


def records_list(session: Session, tenant: Tenant, spec: Mapping[str, Any]) -> Table:
    """The list as the page shows it: title, type, classification, owner, last change (no
    field data: the list never carries a record's content)."""
    user = export_viewer(session, spec)
    rows = services.list_records(
        session,
        viewer_tenant=tenant,
        user=user,
        record_type=spec.get("type") or None,
        limit=LIST_LIMIT,
        via=spec.get("via") or "export",
    )
    names = owner_names(session, rows)

    def lines() -> Iterator[dict[str, Any]]:
        for record in rows:
            yield {
                "id": record.id,
                "title": record.title,
                "type": type_label(record.type_name),
                "classification": str(LABELS[Classification(record.classification)]),
                "owner": names.get(record.tenant_id, ""),
                "updated": record.updated_at.date().isoformat(),
            }

    return Table(
        title=_("Records – %(organisation)s", organisation=tenant.name),
        columns=[
            Column("id", _("Number")),
            Column("title", _("Title")),
            Column("type", _("Type")),
            Column("classification", _("Classification")),
            Column("owner", _("Owner")),
            Column("updated", _("Last changed")),
        ],
        rows=lines(),
        total=len(rows),
        true_label=_("Yes"),
        false_label=_("No"),
    )


def display_value(kind: FieldKind, value: Any, choices: dict | None = None) -> str:
    """A stored value as a reader sees it (choice labels, yes/no)."""
    if value is None or value == "":
        return "–"
    if kind is FieldKind.BOOLEAN:
        return _("Yes") if value else _("No")
    if kind is FieldKind.CHOICE and choices:
        return str(choices.get(value, value))
    return str(value)


def record_document(session: Session, tenant: Tenant, spec: Mapping[str, Any]) -> Document:
    """One record as the detail page shows it to the user (an audited read)."""
    user = export_viewer(session, spec)
    record = services.get_record(session, spec["record_id"], user=user, viewer_tenant=tenant)
    shown = disclose(session, record, user=user, viewer_tenant=tenant)
    kind = shown.kind
    facts = [
        (
            str(field.label),
            display_value(field.kind, shown.get(field.name), dict(field.choice_pairs)),
        )
        for field in shown.fields
    ]
    owner = session.get(Tenant, record.tenant_id)
    about = [
        (_("Type"), str(kind.label)),
        (_("Owner"), owner.name if owner else ""),
        (_("Classification"), str(LABELS[Classification(record.classification)])),
        (_("Version"), str(record.version)),
        (_("Last changed"), record.updated_at.date().isoformat()),
    ]
    sections = [Section(_("About the record"), facts=about), Section(_("Content"), facts=facts)]
    if shown.withheld:
        sections.append(
            Section(
                _("Personal data"),
                paragraphs=[
                    _("Fields with personal data are left out: your role may not see them.")
                ],
            )
        )
    return Document(
        title=record.title,
        organisation_name=owner.name if owner else tenant.name,
        classification=Classification(record.classification),
        date=clock.today(),
        sections=sections,
    )


register_export("records.list", records_list, action=services.READ)
register_export("records.record", record_document, action=services.READ)
