"""Every hook a Samverka plugin can implement.

A plugin is a module or object registered under a name through the ``samverka.plugins``
entry-point group. It implements any of the hooks below with ``@hookimpl`` (from
:mod:`samverka.toolkit`). Hooks marked *per tenant* are called only for the plugins that
the current tenant has enabled; the others are called once at start-up, for every installed
plugin. Each hook's result is typed (the value objects and TypedDicts of
:mod:`samverka.plugins.manifest`) and checked when collected (:mod:`samverka.plugins.results`):
a wrong shape stops with an error naming the plugin. ``docs/plugin-hooks.md`` documents
each hook; a test fails when one is missing there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # pragma: no cover - typing only
    from collections.abc import Callable

    import click
    from flask import Blueprint

    from samverka.auth.permissions import Permission, Role
    from samverka.plugins.manifest import (
        CalendarEntry,
        EvidenceItem,
        MeasureSummary,
        NavItem,
        OverviewItem,
        OverviewKind,
        PeriodicJob,
        PictureSection,
        PluginManifest,
        PublishedSeries,
    )
    from samverka.records.types import RecordType

hookspec = pluggy.HookspecMarker("samverka")
#: The marker of hook implementations: plugins get it from ``samverka.toolkit``; the core's
#: own hook modules (listed in :data:`samverka.bootstrap.CORE_HOOKS`) import it from here.
hookimpl = pluggy.HookimplMarker("samverka")


@hookspec(firstresult=True)
def register_manifest() -> PluginManifest:
    """Describe the plugin: name, title, config schema and defaults, its migrations folder.

    Called on each plugin on its own at start-up; the manifest's name must equal the name the
    plugin is registered under (its entry-point name).
    """


@hookspec
def register_roles() -> list[Role]:
    """Roles the plugin adds beside the core's tenant_admin, coordinator, contributor, reader."""


@hookspec
def register_permissions() -> list[Permission]:
    """Named actions (``<scope>:<resource>:<action>``) with the roles granted them by default.

    A plugin's actions are denied in every tenant that has not enabled the plugin.
    """


@hookspec
def register_blueprints() -> list[Blueprint]:
    """Flask blueprints, mounted under ``/t/<tenant_slug>/<plugin name>``.

    Blueprints are installed once; for a tenant that has not enabled the plugin every route
    answers 404. ``g.tenant`` holds the current tenant inside the views.
    """


@hookspec
def register_api_blueprints() -> list[Blueprint]:
    """REST API blueprints (``samverka.toolkit.ApiBlueprint``), mounted under
    ``/api/v1/tenants/<tenant>/<plugin name>`` and described in the OpenAPI document.

    Installed once; for a tenant that has not enabled the plugin every route answers 404.
    The caller is authenticated by its API token before the view runs; ``current_tenant()``
    is the token's tenant and ``api_require(action)`` answers 403 unless it may act.
    """


@hookspec
def register_nav_items(tenant: Any, user: Any) -> list[NavItem]:
    """*Per tenant.* Navigation entries for the tenant's menu; each names the action it needs."""


@hookspec
def register_jobs() -> dict[str, Callable[..., Any]]:
    """Background job functions by short name; enqueued as ``<plugin>.<name>`` for a tenant.

    A job is refused (and, if already queued, skipped) for a tenant that has not enabled the
    plugin. The function receives ``tenant_id`` and the job's keyword arguments. Queue it with
    ``samverka.toolkit.enqueue(session, job, tenant_id=...)`` (the transactional outbox)
    and report progress with ``report_progress(done, total, message_id)``.
    """


@hookspec
def register_periodic_jobs() -> list[PeriodicJob]:
    """Periodic work run by ``samverka scheduler`` (one leader among all its processes).

    Return ``PeriodicJob(name, every, func, per_tenant=False)`` entries (from
    :mod:`samverka.toolkit`): ``func(session, now)`` runs every ``every`` (a timedelta)
    in its own transaction, once per tenant with the session scoped to it when
    ``per_tenant``, else once with the session scoped to every tenant. Long work should
    ``enqueue`` outbox jobs instead of running in the scheduler.
    """


@hookspec
def export_tenant_data(session: Any, tenant: Any, archive: Any) -> None:
    """Add this module's data of ``tenant`` to its whole-tenant archive.

    Called for every *installed* plugin (a disabled one may still hold the tenant's data),
    each on its own, inside the tenant's scope, by the job ``core.tenant_archive``. Write
    with exactly ``archive.add_json(path, data)``, ``archive.add_jsonl(path, rows)``
    (streams an iterable of dicts) and ``archive.add_file(path, fileobj)``; paths are
    relative POSIX paths without ``..``, by convention under ``<plugin name>/``, each used
    once. Never write secrets (password or token hashes, client secrets, keys).
    """


@hookspec
def before_tenant_delete(session: Any, tenant: Any) -> None:
    """Release what deleting ``tenant``'s rows would leave behind or hide.

    Called for every installed plugin in the deletion's transaction, with the session
    explicitly scoped to the tenant and the platform, just before the ``tenants`` row is
    deleted (every tenant-owned row then goes by ``ON DELETE CASCADE``). Revoke shares to
    and from the tenant (recording the revocations in the owners' audit chains), and remove
    stored files with ``samverka.toolkit.after_commit(session, func)`` so that a
    rolled-back deletion keeps them. Raising aborts the deletion (it is tried again later).
    """


