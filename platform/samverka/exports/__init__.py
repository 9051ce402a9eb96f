"""Exports: tables to CSV and XLSX, documents to tagged PDF with a classification marking,
and a small contract (``run_export``) for making them in a background job.

A module adds an export by registering a builder::

    from samverka.exports import Column, Kind, Table, register_export

    def build(session, tenant, spec):
        return Table(title=..., columns=[Column("name", _("Name"))], rows=query_rows())

    register_export("mymodule.list", build)

and then queues the core's export job for it (``request_export(session, tenant,
"mymodule.list", "xlsx", requested_by=user.id)``, see :mod:`samverka.exports.jobs`: made by a
worker with progress, one file per job) or calls ``write(...)`` inline for a small download.
"""

from samverka.classification import Classification, marking
from samverka.exports.csvfile import write_csv
from samverka.exports.pdf import Document, Section, render_pdf
from samverka.exports.service import (
    FORMATS,
    export_store,
    register_export,
    run_export,
    write,
)
from samverka.exports.store import ExportStore, StoredExport, safe_filename
from samverka.exports.tabular import Column, Kind, Table
from samverka.exports.xlsx import write_xlsx

__all__ = [
    "FORMATS",
    "Classification",
    "Column",
    "Document",
    "ExportStore",
    "Kind",
    "Section",
    "StoredExport",
    "Table",
    "export_job",
    "export_store",
    "marking",
    "register_export",
    "render_pdf",
    "request_export",
    "run_export",
    "safe_filename",
    "write",
    "write_csv",
    "write_xlsx",
]

# The core's own export kinds register themselves on import.
from samverka.exports import builtin  # noqa: F401
from samverka.exports.jobs import export as export_job
from samverka.exports.jobs import request_export
