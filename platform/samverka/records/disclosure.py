"""The one door through which a record's field values leave the records package.

A record type marks fields as personal data (``FieldSpec.personal``). Whoever shows a
record's fields — a page, a PDF, a CSV/XLSX/PDF export job, the API, the CLI, a plugin
through the facade — asks :func:`disclose` for them, naming the viewer (``user``) and the
tenant it views in (``viewer_tenant``). Personal fields are left out unless the viewer's
roles *in the viewing tenant* may ``tenant:records:read_personal``: a partner tenant that
receives a share sees what its own roles there allow, never what the owner's roles would.

Why one module and not a helper beside each reader: the finding that led here (issue 14,
finding 3) was a page that rendered ``record.data`` itself and so skipped the filter the
records pages applied. With one door, a new reader has no filter of its own to forget: it
gets a :class:`Disclosed` (the visible fields only, read-only) or nothing. The decision is
:func:`samverka.auth.authorization.authorize` against the permission registry, as every
other decision is; this module only says which fields that decision covers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy.orm import Session

from samverka.classification import Classification
from samverka.records.access import may, record_type_of
from samverka.records.models import Record, RecordVersion
from samverka.records.types import FieldSpec, RecordType
from samverka.tenants.models import Tenant

READ_PERSONAL = "tenant:records:read_personal"


@dataclass(frozen=True)
class Disclosed:
    """What a viewer may see of one record (or one of its versions): its identity, and the
    values of the fields its roles allow. ``withheld`` names the personal fields left out
    (so a page can say that some were, and a diff can mark them changed without values)."""

    id: int
    tenant_id: int
    type_name: str
    title: str
    classification: Classification
    version: int
    updated_at: datetime | None
    kind: RecordType
    data: Mapping[str, Any]
    withheld: frozenset[str]

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        """The type's fields the viewer may see, in the type's order."""
        return tuple(f for f in self.kind.fields if f.name not in self.withheld)

    def get(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)


def may_read_personal(session: Session, user: Any, viewer_tenant: Tenant) -> bool:
    """Whether ``user`` (a User, an API token's Principal, None for the operator) may see
    personal fields of the records it reads in ``viewer_tenant``."""
    return may(session, user, READ_PERSONAL, viewer_tenant)


def withheld_fields(
    session: Session, kind: RecordType, user: Any, viewer_tenant: Tenant
) -> frozenset[str]:
    """The personal fields of ``kind`` that ``user`` may not see in ``viewer_tenant`` (for
    forms that must not offer them and diffs that must not show their values)."""
    if not kind.personal_fields or may_read_personal(session, user, viewer_tenant):
        return frozenset()
    return kind.personal_fields


def disclose(
    session: Session,
    record: Record,
    *,
    user: Any,
    viewer_tenant: Tenant,
    version: RecordVersion | None = None,
) -> Disclosed:
    """The record (or its saved ``version``) as ``user`` may see it in ``viewer_tenant``.

    The caller has read ``record`` through the records services (visibility and the audit
    of reads are theirs); this decides which of its fields may be shown."""
    kind = record_type_of(record)
    hidden = withheld_fields(session, kind, user, viewer_tenant)
    source = version if version is not None else record
    if version is not None and version.record_id != record.id:
        raise ValueError("the version is not one of the record's")
    data = {name: value for name, value in (source.data or {}).items() if name not in hidden}
    return Disclosed(
        id=record.id,
        tenant_id=record.tenant_id,
        type_name=record.type_name,
        title=source.title,
        classification=Classification(source.classification),
        version=source.version,
        updated_at=record.updated_at if version is None else version.created_at,
        kind=kind,
        data=MappingProxyType(data),
        withheld=hidden,
    )
