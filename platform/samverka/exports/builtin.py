"""The core's own exports: a tenant's members, a consortium's organisations, and the
"Organisationsblad" (a one-page summary of an organisation, marked INTERNAL)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from samverka import clock
from samverka.auth.services import tenant_members as members_of
from samverka.classification import Classification
from samverka.exports.pdf import Document, Section
from samverka.exports.service import register_export
from samverka.exports.tabular import Column, Kind, Table
from samverka.plugins.services import enabled_plugins
from samverka.runtime import runtime
from samverka.tenants.models import KIND_LABELS, Consortium, Tenant


def tenant_members(session: Session, tenant: Tenant, spec: Mapping[str, Any]) -> Table:
    """Name, e-mail and roles (labels in the current locale), one row per member."""

    roles = runtime().registry.roles
    listing = members_of(session, tenant)

    def rows() -> Iterator[dict[str, Any]]:
        for user, held in listing:
            labels = [str(roles[r].label) if r in roles else r for r in held]
            yield {"name": user.name, "email": user.email, "roles": ", ".join(labels)}

    return Table(
        title=_("Members – %(organisation)s", organisation=tenant.name),
        columns=[
            Column("name", _("Name")),
            Column("email", _("E-mail address")),
            Column("roles", _("Roles")),
        ],
        rows=rows(),
        total=len(listing),
        **yes_no(),
    )


def consortium_members(consortium: Consortium) -> Table:
    """The consortium's organisations (a consortium is not a tenant: made inline only)."""
    labels = kind_labels()
    return Table(
        title=_("Member organisations – %(consortium)s", consortium=consortium.name),
        columns=[
            Column("name", _("Name")),
            Column("kind", _("Kind of organisation")),
            Column("municipality_code", _("Municipality code")),
            Column("population", _("Population"), Kind.INTEGER),
        ],
        rows=(
            {
                "name": t.name,
                "kind": labels[t.kind.value],
                "municipality_code": t.municipality_code,
                "population": t.population,
            }
            for t in consortium.tenants
        ),
        total=len(consortium.tenants),
        **yes_no(),
    )


def organisation_sheet(session: Session, tenant: Tenant, spec: Mapping[str, Any]) -> Document:
    """Name, kind, municipality code, population, consortia and modules in use."""

    host = runtime().host
    modules = sorted(str(host.manifest(n).title) for n in enabled_plugins(session, host, tenant))
    population = f"{tenant.population:,}".replace(",", "\u00a0") if tenant.population else "–"
    facts = [
        (_("Name"), tenant.name),
        (_("Kind of organisation"), str(kind_labels()[tenant.kind.value])),
        (_("Municipality code"), tenant.municipality_code or "–"),
        (_("Population"), population),
    ]
    return Document(
        title=_("Organisation sheet – %(organisation)s", organisation=tenant.name),
        organisation_name=tenant.name,
        classification=Classification.INTERNAL,
        date=clock.today(),
        sections=[
            Section(_("The organisation"), facts=facts),
            Section(
                _("Consortia"),
                items=[c.name for c in tenant.consortia] or [],
                paragraphs=[] if tenant.consortia else [_("Not a member of any consortium.")],
            ),
            Section(
                _("Modules in use"),
                items=modules,
                paragraphs=[] if modules else [_("No modules are in use yet.")],
            ),
        ],
    )


def kind_labels() -> dict[str, str]:
    return {kind.value: str(label) for kind, label in KIND_LABELS.items()}


def yes_no() -> dict[str, str]:
    return {"true_label": _("Yes"), "false_label": _("No")}


register_export(
    "tenant.members", tenant_members, action="tenant:members:view", formats=("csv", "xlsx")
)
register_export(
    "tenant.organisation_sheet",
    organisation_sheet,
    action="tenant:dashboard:view",
    formats=("pdf",),
)
