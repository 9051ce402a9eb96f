"""``samverka record …``: record types, a tenant's records, shares, the retention purge.

The operator acts within one tenant's scope at a time (``--tenant``), through the same
services and the same authorisation as the web and the API: it may read, share and revoke,
but never sees personal fields, and its reads of confidential records are audited.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from samverka import clock
from samverka.auth.authorization import Principal
from samverka.classification import Classification
from samverka.cli.access import operator_requires
from samverka.cli.output import emit, json_option, operation
from samverka.db import TenantScope, set_scope
from samverka.errors import NotFound
from samverka.records import retention, services
from samverka.records.disclosure import disclose
from samverka.records.models import RecordShare
from samverka.runtime import db_session, runtime
from samverka.tenancy import services as tenancy

OPERATOR = Principal.operator()
tenant_option = click.option("--tenant", "tenant_slug", required=True, help="Tenant slug.")


@click.group("record", cls=AppGroup)
def record() -> None:
    """Typed records: types, lists, shares, retention."""


def _enter(tenant_slug: str):
    """The tenant, with the operator's session scoped to it (explicitly, for this command)."""
    session = db_session()
    tenant = tenancy.get_tenant(session, tenant_slug)
    set_scope(session, TenantScope.for_tenant(tenant.id))
    return session, tenant


def _summary(record) -> dict:
    return {
        "id": record.id,
        "type": record.type_name,
        "title": record.title,
        "classification": Classification(record.classification).value,
        "version": record.version,
        "owner_tenant_id": record.tenant_id,
        "updated_at": record.updated_at.isoformat(),
    }


def _share_dict(share) -> dict:
    return {
        "id": share.id,
        "record_id": share.record_id,
        "receiver_tenant_id": share.receiver_tenant_id,
        "consortium_id": share.consortium_id,
        "ground": share.ground,
        "valid_from": share.valid_from.isoformat(),
        "valid_until": share.valid_until.isoformat() if share.valid_until else None,
        "revoked_at": share.revoked_at.isoformat() if share.revoked_at else None,
    }


@record.command("types")
@json_option
@operation
def record_types(as_json: bool) -> None:
    """The registered record types and their fields."""
    kinds = list(runtime().record_types)
    emit(
        as_json,
        [
            {
                "name": k.name,
                "label": str(k.label),
                "default_classification": k.default_classification.value,
                "retention_days": k.retention.days if k.retention else None,
                "sharing": sorted(k.sharing),
                "fields": [
                    {
                        "name": f.name,
                        "kind": f.kind.value,
                        "required": f.required,
                        "personal": f.personal,
                    }
                    for f in k.fields
                ],
            }
            for k in kinds
        ],
        lambda: "\n".join(
            f"{k.name}\t{k.default_classification.value}\t"
            + ", ".join(f.name + ("*" if f.personal else "") for f in k.fields)
            for k in kinds
        ),
    )


@record.command("list")
@tenant_option
@click.option("--type", "record_type", default=None, help="Only this record type.")
@click.option("--limit", default=50, type=click.IntRange(1, 1000))
@json_option
@operation
def record_list(tenant_slug: str, record_type: str | None, limit: int, as_json: bool) -> None:
    """The tenant's records and those shared with it, newest first."""
    session, tenant = _enter(tenant_slug)
    operator_requires("tenant:records:read", tenant=tenant)
    rows = services.list_records(
        session, viewer_tenant=tenant, user=OPERATOR, record_type=record_type, limit=limit
    )
    emit(
        as_json,
        [_summary(r) for r in rows],
        lambda: (
            "\n".join(
                f"{r.id}\t{r.type_name}\t{Classification(r.classification).value}\t{r.title}"
                for r in rows
            )
            or "No records"
        ),
    )


@record.command("show")
@click.argument("record_id", type=int)
@tenant_option
@json_option
@operation
def record_show(record_id: int, tenant_slug: str, as_json: bool) -> None:
    """One record (personal fields left out; confidential reads are audited)."""
    session, tenant = _enter(tenant_slug)
    operator_requires("tenant:records:read", tenant=tenant)
    found = services.get_record(session, record_id, user=OPERATOR, viewer_tenant=tenant)
    data = dict(disclose(session, found, user=OPERATOR, viewer_tenant=tenant).data)
    emit(
        as_json,
        {**_summary(found), "data": data},
        lambda: "\n".join(
            [f"{found.id}: {found.title} ({found.type_name}, version {found.version})"]
            + [f"  {name}: {value}" for name, value in data.items()]
        ),
    )


def _end_of(day: datetime | None) -> datetime | None:
    """``--until 2027-06-30``: the share lasts through that day (UTC)."""
    if day is None:
        return None
    return datetime.combine(day.date(), time(), tzinfo=UTC) + timedelta(days=1)


@record.command("share")
@click.argument("record_id", type=int)
@tenant_option
@click.option("--to", "to_tenant", default=None, help="Receiving tenant's slug.")
@click.option("--consortium", "to_consortium", default=None, help="Receiving consortium's slug.")
@click.option("--ground", default=None, help="Disclosure ground (e.g. OSL 10:2).")
@click.option("--consent", "consent_reference", default=None, help="Consent reference.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day.")
@json_option
@operation
def record_share(
    record_id: int,
    tenant_slug: str,
    to_tenant: str | None,
    to_consortium: str | None,
    ground: str | None,
    consent_reference: str | None,
    until: datetime | None,
    as_json: bool,
) -> None:
    """Share a record of the tenant with another tenant or a consortium."""
    session, tenant = _enter(tenant_slug)
    operator_requires("tenant:records:share", tenant=tenant)
    found = services.get_record(session, record_id, user=OPERATOR, viewer_tenant=tenant)
    share = services.share_record(
        session,
        found,
        tenant=to_tenant,
        consortium=to_consortium,
        ground=ground,
        consent_reference=consent_reference,
        valid_until=_end_of(until),
        user=OPERATOR,
    )
    emit(as_json, _share_dict(share), f"Shared record {found.id} (share {share.id})")


@record.command("revoke-share")
@click.argument("share_id", type=int)
@tenant_option
@click.option("--reason", default=None)
@json_option
@operation
def record_revoke_share(share_id: int, tenant_slug: str, reason: str | None, as_json: bool) -> None:
    """Revoke a share the tenant gave."""
    session, tenant = _enter(tenant_slug)
    operator_requires("tenant:records:share", tenant=tenant)
    share = session.scalars(select(RecordShare).where(RecordShare.id == share_id)).one_or_none()
    if share is None:
        raise NotFound(f"no share {share_id} of {tenant.slug}")
    services.revoke_share(session, share, user=OPERATOR, reason=reason)
    emit(as_json, _share_dict(share), f"Revoked share {share.id}")


@record.command("purge-expired")
@json_option
@operation
def record_purge_expired(as_json: bool) -> None:
    """Purge records deleted longer than the restore window or past their retention
    (the scheduler does this daily)."""
    operator_requires("platform:records:purge")
    results = retention.purge_expired(db_session(), clock.now())
    emit(
        as_json,
        [r.__dict__ for r in results],
        lambda: f"Purged {len(results)} record(s)",
    )


def register(cli: click.Group) -> None:
    cli.add_command(record)
