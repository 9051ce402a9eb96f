"""Cooperation agreements and citizen pledges (and the public pledge page) join the
platform through the hooks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from samverka.lifecycle.tables import export_tables
from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import NavGroup, NavItem
from samverka.records.types import RecordType
from samverka.workflows.agreements import api, public, web
from samverka.workflows.agreements.services import (
    ARCHIVED_MODELS,
    agreement_record_types,
    calendar_entries,
)


@hookimpl
def register_blueprints() -> list:
    return [web.agreement_bp, web.pledge_bp, public.bp]


@hookimpl
def register_api_blueprints() -> list:
    return [api.bp]


@hookimpl
def register_nav_items(tenant, user) -> list[NavItem]:
    return [
        NavItem(
            _l("Agreements"), "agreement_pages.index", "tenant:records:read", 50, NavGroup.WORK
        ),
        NavItem(
            _l("Citizen pledges"), "pledge_pages.index", "tenant:records:read", 51, NavGroup.WORK
        ),
    ]


@hookimpl
def register_record_types() -> list[RecordType]:
    return agreement_record_types()


@hookimpl
def export_tenant_data(session, tenant, archive) -> None:
    """``agreements/``: agreements and pledges."""
    export_tables(session, tenant, archive, "agreements", ARCHIVED_MODELS)


@hookimpl
def cycle_calendar_entries(session, tenant, year) -> list[dict]:
    """Agreement reviews and ends, pledge follow-ups."""
    return calendar_entries(session, tenant, year)
