"""The core's part of a tenant's archive (files under ``core/``) and of its deletion.

Secrets never leave: the SSO client secret, API token hashes and keys, password hashes and
TOTP seeds are not read at all (columns are listed explicitly, never ``SELECT *``), a job's
arguments (encrypted: a mail job carries a reset link) are left out, and configuration keys
that look like secrets are replaced by a marker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka.audit.chain import FORMAT_VERSION as HASH_FORMAT_VERSION
from samverka.audit.chain import HASHED_FIELDS, chain_key, utc_text
from samverka.audit.models import AuditChainHead, AuditEntry, AuditReview
from samverka.auth.models import User
from samverka.auth.sso.models import IdentityProvider, SsoDomain, SsoRoleGrant
from samverka.auth.token_models import ApiToken
from samverka.db import SCOPE_FREE
from samverka.exports import export_store
from samverka.jobs.models import OutboxJob
from samverka.lifecycle.deletion import after_commit
from samverka.plugins.models import TenantPlugin
from samverka.runtime import runtime
from samverka.tenants.models import Membership, Tenant

SECRET_LOOKING = re.compile(r"secret|passw|pwd|token|credential|api_?key|private", re.I)
WITHHELD = "[utelämnat: hemlighet]"
BATCH = 1000


def export_core(session: Session, tenant: Tenant, archive: Any) -> None:
    archive.add_json("core/tenant.json", tenant_data(tenant))
    archive.add_jsonl("core/memberships.jsonl", memberships(session, tenant))
    archive.add_json("core/plugins.json", plugin_rows(session, tenant))
    archive.add_jsonl("core/api_tokens.jsonl", api_tokens(session, tenant))
    archive.add_json("core/sso.json", sso_settings(session, tenant))
    archive.add_jsonl("core/sso_role_grants.jsonl", sso_role_grants(session, tenant))
    head = session.get(AuditChainHead, chain_key(tenant.id))
    archive.add_json("core/audit/chain.json", chain_data(tenant, head))
    archive.add_jsonl("core/audit/entries.jsonl", audit_entries(session, tenant, head))
    archive.add_jsonl("core/audit/reviews.jsonl", audit_reviews(session, tenant))
    archive.add_jsonl("core/jobs.jsonl", job_history(session, tenant))


def tenant_data(tenant: Tenant) -> dict[str, Any]:
    return {
        "id": tenant.id,
        "slug": tenant.slug,
        "name": tenant.name,
        "kind": tenant.kind,
        "municipality_code": tenant.municipality_code,
        "population": tenant.population,
        "created_at": tenant.created_at,
        "consortia": [
            {"slug": c.slug, "name": c.name, "county_code": c.county_code} for c in tenant.consortia
        ],
        "deletion_requested_at": tenant.deletion_requested_at,
        "deletion_due_at": tenant.deletion_due_at,
    }


def memberships(session: Session, tenant: Tenant) -> Iterator[dict[str, Any]]:
    """The tenant's own staff and their roles: personal data its administrator may have."""
    rows = session.execute(
        select(Membership.user_id, User.name, User.email, Membership.role, Membership.created_at)
        .join(User, User.id == Membership.user_id)
        .where(Membership.tenant_id == tenant.id)
        .order_by(User.name, User.id, Membership.role)
    )
    for row in rows:
        yield {
            "user_id": row.user_id,
            "name": row.name,
            "email": row.email,
            "role": row.role,
            "since": row.created_at,
        }


def plugin_rows(session: Session, tenant: Tenant) -> list[dict[str, Any]]:
    rows = session.scalars(select(TenantPlugin).order_by(TenantPlugin.plugin))
    return [
        {
            "plugin": row.plugin,
            "enabled": row.enabled,
            "config": withhold_secrets(row.config or {}),
            "since": row.created_at,
        }
        for row in rows
    ]


