"""``samverka audit …``: verify the hash chains, purge past retention, draw sample reviews.

The operator reads every chain through an explicit all-chains scope (every tenant plus the
platform), never by bypassing row-level security.
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from samverka import clock
from samverka.audit import reviews
from samverka.audit.chain import chain_key
from samverka.audit.retention import purge_expired
from samverka.audit.verify import verify_all
from samverka.cli.access import operator_requires
from samverka.cli.output import emit, json_option, operation
from samverka.lifecycle.verify import verify_archive
from samverka.runtime import db_session
from samverka.tenancy import services as tenancy


@click.group("audit", cls=AppGroup)
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
@click.option("--tenant", "tenant_slug", default=None, help="Only this tenant's chain.")
@json_option
def audit_verify(tenant_slug: str | None, as_json: bool) -> None:
    """Walk every chain; exit 1 naming the first broken entry of each broken chain."""
    reports = _verify(tenant_slug)
    broken = [r for r in reports if r.broken is not None]
    emit(
        as_json,
        {"ok": not broken, "chains": [r.as_dict() for r in reports]},
        lambda: "\n".join(_line(r) for r in reports) or "No audit entries yet",
    )
    if broken:
        sys.exit(1)


@operation
def _verify(tenant_slug: str | None):
    operator_requires("platform:audit:manage")
    session = db_session()
    only = None
    if tenant_slug is not None:
        only = chain_key(tenancy.get_tenant(session, tenant_slug).id)
    return verify_all(session, only)


def _line(report) -> str:
    if report.broken is None:
        return f"{report.chain}: ok, {report.entries} entries, head {report.head_seq}"
    b = report.broken
    return f"{report.chain}: BROKEN at entry id {b.entry_id} (seq {b.seq}): {b.reason}"


@audit.command("verify-archive")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@json_option
def audit_verify_archive(archive: str, as_json: bool) -> None:
    """Check a tenant archive offline: every file against its manifest, and the audit
    chain inside it; exit 1 naming the first problem. Needs no database."""

    check = verify_archive(archive)
    emit(
        as_json,
        check.as_dict(),
        lambda: (
            f"{archive}: ok, {check.files} files, {check.audit_entries} audit entries "
            f"of {check.tenant} in an unbroken chain"
            if check.ok
            else "\n".join(f"{archive}: BROKEN: {problem}" for problem in check.problems)
        ),
    )
    if not check.ok:
        sys.exit(1)


@audit.command("purge")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
@json_option
@operation
def audit_purge(dry_run: bool, as_json: bool) -> None:
    """Remove entries older than SAMVERKA_AUDIT_RETENTION_DAYS (at least five years); each
    purged chain keeps a checkpoint that `audit verify` starts from."""
    operator_requires("platform:audit:manage")
    results = purge_expired(db_session(), clock.now(), dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    emit(
        as_json,
        {"dry_run": dry_run, "chains": [r.__dict__ for r in results]},
        lambda: (
            "\n".join(
                f"{r.chain}: {verb} {r.removed} entries through seq {r.through_seq}"
                + (f" (skipped: {r.skipped})" if r.skipped else "")
                for r in results
            )
            or "Nothing to purge"
        ),
    )
    if dry_run:
        db_session().rollback()


@audit.command("reviews-due")
@json_option
@operation
def audit_reviews_due(as_json: bool) -> None:
    """Draw the sample reviews that are due (the scheduler does this periodically)."""
    operator_requires("platform:audit:manage")
    drawn = reviews.due_sample_reviews(db_session(), clock.now())
    emit(
        as_json,
        [{"tenant_id": r.tenant_id, "review_id": r.id, "sampled": len(r.entry_ids)} for r in drawn],
        f"{len(drawn)} sample review(s) drawn",
    )


def register(cli: click.Group) -> None:
    cli.add_command(audit)
