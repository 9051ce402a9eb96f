"""The core's roles and the permissions of its administration (members, modules, login,
directory, tokens, consortia, platform, audit, jobs, archive), registered through the hooks
like a plugin's; the sign-in sessions' purge; SSO bindings released with a tenant."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from samverka.auth.authorization import CONSORTIUM_ADMIN, OPERATOR, PLATFORM_ADMIN
from samverka.auth.permissions import Permission, Role
from samverka.auth.sessions import purge as purge_sessions
from samverka.auth.sso.binding import clear_bindings
from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import PeriodicJob

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
    ]


@hookimpl
def register_periodic_jobs() -> list[PeriodicJob]:
    """Sign-in sessions past their idle or absolute limit."""
    return [PeriodicJob("core.session_purge", timedelta(hours=1), purge_sessions)]


@hookimpl
def before_tenant_delete(session, tenant) -> None:
    """Users outlive their tenant: their bindings to its login provider go."""
    clear_bindings(session, tenant, reason="tenant_deleted")
