"""Councils and the annual calendar join the platform through the hooks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import NavGroup, NavItem
from samverka.records.types import RecordType
from samverka.workflows.councils import api, web
from samverka.workflows.councils.services import calendar_entries, council_record_types


@hookimpl
def register_blueprints() -> list:
    return [web.bp, web.calendar_bp]


@hookimpl
def register_api_blueprints() -> list:
    return [api.bp]


@hookimpl
def register_nav_items(tenant, user) -> list[NavItem]:
    return [
        NavItem(_l("Councils"), "council_pages.index", "tenant:records:read", 40, NavGroup.WORK),
        NavItem(
            _l("Annual calendar"), "calendar_pages.year", "tenant:records:read", 45, NavGroup.WORK
        ),
    ]


@hookimpl
def register_record_types() -> list[RecordType]:
    return council_record_types()


@hookimpl
def cycle_calendar_entries(session, tenant, year) -> list[dict]:
    """Meetings of the bodies the tenant sees."""
    return calendar_entries(session, tenant, year)
