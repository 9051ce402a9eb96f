"""``/t/<tenant>/overview/``: the coordinator's start page. Items come from every enabled
plugin's ``cycle_overview_items`` (and the core's: agreements and pledges), grouped by kind
and sorted by due date; the tenant home page shows it first."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from samverka.runtime import db_session
from samverka.web.context import current_user, require
from samverka.workflows.overview import services as overview

bp = Blueprint("overview_pages", __name__, url_prefix="/t/<tenant_slug>/overview")


def groups_for_request() -> list[overview.Group]:
    return overview.overview_groups(db_session(), g.tenant, current_user(), g.hooks)


def names_organisations(groups: list[overview.Group]) -> bool:
    """Whether the panels name each item's organisation (the viewer works with several)."""
    return overview.names_organisations(groups, g.tenant)


@bp.route("/")
def show():
    require("tenant:dashboard:view")
    groups = groups_for_request()
    return render_template(
        "overview.html",
        groups=groups,
        labels=overview.STATUS_LABELS,
        with_organisation=names_organisations(groups),
    )


@bp.app_context_processor
def overview_helpers() -> dict:
    """``overview_groups()`` in templates: the tenant home page includes the panels."""
    return {
        "overview_groups": groups_for_request,
        "overview_names_organisations": names_organisations,
        "overview_status_labels": overview.STATUS_LABELS,
    }