@hookspec
def register_record_types() -> list[RecordType]:
    """Record types (``samverka.toolkit.RecordType``) the plugin declares.

    Called once at start-up for every installed plugin; a type's name must be
    ``<plugin>.<name>`` (the core's are ``core.<name>``) and unique. Each type lists its
    fields (``FieldSpec``: kind, required, limits, choices, whether personal data), its
    default ``Classification``, its retention and which sharing it allows.
    """


@hookspec
def register_cli_commands(cli: click.Group) -> None:
    """Add commands to the ``samverka`` command-line interface."""


@hookspec
def measure_summaries(session: Any, tenant: Any, measure: Any) -> list[MeasureSummary]:
    """Indicator summaries shown on an action plan's measure (the indicators plugin).

    Called for the plugins ``tenant`` has enabled, inside the viewer's scope, for one
    ``samverka.workflows.action_plans.services.PlanMeasure``. Return a list of dicts with at least
    ``label`` and ``value`` (optionally ``trend``: "up"/"unchanged"/"down", ``url``, and
    texts in the UI's language: ``trend_text``, ``target``, ``status_text``; the page shows
    them in words, never by colour alone).
    """


@hookspec
def compliance_evidence(session: Any, tenant: Any) -> list[EvidenceItem]:
    """*Per tenant.* Evidence for the statutory duties (Lag 2023:196) the plugin knows of.

    Each item is ``{"duty", "met": bool, "as_of": date | None, "summary": str, "url"}``;
    ``duty`` is one of ``situation_picture``, ``action_plan``, ``coordination_function``,
    ``council_meetings``, ``follow_up``, ``cooperation_agreement`` (others are listed after
    them). A duty nobody answers shows "no evidence" on the compliance overview.
    """


@hookspec
def cycle_calendar_entries(session: Any, tenant: Any, year: int) -> list[CalendarEntry]:
    """Entries for ``tenant``'s annual calendar (årshjul) of ``year``.

    Called for the plugins ``tenant`` has enabled, inside the tenant's scope. Return dicts
    ``{"date": datetime.date, "title": str, "kind": str, "url": str | None}``.
    """


@hookspec
def cycle_overview_items(session: Any, tenant: Any, user: Any) -> list[OverviewItem]:
    """*Per tenant.* Items for the coordinator's start page.

    Each item is ``{"kind", "title", "due": date | None, "status", "url"}`` with ``status``
    one of ``ok``, ``late``, ``red``, ``due``, ``info``; the page groups by ``kind`` and sorts
    each group by due date.
    """


@hookspec
def situation_picture_sections(session: Any, tenant: Any, period: Any) -> list[PictureSection]:
    """*Per tenant.* Extra sections for a situation picture compiled for ``tenant`` over
    ``period`` (a ``(start, end)`` pair of dates): a list of dicts with ``title`` and
    ``text`` (plain text) and optionally ``table`` (a list of rows, the first the header).
    Called while the picture is compiled, in the tenant's scope; read only what the tenant
    may read, and write nothing.
    """


@hookspec
def publish_series(session: Any, tenant: Any) -> list[PublishedSeries]:
    """*Per tenant.* Countable series this module publishes for indicators.

    Return ``PublishedSeries(code, label, unit, values)`` entries (from
    :mod:`samverka.toolkit`): ``values`` maps a period (``2024``, ``2024Q1``,
    ``202401``) to a number for ``tenant`` (``session`` is scoped to it). The indicators
    plugin lists them as data elements' sources and stores their values, so indicators can
    use e.g. reports per category without the modules knowing each other. Codes are at
    most 40 characters, prefixed with the module's name.
    """


@hookspec
def seed_demo(session: Any) -> dict[str, int] | None:
    """*Demo only* (``samverka seed-demo`` and ``bin/demo``; refused in production).

    Add the plugin's demo data after the core's, idempotently: the core has by then offered
    every installed plugin to each demo consortium and enabled it for their municipalities,
    and seeded users, pictures, action plans and agreements. Return counts of what was
    created, keyed by a name prefixed with the plugin's (0 on a second run).
    """


@hookspec
def register_overview_kinds() -> list[OverviewKind]:
    """*Per tenant.* The kinds of item the plugin's ``cycle_overview_items`` answers with,
    each with its heading: ``OverviewKind(kind, label, order=100)`` (from
    :mod:`samverka.toolkit`; ``label`` translatable, e.g. ``lazy_gettext``; groups
    stand by ``order``, then kind).

    Every kind an item uses must be declared here, by the plugin that makes the items (a
    test fails otherwise); an undeclared kind is shown under "Other items" rather than by its key.
    Overview items may also name their ``organisation`` (the owner of the council, plan or
    round they come from; the viewing tenant when left out): the page names each item's
    organisation when they are not all the viewer's own.
    """
