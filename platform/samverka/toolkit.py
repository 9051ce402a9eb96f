"""The toolkit for plugin authors (CKAN's ``toolkit``): the only module a plugin imports.

Pure re-exports with an explicit ``__all__``: the core can change its inside without
breaking plugins, and an import-linter contract (``pyproject.toml``) keeps plugins on this
side of the line. Each name's documentation is where it is defined; ``docs/plugin-hooks.md``
lists the hooks, whose results are the typed values below (``NavItem``, ``PeriodicJob``,
``PublishedSeries``, ``RecordType``, ``Permission``, ``Role``, ``PluginManifest``).

What a plugin gets, by kind:

- declaring itself: ``hookimpl``, ``PluginManifest``, ``Permission``, ``Role``, ``NavItem``
  (in a ``NavGroup``), ``OverviewKind``,
  ``PeriodicJob``, ``RecordType``/``FieldSpec``/``FieldKind``/``Classification``;
- its tables: ``Base``, ``TenantOwned``, ``Timestamped`` (tenant-scoped by the ORM and by
  row-level security), ``tenant_scope``;
- a request: ``db_session``, ``current_tenant``, ``authorize``, ``plugin_config``;
- its API: ``ApiBlueprint``, ``api_require``, ``PageArgs``, ``api_cursor``, ``api_page``,
  ``id_field``, ``bounded_integer``, ``bounded_date``, ``MAX_ID``;
- work in the background: ``enqueue``, ``report_progress``, ``after_commit``;
- the core's services: ``records()`` (disclosed to the viewer), ``record_event`` (audit),
  ``plugin_config_for``, ``tenant_by_id``, ``tenant_by_slug``, ``consortium_members``,
  ``consortium_read_scope`` (read-only), ``scope_tenant_ids``, ``published_series`` (what
  every enabled module publishes), ``measure_references`` (the tenant's action-plan
  measures);
- errors a view may raise: ``NotFound``, ``Forbidden``, ``ValidationError``;
- charts (``samverka.charts``): the specifications ``BarChart``, ``LineChart``,
  ``SmallMultiples``, ``HeatMap``, ``AreaMap`` of ``MapFeature``, with ``Series``,
  ``Reference`` and ``SUPPRESSED``; ``render_chart`` gives a ``RenderedChart`` for the macro
  ``charts/figure.html:chart_figure`` or a PDF ``Section``.
  measures); the register of areas: ``Area``, ``areas_of(session, tenant)`` (a tenant's
  live areas: its own, or read-only a consortium partner's), ``find_area(session, tenant,
  name)``, ``area_features(session, areas)`` (GeoJSON FeatureCollection for maps);
- errors a view may raise: ``NotFound``, ``Forbidden``, ``ValidationError``.
"""

from samverka.api.access import require as api_require
from samverka.api.blueprint import ApiBlueprint
from samverka.api.pagination import PageArgs
from samverka.api.pagination import decode_cursor as api_cursor
from samverka.api.pagination import page as api_page
from samverka.api.params import MAX_ID, bounded_date, bounded_integer, id_field
from samverka.areas.models import Area
from samverka.areas.services import as_feature_collection as area_features
from samverka.areas.services import find_by_name as find_area
from samverka.areas.services import list_areas as areas_of
from samverka.audit import record_event
from samverka.auth.permissions import Permission, Role
from samverka.charts import (
    SUPPRESSED,
    AreaMap,
    BarChart,
    HeatMap,
    LineChart,
    MapFeature,
    Reference,
    RenderedChart,
    Series,
    SmallMultiples,
)
from samverka.charts import render as render_chart
from samverka.classification import Classification
from samverka.db import Base, ReadOnlyScopeError, TenantOwned, Timestamped, scope_tenant_ids
from samverka.errors import Forbidden, NotFound, ValidationError
from samverka.jobs.outbox import enqueue
from samverka.jobs.runner import report_progress
from samverka.lifecycle.deletion import after_commit
from samverka.maps import AreaFigure, MapArea, MapData, area_map_data, classify
from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import (
    NavGroup,
    NavItem,
    OverviewKind,
    PeriodicJob,
    PluginManifest,
    PublishedSeries,
)
from samverka.plugins.services import (
    consortium_members,
    consortium_read_scope,
    plugin_config_for,
    published_series,
)
from samverka.records.plugin_records import PluginRecords, records
from samverka.records.types import FieldKind, FieldSpec, RecordType
from samverka.runtime import db_session
from samverka.tenancy.services import tenant_by_id, tenant_by_slug, tenant_scope
from samverka.web.context import can as authorize
from samverka.web.context import current_tenant, plugin_config
from samverka.workflows.action_plans.services import MeasureRef, measure_references

__all__ = [
    "MAX_ID",
    "SUPPRESSED",
    "ApiBlueprint",
    "Area",
    "AreaFigure",
    "AreaMap",
    "BarChart",
    "Base",
    "Classification",
    "FieldKind",
    "FieldSpec",
    "Forbidden",
    "HeatMap",
    "LineChart",
    "MapArea",
    "MapData",
    "MapFeature",
    "MeasureRef",
    "NavGroup",
    "NavItem",
    "NotFound",
    "OverviewKind",
    "PageArgs",
    "PeriodicJob",
    "Permission",
    "PluginManifest",
    "PluginRecords",
    "PublishedSeries",
    "ReadOnlyScopeError",
    "RecordType",
    "Reference",
    "RenderedChart",
    "Role",
    "Series",
    "SmallMultiples",
    "TenantOwned",
    "Timestamped",
    "ValidationError",
    "after_commit",
    "api_cursor",
    "api_page",
    "api_require",
    "area_features",
    "area_map_data",
    "areas_of",
    "authorize",
    "bounded_date",
    "bounded_integer",
    "classify",
    "consortium_members",
    "consortium_read_scope",
    "current_tenant",
    "db_session",
    "enqueue",
    "find_area",
    "hookimpl",
    "id_field",
    "measure_references",
    "plugin_config",
    "plugin_config_for",
    "published_series",
    "record_event",
    "records",
    "render_chart",
    "report_progress",
    "scope_tenant_ids",
    "tenant_by_id",
    "tenant_by_slug",
    "tenant_scope",
]
