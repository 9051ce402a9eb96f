"""The core's own roles, permissions and navigation, registered as an internal plugin."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from samverka.auth.authorization import CONSORTIUM_ADMIN, OPERATOR, PLATFORM_ADMIN
from samverka.auth.permissions import Permission, Role
from samverka.plugins.api import hookimpl
from samverka.plugins.manifest import NavGroup, NavItem, OverviewKind

TENANT_ROLES = ("tenant_admin", "coordinator", "contributor", "reader")
ADMINS = (CONSORTIUM_ADMIN, PLATFORM_ADMIN, OPERATOR)
TOP = (PLATFORM_ADMIN, OPERATOR)


@hookimpl
def register_roles() -> list[Role]:
    return [
        Role(
            "tenant_admin",
            _l("Administrator"),
            "tenant",
            _l("Manages the organisation's members and modules."),
        ),
        Role(
            "coordinator",
            _l("Coordinator"),
            "tenant",
            _l("Crime-prevention coordinator: leads the organisation's work."),
        ),
        Role(
            "contributor",
            _l("Contributor"),
            "tenant",
            _l("Reports and edits the organisation's material."),
        ),
        Role("reader", _l("Reader"), "tenant", _l("Reads the organisation's material.")),
        Role(CONSORTIUM_ADMIN, _l("Consortium administrator"), "consortium"),
        Role(PLATFORM_ADMIN, _l("Platform administrator"), "platform"),
        Role(OPERATOR, _l("Operator (command line)"), "platform"),
    ]


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("tenant:dashboard:view", "See the organisation's start page", TENANT_ROLES),
        Permission(
            "tenant:members:view",
            "See members and their roles",
            ("tenant_admin", "coordinator", *ADMINS),
        ),
        Permission(
            "tenant:members:manage", "Add and remove members and roles", ("tenant_admin", *ADMINS)
        ),
        Permission(
            "tenant:members:leave_without_admin",
            "Remove an organisation's last administrator (deliberately, audited)",
            TOP,
        ),
        Permission(
            "tenant:members:adopt",
            "Make a role granted through a consortium the organisation's own",
            ("tenant_admin", *TOP),
            own_authority=True,
        ),
        Permission(
            "tenant:plugins:view",
            "See which modules are in use",
            ("tenant_admin", "coordinator", *ADMINS),
        ),
        Permission(
            "tenant:plugins:manage", "Enable, disable and configure modules", ("tenant_admin", *TOP)
        ),
        # Not the consortium administrators: an organisation's login (its identity provider
        # and e-mail domains) is its own, whoever administers its members; nor anyone made
        # its administrator through a consortium (own_authority).
        Permission(
            "tenant:identity:manage",
            "Configure single sign-on (the organisation's login provider)",
            ("tenant_admin", *TOP),
            own_authority=True,
        ),
        Permission(
            "tenant:directory:view",
            "See the organisation, its consortia and the names of their members",
            (*TENANT_ROLES, *ADMINS),
        ),
        Permission(
            "tenant:api_tokens:own", "Create, see and revoke one's own API tokens", TENANT_ROLES
        ),
        Permission(
            "tenant:api_tokens:manage",
            "See and revoke every API token of the organisation",
            ("tenant_admin", *TOP),
        ),
        Permission("consortium:tenants:view", "See the consortium's members", ADMINS),
        Permission(
            "consortium:tenants:manage",
            "Invite organisations to the consortium, create new ones, remove members",
            ADMINS,
        ),
        # Not the consortium administrators: they hold their role in the tenant only through
        # a membership, and must not decide the tenant's memberships (another consortium's
        # invitation, or staying in their own); nor those they made its administrators.
        Permission(
            "tenant:consortia:manage",
            "Accept or decline invitations to consortia, leave consortia",
            ("tenant_admin", *TOP),
            own_authority=True,
        ),
        Permission("consortium:plugins:manage", "Offer modules to the members", ADMINS),
        Permission("consortium:admins:manage", "Appoint consortium administrators", TOP),
        Permission("platform:consortia:view", "See every consortium", TOP),
        Permission("platform:consortia:manage", "Create consortia", TOP),
        Permission("platform:users:manage", "Create users and platform administrators", TOP),
        Permission(
            "platform:identity:manage",
            "Approve or reject the e-mail domains organisations claim for single sign-on",
            TOP,
        ),
        Permission("platform:plugins:manage", "Configure installed plugins platform-wide", TOP),
        Permission(
            "tenant:audit:view",
            "Read and export the organisation's audit log, review its samples",
            ("tenant_admin", *TOP),
        ),
        Permission("platform:audit:manage", "Verify and purge the audit log", TOP),
        Permission(
            "tenant:jobs:view", "Follow the organisation's background jobs", (*TENANT_ROLES, *TOP)
        ),
        Permission(
            "tenant:jobs:manage",
            "See failed background jobs and retry them",
            ("tenant_admin", *TOP),
        ),
        Permission("platform:jobs:manage", "See and retry failed jobs of every tenant", TOP),
        Permission(
            "tenant:archive:export",
            "Export everything the organisation owns as one archive, and download it",
            ("tenant_admin", *TOP),
        ),
        Permission(
            "platform:tenants:delete",
            "Schedule and cancel the deletion of an organisation and all it owns",
            TOP,
        ),
        *record_permissions(),
        *compliance_permissions(),
    ]


RECORD_WRITERS = ("tenant_admin", "coordinator", "contributor")


def record_permissions() -> list[Permission]:
    """Records (samverka.records): the operator may read, share and purge from the command
    line but never sees personal fields."""
    return [
        Permission(
            "tenant:records:read",
            "Read the organisation's records and those shared with it",
            (*TENANT_ROLES, OPERATOR),
        ),
        Permission(
            "tenant:records:write", "Create and edit the organisation's records", RECORD_WRITERS
        ),
        Permission(
            "tenant:records:delete",
            "Delete and restore the organisation's records",
            ("tenant_admin", "coordinator", OPERATOR),
        ),
        Permission(
            "tenant:records:share",
            "Share the organisation's records with other organisations, revoke shares",
            ("tenant_admin", "coordinator", OPERATOR),
        ),
        Permission(
            "tenant:records:read_personal",
            "See personal data in records (fields marked as personal)",
            ("tenant_admin", "coordinator"),
        ),
        Permission(
            "tenant:records:attachments",
            "Add and remove attachments of the organisation's records",
            RECORD_WRITERS,
        ),
        Permission(
            "platform:records:purge",
            "Purge records past their retention or restore window",
            TOP,
        ),
    ]


@hookimpl
def register_nav_items(tenant, user) -> list[NavItem]:
    """The overview stands in the top row; the cycle's pages under "work", the
    organisation's administration under "admin" (a plugin's pages go under "modules")."""
    work, admin = NavGroup.WORK, NavGroup.ADMIN
    return [
        NavItem(_l("Overview"), "shell.tenant_home", "tenant:dashboard:view", 0, NavGroup.HOME),
        NavItem(_l("Records"), "record_pages.index", "tenant:records:read", 10, work),
        NavItem(_l("Action plans"), "plan_pages.index", "tenant:records:read", 30, work),
        NavItem(_l("Councils"), "council_pages.index", "tenant:records:read", 40, work),
        NavItem(_l("Annual calendar"), "calendar_pages.year", "tenant:records:read", 45, work),
        NavItem(_l("Agreements"), "agreement_pages.index", "tenant:records:read", 50, work),
        NavItem(_l("Citizen pledges"), "pledge_pages.index", "tenant:records:read", 51, work),
        NavItem(_l("Compliance"), "compliance_pages.show", "tenant:compliance:view", 55, work),
        NavItem(_l("Members"), "tenant_admin.members", "tenant:members:view", 900, admin),
        NavItem(_l("Consortia"), "tenant_consortia.index", "tenant:consortia:manage", 905, admin),
        NavItem(
            _l("Module settings"), "tenant_admin.plugins_view", "tenant:plugins:view", 910, admin
        ),
        NavItem(_l("Single sign-on"), "sso.admin.settings", "tenant:identity:manage", 920, admin),
        NavItem(_l("API tokens"), "api_tokens.index", "tenant:api_tokens:own", 930, admin),
        NavItem(_l("Audit log"), "audit_review.index", "tenant:audit:view", 940, admin),
        NavItem(_l("Background jobs"), "jobs.index", "tenant:jobs:manage", 950, admin),
        NavItem(_l("Export all data"), "archive.index", "tenant:archive:export", 960, admin),
    ]


@hookimpl
def register_record_types() -> list:
    from samverka.records.core_types import core_record_types
    from samverka.workflows.agreements import agreement_record_types
    from samverka.workflows.councils import council_record_types
    from samverka.workflows.cycle_types import cycle_record_types

    return (
        core_record_types()
        + cycle_record_types()
        + council_record_types()
        + agreement_record_types()
    )


@hookimpl
def register_jobs() -> dict:
    from samverka.exports import jobs as export_jobs
    from samverka.jobs import core_jobs
    from samverka.lifecycle.export import tenant_archive

    return {
        "send_mail": core_jobs.send_mail,
        "count_to": core_jobs.count_to,
        "tenant_archive": tenant_archive,
        "export": export_jobs.export,
    }


@hookimpl
def register_periodic_jobs() -> list:
    """The outbox dispatcher (which also delivers mail: each message is an outbox job), the
    removal of old sessions, the audit log's retention purge and its sample reviews (each
    sets the scopes it needs: every chain for the purge, one tenant at a time for the
    samples), the removal of
    expired export files, and the deletion of tenants whose grace period is over (each with
    the tenant + platform scope); records past retention and attachment files orphaned by a
    crash."""
    from datetime import timedelta

    from samverka.audit.retention import purge_expired
    from samverka.audit.reviews import due_sample_reviews
    from samverka.auth.sessions import purge as purge_sessions
    from samverka.exports import jobs as export_jobs
    from samverka.jobs import core_jobs
    from samverka.jobs.scheduler import PeriodicJob
    from samverka.lifecycle.deletion import PERIODIC_JOB, delete_due_tenants
    from samverka.records.retention import purge_expired as purge_records
    from samverka.records.sweep import sweep_orphan_files
    from samverka.runtime import runtime
    from samverka.workflows.overview import send_reminders as cycle_reminders

    return [
        *core_jobs.periodic_jobs(runtime().settings.outbox_dispatch_seconds),
        PeriodicJob("core.audit_purge", timedelta(hours=24), purge_expired),
        PeriodicJob("core.audit_sample_reviews", timedelta(hours=1), due_sample_reviews),
        PeriodicJob("core.export_purge", timedelta(hours=1), export_jobs.purge),
        PeriodicJob("core.session_purge", timedelta(hours=1), purge_sessions),
        PeriodicJob(PERIODIC_JOB, timedelta(hours=1), delete_due_tenants),
        PeriodicJob("core.record_retention", timedelta(hours=24), purge_records),
        PeriodicJob("core.attachment_sweep", timedelta(hours=24), sweep_orphan_files),
        PeriodicJob("core.cycle_reminders", timedelta(hours=6), cycle_reminders, per_tenant=True),
    ]


@hookimpl
def export_tenant_data(session, tenant, archive) -> None:
    """The core's part of the archive: the tenant, its people and roles, settings (never
    secrets), API token metadata, SSO without its secret, its audit chain, job history."""
    from samverka.lifecycle.core_data import export_core
    from samverka.records.lifecycle import export_tenant_records
    from samverka.workflows.agreements import export_tenant_agreements
    from samverka.workflows.plans_archive import export_cycle_rows
    from samverka.workflows.rounds import export_rounds

    export_core(session, tenant, archive)
    export_tenant_records(session, tenant, archive)
    export_cycle_rows(session, tenant, archive)  # cycle/: action plans, councils
    export_tenant_agreements(session, tenant, archive)  # agreements/, pledges
    export_rounds(session, tenant, archive)  # rounds/: units, rounds, reports


@hookimpl
def before_tenant_delete(session, tenant) -> None:
    """What the cascade would leave behind: the tenant's stored exports, its attachments'
    files, and every share to and from it (revoked, audited in the owners' chains)."""
    from samverka.auth.sso.binding import clear_bindings
    from samverka.lifecycle.core_data import release_core
    from samverka.records.lifecycle import release_tenant

    release_tenant(session, tenant)
    release_core(session, tenant)
    clear_bindings(session, tenant, reason="tenant_deleted")  # users outlive their tenant


def compliance_permissions() -> list[Permission]:
    """The compliance overview: every member reads it; the coordinator keeps the settings."""
    return [
        Permission(
            "tenant:compliance:view",
            "See the statutory duties and the evidence for them",
            (*TENANT_ROLES, *ADMINS),
        ),
        Permission(
            "tenant:compliance:manage",
            "Set the cycle length, decision body and coordination function",
            ("tenant_admin", "coordinator"),
        ),
    ]


@hookimpl
def compliance_evidence(session, tenant) -> list[dict]:
    """The coordination function and the cooperation agreement with the police; a decided
    action plan, council meetings held and follow-ups done; a current situation picture."""
    from samverka.workflows import pictures, plans_overview
    from samverka.workflows.compliance import core_evidence

    return (
        core_evidence(session, tenant)
        + plans_overview.evidence(session, tenant)
        + pictures.evidence(session, tenant)
    )


@hookimpl
def register_overview_kinds() -> list[OverviewKind]:
    """The headings of the core's overview items (agreements and pledges, plans and
    councils, rounds), each declared beside the code that makes the items."""
    from samverka.workflows import overview, pictures, plans_overview

    return overview.OVERVIEW_KINDS + plans_overview.OVERVIEW_KINDS + pictures.OVERVIEW_KINDS


@hookimpl
def cycle_overview_items(session, tenant, user) -> list[dict]:
    """Agreements about to expire, reviews due and pledge follow-ups due; red measures,
    measures due, upcoming meetings and the user's open assignments; open rounds and late
    units."""
    from samverka.workflows import pictures, plans_overview
    from samverka.workflows.overview import core_overview_items

    return (
        core_overview_items(session, tenant, user)
        + plans_overview.overview_items(session, tenant, user)
        + pictures.overview_items(session, tenant, user)
    )


# --- reporting rounds and situation pictures (samverka.workflows.rounds, .pictures) ---


@hookimpl(specname="register_permissions")
def register_round_permissions() -> list[Permission]:
    return [
        Permission(
            "tenant:rounds:manage",
            "Open, close and compile reporting rounds; configure reporting units",
            ("tenant_admin", "coordinator"),
        ),
        Permission(
            "tenant:rounds:report",
            "Fill in the organisation's reports in reporting rounds",
            ("tenant_admin", "coordinator", "contributor"),
        ),
        Permission("tenant:rounds:view", "See reporting rounds", TENANT_ROLES),
    ]


@hookimpl(specname="register_jobs")
def register_round_jobs() -> dict:
    from samverka.workflows import pictures

    return {"compile_picture": pictures.compile_picture_job}


@hookimpl(specname="register_periodic_jobs")
def register_round_periodic_jobs() -> list:
    """Reminders before a round's deadline and to late units (once per unit and kind)."""
    from datetime import timedelta

    from samverka.jobs.scheduler import PeriodicJob
    from samverka.workflows.rounds import send_reminders

    return [PeriodicJob("core.round_reminders", timedelta(hours=1), send_reminders, True)]


@hookimpl(specname="register_nav_items")
def register_round_nav_items(tenant, user) -> list[NavItem]:
    return [
        NavItem(
            _l("Reporting rounds"), "round_pages.index", "tenant:rounds:view", 20, NavGroup.WORK
        )
    ]


@hookimpl
def indicator_sources(session, tenant) -> list:
    """Records created per year and type (not deleted): a countable series for indicators,
    counted by the database."""
    from sqlalchemy import extract, func, select

    from samverka.plugins.api import IndicatorSeries
    from samverka.records.models import Record

    year = extract("year", Record.created_at)
    rows = session.execute(
        select(Record.type_name, year, func.count())
        .where(Record.deleted_at.is_(None), Record.tenant_id == tenant.id)
        .group_by(Record.type_name, year)
    ).all()
    series: dict[str, dict[str, float]] = {}
    for type_name, created, count in rows:
        series.setdefault(type_name, {})[str(int(created))] = float(count)
    return [
        IndicatorSeries(f"core.records.{name}"[:40], f"Records of type {name}", "antal", values)
        for name, values in sorted(series.items())
    ]


@hookimpl(specname="indicator_sources")
def indicator_sources_of_rounds(session, tenant) -> list:
    """Reports per category of the tenant's own reporting rounds, per month and year
    (:mod:`samverka.workflows.round_series` says why these periods)."""
    from samverka.workflows.round_series import round_series

    return round_series(session, tenant)
