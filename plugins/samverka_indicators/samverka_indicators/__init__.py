"""Samverka's indicators plugin (issue 6): DHIS2-style data elements and indicators, values
per tenant and period, imports from files and Kolada, consortium comparison with small-number
suppression. A third party's plugin: it touches the core only through
:mod:`samverka.toolkit`."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from sqlalchemy import select

from samverka.toolkit import NavGroup, NavItem, Permission, PluginManifest, hookimpl

from .models import NAME, DataElement, DataValue, Indicator

HERE = Path(__file__).parent
VIEW = "tenant:indicators:view"
MANAGE = "tenant:indicators:manage"

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "kolada_base_url": {"type": "string", "pattern": "^https?://"},
        "bra_mapping": {
            "type": "object",
            "properties": {
                "municipality": {"type": "string"},
                "period": {"type": "string"},
                "value": {"type": "string"},
                "category": {"type": "string"},
                "elements": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "additionalProperties": False,
        },
        "average_years": {"type": "integer", "minimum": 1, "maximum": 10},
    },
    "additionalProperties": False,
}
DEFAULT_CONFIG = {
    "kolada_base_url": "https://api.kolada.se/v2",
    "bra_mapping": {
        "municipality": "Kommun",
        "period": "År",
        "value": "Antal",
        "category": "Brottskategori",
        "elements": {},
    },
    "average_years": 3,
}


@hookimpl
def register_manifest() -> PluginManifest:
    return PluginManifest(
        name=NAME,
        title="Indikatorer",
        description="Short- and long-term indicators with imports from Kolada and Brå.",
        version="0.1.0",
        config_schema=CONFIG_SCHEMA,
        default_config=DEFAULT_CONFIG,
        migrations=HERE / "migrations" / "versions",
    )


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission(
            VIEW, "See indicators", ("tenant_admin", "coordinator", "contributor", "reader")
        ),
        Permission(MANAGE, "Define indicators and import values", ("tenant_admin", "coordinator")),
    ]


@hookimpl
def register_blueprints() -> list[Blueprint]:
    from . import definitions_web  # noqa: F401 - adds the definitions' routes to bp
    from .web import bp

    return [bp]


@hookimpl
def register_api_blueprints() -> list:
    from .api import api_bp

    return [api_bp]


@hookimpl
def register_nav_items(tenant, user) -> list[NavItem]:
    """Under the menu's "Modules" (a plugin's default, stated for the reader)."""
    return [NavItem("Indikatorer", "indicators.index", VIEW, 60, NavGroup.MODULES)]


@hookimpl
def register_jobs() -> dict:
    from .jobs import import_batch, import_kolada, sync_sources

    return {
        "import_batch": import_batch,
        "import_kolada": import_kolada,
        "sync_sources": sync_sources,
    }


@hookimpl
def export_tenant_data(session, tenant, archive) -> None:
    """The tenant's definitions and values (not the uploaded files' bytes)."""
    for path, model in (
        ("indicators/data_elements.jsonl", DataElement),
        ("indicators/indicators.jsonl", Indicator),
        ("indicators/values.jsonl", DataValue),
    ):
        columns = [c for c in model.__table__.columns]
        rows = session.execute(select(*columns).order_by(model.id))
        archive.add_jsonl(path, (dict(row._mapping) for row in rows))


@hookimpl
def before_tenant_delete(session, tenant) -> None:
    """Shared definitions other members still have values for are handed to one of them
    (their values would otherwise go with the owner by the foreign key's cascade)."""
    from .lifecycle import hand_over_shared

    hand_over_shared(session, tenant)


@hookimpl
def measure_summaries(session, tenant, measure) -> list[dict]:
    """The attached indicators' trend against the tenant's target, on the measure."""
    from .cycle import measure_summaries

    return measure_summaries(session, tenant, measure)


@hookimpl
def situation_picture_sections(session, tenant, period) -> list[dict]:
    """An indicator section (three years, counts beside rates, targets)."""
    from .cycle import picture_section

    return picture_section(session, tenant, period)


@hookimpl
def compliance_evidence(session, tenant) -> list[dict]:
    """Follow-up: measures followed up by indicators with targets and values."""
    from .cycle import follow_up_evidence

    return follow_up_evidence(session, tenant)


@hookimpl
def register_cli_commands(cli) -> None:
    """``samverka indicators seed-demo``: the SuToHaMu demo indicators (after
    ``samverka plugin allow indicators sutohamu`` and ``plugin enable`` per member)."""
    import click
    from flask.cli import with_appcontext

    @cli.group("indicators")
    def group() -> None:
        """The indicators plugin."""

    @group.command("seed-demo")
    @click.option("--json", "as_json", is_flag=True)
    @with_appcontext
    def seed_demo(as_json: bool) -> None:
        """Seed Torsby's shared indicator set, values 2019-2025, targets and measure links."""
        import json

        from samverka.toolkit import db_session

        from . import demo

        session = db_session()
        members = demo.sutohamu_members(session)
        if not members:
            raise click.ClickException("enable the indicators plugin for the SuToHaMu members")
        created = demo.seed_all(session, members)
        session.commit()
        result = {"tenants": [t.slug for t in members], **created}
        click.echo(
            json.dumps(result)
            if as_json
            else ", ".join(f"{n} {what}" for what, n in created.items())
            + " for "
            + ", ".join(result["tenants"])
        )


@hookimpl
def seed_demo(session) -> dict[str, int]:
    """The SuToHaMu indicator set, values, targets and measure links (``bin/demo``)."""
    from . import demo

    members = demo.sutohamu_members(session)
    return demo.seed_all(session, members) if members else {}