def withhold_secrets(value: Any) -> Any:
    """A configuration with every secret-looking key's value replaced by a marker."""
    if isinstance(value, dict):
        return {
            key: WITHHELD if SECRET_LOOKING.search(str(key)) else withhold_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [withhold_secrets(item) for item in value]
    return value


def api_tokens(session: Session, tenant: Tenant) -> Iterator[dict[str, Any]]:
    """Who holds which token and how long it lives: never its key or secret hash."""
    rows = session.execute(
        select(
            ApiToken.id,
            ApiToken.user_id,
            ApiToken.name,
            ApiToken.role_cap,
            ApiToken.created_at,
            ApiToken.expires_at,
            ApiToken.last_used_at,
            ApiToken.revoked_at,
        ).order_by(ApiToken.id)
    )
    for row in rows:
        yield dict(row._mapping)


def sso_settings(session: Session, tenant: Tenant) -> dict[str, Any] | None:
    """The provider without its client secret (the column is not even read)."""
    row = session.execute(
        select(
            IdentityProvider.issuer,
            IdentityProvider.client_id,
            IdentityProvider.scopes,
            IdentityProvider.email_claim,
            IdentityProvider.groups_claim,
            IdentityProvider.role_map,
            IdentityProvider.enabled,
            IdentityProvider.created_at,
            IdentityProvider.updated_at,
        )
    ).one_or_none()
    domains = session.scalars(
        select(SsoDomain.domain)
        .where(SsoDomain.tenant_id == tenant.id)
        .order_by(SsoDomain.domain)
        .execution_options(**SCOPE_FREE)
    ).all()
    if row is None and not domains:
        return None
    return {"provider": dict(row._mapping) if row else None, "domains": list(domains)}


def sso_role_grants(session: Session, tenant: Tenant) -> Iterator[dict[str, Any]]:
    rows = session.execute(
        select(SsoRoleGrant.user_id, SsoRoleGrant.role, SsoRoleGrant.created_at).order_by(
            SsoRoleGrant.user_id, SsoRoleGrant.role
        )
    )
    for row in rows:
        yield dict(row._mapping)


def chain_data(tenant: Tenant, head: AuditChainHead | None) -> dict[str, Any]:
    """Where the exported chain starts (the last purge checkpoint) and ends (its head when
    the export began): what an offline check needs besides the entries."""
    return {
        "chain": chain_key(tenant.id),
        "hash_format_version": HASH_FORMAT_VERSION,
        "hashed_fields": list(HASHED_FIELDS),
        "base_seq": head.base_seq if head else 0,
        "base_hash": head.base_hash if head else "0" * 64,
        "head_seq": head.seq if head else 0,
        "head_hash": head.hash if head else "0" * 64,
    }


def audit_entries(
    session: Session, tenant: Tenant, head: AuditChainHead | None
) -> Iterator[dict[str, Any]]:
    """The tenant's chain in order, up to the head read first (entries appended while the
    export runs belong to the next one), in batches of plain rows."""
    if head is None:
        return
    columns = [AuditEntry.id, AuditEntry.hash, *(getattr(AuditEntry, f) for f in HASHED_FIELDS)]
    after = head.base_seq
    while True:
        batch = session.execute(
            select(*columns)
            .where(
                AuditEntry.chain == head.chain,
                AuditEntry.seq > after,
                AuditEntry.seq <= head.seq,
            )
            .order_by(AuditEntry.seq)
            .limit(BATCH)
        ).all()
        for row in batch:
            entry = dict(row._mapping)
            entry["occurred_at"] = utc_text(entry["occurred_at"])
            yield entry
        if len(batch) < BATCH:
            return
        after = batch[-1].seq


def audit_reviews(session: Session, tenant: Tenant) -> Iterator[dict[str, Any]]:
    for review in session.scalars(select(AuditReview).order_by(AuditReview.id)):
        yield {
            "id": review.id,
            "period_start": review.period_start,
            "period_end": review.period_end,
            "entry_ids": review.entry_ids,
            "reviewed_at": review.reviewed_at,
            "reviewed_by_user_id": review.reviewed_by_user_id,
        }


def job_history(session: Session, tenant: Tenant) -> Iterator[dict[str, Any]]:
    """What ran when, and how it ended: not the arguments (they may carry mail and links)."""
    rows = session.execute(
        select(
            OutboxJob.id,
            OutboxJob.job,
            OutboxJob.status,
            OutboxJob.attempts,
            OutboxJob.created_at,
            OutboxJob.finished_at,
            OutboxJob.error_class,
        )
        .where(OutboxJob.tenant_id == tenant.id)
        .order_by(OutboxJob.id)
    )
    for row in rows:
        yield dict(row._mapping)


def release_core(session: Session, tenant: Tenant) -> None:
    """Before the tenant's rows go: its stored exports (files outside the database) are
    removed once the deletion has committed (a rolled-back deletion keeps them)."""

    store = export_store(runtime().settings.instance_path)
    tenant_id = tenant.id
    after_commit(session, lambda: store.remove_tenant(tenant_id))
