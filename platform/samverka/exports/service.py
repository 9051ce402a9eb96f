"""The export contract: named export kinds build a Table or Document; ``run_export`` renders
one into the store, reporting progress through a plain callback.

A kind is registered once (``register_export("records.list", build)``) by the core or a
module. ``build(session, tenant, spec)`` reads what it needs inside the tenant's scope and
returns a :class:`Table` (rows may be a streaming query) or a :class:`Document`. ``spec`` is
a JSON-able mapping (it travels through the job queue): ``format`` (csv, xlsx or pdf),
``locale`` and whatever the kind reads. A background job calls ``run_export`` with its own
``report_progress`` as ``on_progress``; the web can call it inline for small exports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from samverka import clock
from samverka.errors import NotFound, ValidationError
from samverka.exports import csvfile, pdf, xlsx
from samverka.exports.pdf import Document
from samverka.exports.store import ExportStore, StoredExport
from samverka.exports.tabular import ProgressCallback, Table
from samverka.tenants.models import Tenant

Source = Table | Document
ExportBuilder = Callable[[Session, Tenant, Mapping[str, Any]], Source]


@dataclass(frozen=True)
class ExportKind:
    build: ExportBuilder
    action: str  # the permission needed to request and download what it made
    formats: tuple[str, ...] = ()  # what it can be made in (empty: found out when built)


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    source: type


FORMATS = {
    "csv": Format("csv", csvfile.MEDIA_TYPE, "csv", Table),
    "xlsx": Format("xlsx", xlsx.MEDIA_TYPE, "xlsx", Table),
    "pdf": Format("pdf", pdf.MEDIA_TYPE, "pdf", Document),
}

_kinds: dict[str, ExportKind] = {}


def register_export(
    kind: str, build: ExportBuilder, *, action: str, formats: tuple[str, ...] = ()
) -> None:
    """Make ``kind`` available to ``run_export`` (the core's and modules' exports).

    ``action`` is the named permission that reading the same data on a page needs (e.g.
    ``tenant:members:view``); the stored file is served only to users who hold it in the
    tenant, so an export never shows more than the pages would. ``formats`` (e.g.
    ``("csv", "xlsx")``) lets a request for another format be refused before a job is queued.
    """
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"export kind {kind!r}: unknown formats {sorted(unknown)}")
    wanted = ExportKind(build, action, tuple(formats))
    registered = _kinds.get(kind)
    if registered is not None and registered != wanted:
        raise ValueError(f"export kind {kind!r} is already registered")
    _kinds[kind] = wanted


def export_kinds() -> frozenset[str]:
    return frozenset(_kinds)


def export_kind(kind: str) -> ExportKind:
    """The registered kind (NotFound for any other name)."""
    if kind not in _kinds:
        raise NotFound(_l("There is no export called %(kind)s.", kind=kind))
    return _kinds[kind]


def check_request(kind: str, format_name: Any) -> ExportKind:
    """What a request for ``kind`` in ``format_name`` needs before a job is queued: the kind
    exists (NotFound), the format is one it can be made in (ValidationError on ``format``)."""
    registered = export_kind(kind)
    chosen = choose_format(format_name)
    if registered.formats and chosen.name not in registered.formats:
        raise ValidationError(_l("This export cannot be made in that format."), "format")
    return registered


def run_export(
    kind: str,
    spec: Mapping[str, Any],
    *,
    session: Session,
    tenant: Tenant,
    store: ExportStore,
    on_progress: ProgressCallback | None = None,
    token: str | None = None,
    requested_by: int | None = None,
) -> StoredExport:
    """Build export ``kind`` for ``tenant`` and store it; returns the stored file's handle.
    ``token`` names the file (a job's own, see :mod:`samverka.exports.jobs`), ``requested_by``
    the only user who may download it."""
    registered = export_kind(kind)
    chosen = choose_format(spec.get("format"))
    locale = spec.get("locale") or "sv"
    with force_locale(locale):
        source = registered.build(session, tenant, spec)
        if not isinstance(source, chosen.source):
            raise ValidationError(_l("This export cannot be made in that format."), "format")
        filename = download_name(source.title, chosen)
        with store.create(
            tenant.id,
            filename,
            chosen.media_type,
            action=registered.action,
            token=token,
            requested_by=requested_by,
        ) as pending:
            write(source, chosen, pending.file, on_progress=on_progress, locale=locale)
    assert pending.stored is not None
    return pending.stored


def choose_format(name: Any) -> Format:
    if name not in FORMATS:
        raise ValidationError(_l("Choose CSV, Excel or PDF."), "format")
    return FORMATS[name]


def write(
    source: Source,
    chosen: Format,
    out: BinaryIO,
    *,
    on_progress: ProgressCallback | None = None,
    locale: str | None = None,
) -> None:
    """Render ``source`` in ``chosen`` format into ``out``."""
    if chosen.name == "csv":
        csvfile.write_csv(source, out, on_progress=on_progress)
    elif chosen.name == "xlsx":
        xlsx.write_xlsx(source, out, on_progress=on_progress)
    else:
        pdf.render_pdf(source, out, locale=locale, on_progress=on_progress)


def download_name(title: str, chosen: Format, day: date | None = None) -> str:
    """E.g. ``Medlemmar – Sunne kommun 2026-12-01.xlsx``."""
    return f"{title} {(day or clock.today()).isoformat()}.{chosen.extension}"


def export_store(instance_path: Path) -> ExportStore:
    """The store in the instance folder (one per deployment; shared by web and workers)."""
    return ExportStore(Path(instance_path) / "exports")
