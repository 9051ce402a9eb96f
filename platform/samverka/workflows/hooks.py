"""The statutory cycle's shared record types (situation pictures, action plans)."""

from __future__ import annotations

from samverka.plugins.hookspecs import hookimpl
from samverka.records.types import RecordType
from samverka.workflows.cycle_types import cycle_record_types


@hookimpl
def register_record_types() -> list[RecordType]:
    return cycle_record_types()
