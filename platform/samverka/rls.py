"""PostgreSQL row-level security for every table that has a ``tenant_id`` column.

Applied by ``samverka db upgrade`` as the table owner, after all migrations, so no plugin can
forget it. The app connects as a role without BYPASSRLS; the policies read the scope that
:mod:`samverka.db` sets per transaction. An unset scope matches no row.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from samverka.db import Base, TenantOrPlatformOwned
from samverka.records.visibility import SHARED_IDS_FUNCTION

POLICY = "samverka_tenant_isolation"
# Directory tables carry a tenant_id but hold no tenant data: which consortia a tenant belongs
# to is known to the whole platform (it decides plugin availability); which organisation an
# e-mail domain logs in through must be found before anyone is signed in (SSO, see
# samverka.auth.sso.models). Keep this set tiny.
DIRECTORY_TABLES = frozenset({"consortium_tenants", "sso_domains"})
OWN_MEMBERSHIPS = "samverka_own_memberships"
# Invitations to join a consortium (samverka.tenancy.invitations): the invited tenant's scope
# has them through the tenant policy; this second, permissive policy gives them to the
# inviting consortium's administrators and to platform administrators (whose scopes hold no
# tenant on the consortium pages) and to platform work (0 in the scope), and to nobody else.
INVITATION_TABLE = "consortium_invitations"
INVITATION_POLICY = "samverka_invitation_inviters"
INVITATION_INVITERS = (
    "0 = ANY (samverka_scope_tenants())"
    " OR consortium_id IN (SELECT ca.consortium_id FROM consortium_admins ca"
    " WHERE ca.user_id = samverka_scope_user())"
    " OR EXISTS (SELECT 1 FROM users u WHERE u.id = samverka_scope_user()"
    " AND u.is_platform_admin)"
)
# The audit log has policies of its own (see apply_audit): NULL tenant_id means "platform".
AUDIT_TABLE = "audit_entries"
AUDIT_POLICIES = ("samverka_audit_read", "samverka_audit_append", "samverka_audit_purge")
#: The legal floor of retention (HSLF-FS 2016:40: at least five years), enforced in SQL.
AUDIT_MIN_RETENTION = "1826 days"
# A policy of earlier versions that admitted platform rows (tenant_id NULL) to every scope;
# dropped wherever it is found (see tenant_or_platform_tables).
LEGACY_PLATFORM_ROWS = "samverka_platform_rows"
#: The rule of tables whose rows belong to a tenant or, with tenant_id NULL, to the platform:
#: the platform's rows only for a scope that includes 0 (samverka.db.PLATFORM_SCOPE_ID).
TENANT_OR_PLATFORM = "coalesce(tenant_id, 0) = ANY (samverka_scope_tenants())"
TENANT_ONLY = "tenant_id = ANY (samverka_scope_tenants())"

# Shared records (samverka.records.visibility): a second, read-only policy admits the rows a
# scope receives through a share. Writes keep the owner-only tenant policy, so a receiver can
# never update, delete or re-share; permissive policies are OR-ed per command.
SHARED_READ = "samverka_shared_read"
AREA_PARTNERS = (
    "tenant_id IN (SELECT theirs.tenant_id FROM consortium_tenants theirs"
    " JOIN consortium_tenants mine ON mine.consortium_id = theirs.consortium_id"
    " WHERE mine.tenant_id = ANY (samverka_scope_tenants()))"
)
SHARED_READ_TABLES = {
    "records": "id IN (SELECT samverka_shared_record_ids())",
    "record_attachments": "record_id IN (SELECT samverka_shared_record_ids())",
    "record_decisions": "record_id IN (SELECT samverka_shared_record_ids())",
    "plan_causes": "record_id IN (SELECT samverka_shared_record_ids())",
    "plan_measures": "record_id IN (SELECT samverka_shared_record_ids())",
    "plan_follow_ups": "record_id IN (SELECT samverka_shared_record_ids())",
    "council_members": "record_id IN (SELECT samverka_shared_record_ids())",
    "council_meetings": "record_id IN (SELECT samverka_shared_record_ids())",
    "council_decisions": "record_id IN (SELECT samverka_shared_record_ids())",
    "council_assignments": "record_id IN (SELECT samverka_shared_record_ids())",
    "agreement_parties": "record_id IN (SELECT samverka_shared_record_ids())",
    "agreement_signatories": "record_id IN (SELECT samverka_shared_record_ids())",
    "agreement_annexes": "record_id IN (SELECT samverka_shared_record_ids())",
    "pledge_activities": "record_id IN (SELECT samverka_shared_record_ids())",
    "pledge_follow_ups": "record_id IN (SELECT samverka_shared_record_ids())",
    "picture_figures": "record_id IN (SELECT samverka_shared_record_ids())",
    # reporting rounds (workflows/rounds_models): the counterpart reads, the owner writes
    "round_units": "reporter_tenant_id = ANY (samverka_scope_tenants())",
    "round_reports": "round_tenant_id = ANY (samverka_scope_tenants())",
    "reporting_rounds": (
        "id IN (SELECT ru.round_id FROM round_units ru"
        " WHERE ru.reporter_tenant_id = ANY (samverka_scope_tenants()))"
    ),
    # the register of areas (samverka.areas): the owner's consortium partners read, the
    # owner writes (names and borders of places, no personal data)
    "areas": AREA_PARTNERS,
    "area_boundaries": AREA_PARTNERS,
    # a receiver finds the shares naming it (the function above reads them as the caller)
    "record_shares": (
        "receiver_tenant_id = ANY (samverka_scope_tenants())"
        " OR consortium_id IN (SELECT ct.consortium_id FROM consortium_tenants ct"
        " WHERE ct.tenant_id = ANY (samverka_scope_tenants()))"
    ),
}

SCOPE_FUNCTIONS = """
CREATE OR REPLACE FUNCTION samverka_scope_tenants() RETURNS integer[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(
    string_to_array(nullif(current_setting('samverka.tenant_ids', true), ''), ',')::integer[],
    '{}'::integer[])
$$;
CREATE OR REPLACE FUNCTION samverka_scope_user() RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting('samverka.user_id', true), '')::integer
$$;
"""


def tenant_tables(connection: Connection) -> list[str]:
    """Every table with a ``tenant_id`` column (from the catalog, not the models), less the
    directory tables."""
    return [
        name
        for name in connection.scalars(
            text(
                "SELECT c.relname FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'"
                " WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()"
                " ORDER BY c.relname"
            )
        )
        if name not in DIRECTORY_TABLES
    ]


def tenant_or_platform_tables() -> frozenset[str]:
    """Tables of the models that are :class:`~samverka.db.TenantOrPlatformOwned` (core and
    plugins alike), less the audit log (policies of its own). A table missing here gets the
    stricter tenant-only rule: its platform rows would be hidden, never shown to a tenant.
    Read after every model is mapped (the migrations' environment imports them all)."""

    return frozenset(
        mapper.local_table.name
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, TenantOrPlatformOwned)
    ) - {AUDIT_TABLE}


def apply(connection: Connection, app_role: str | None) -> list[str]:
    connection.execute(text(SCOPE_FUNCTIONS))
    tables = tenant_tables(connection)
    platform_rows = tenant_or_platform_tables()
    for table in tables:
        if table == AUDIT_TABLE:
            apply_audit(connection)
            continue
        quoted = connection.dialect.identifier_preparer.quote(table)
        rule = TENANT_OR_PLATFORM if table in platform_rows else TENANT_ONLY
        connection.execute(text(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY"))
        connection.execute(text(f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY"))
        connection.execute(text(f"DROP POLICY IF EXISTS {LEGACY_PLATFORM_ROWS} ON {quoted}"))
        connection.execute(text(f"DROP POLICY IF EXISTS {POLICY} ON {quoted}"))
        connection.execute(
            text(f"CREATE POLICY {POLICY} ON {quoted} USING ({rule}) WITH CHECK ({rule})")
        )
    apply_shared_read(connection, tables)
    apply_invitations(connection, tables)
    connection.execute(text(f"DROP POLICY IF EXISTS {OWN_MEMBERSHIPS} ON memberships"))
    connection.execute(
        text(
            f"CREATE POLICY {OWN_MEMBERSHIPS} ON memberships FOR SELECT"
            " USING (user_id = samverka_scope_user())"
        )
    )
    if app_role:
        role = connection.dialect.identifier_preparer.quote(app_role)
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        connection.execute(
            text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
        )
        connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
        if AUDIT_TABLE in tables:
            grant_audit(connection, role)
    return tables


def apply_shared_read(connection: Connection, tables: list[str]) -> None:
    """Read access for the receivers of shared records (see :data:`SHARED_READ_TABLES`)."""
    if "record_shares" not in tables:
        return
    connection.execute(text(SHARED_IDS_FUNCTION))
    for table, condition in SHARED_READ_TABLES.items():
        connection.execute(text(f"DROP POLICY IF EXISTS {SHARED_READ} ON {table}"))
        connection.execute(
            text(f"CREATE POLICY {SHARED_READ} ON {table} FOR SELECT USING ({condition})")
        )


def apply_invitations(connection: Connection, tables: list[str]) -> None:
    """Reading and deciding invitations from the consortium's side (see
    :data:`INVITATION_INVITERS`); the invited tenant's side is the tenant policy."""
    if INVITATION_TABLE not in tables:
        return
    connection.execute(text(f"DROP POLICY IF EXISTS {INVITATION_POLICY} ON {INVITATION_TABLE}"))
    connection.execute(
        text(
            f"CREATE POLICY {INVITATION_POLICY} ON {INVITATION_TABLE}"
            f" USING ({INVITATION_INVITERS}) WITH CHECK ({INVITATION_INVITERS})"
        )
    )


AUDIT_PURGE_FUNCTION = """
CREATE OR REPLACE FUNCTION samverka_audit_purge(p_chain text, p_through_seq bigint)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE removed bigint;
BEGIN
  DELETE FROM audit_entries WHERE chain = p_chain AND seq <= p_through_seq
    AND occurred_at < now() - interval '1826 days';  -- AUDIT_MIN_RETENTION
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END $$;
"""


def apply_audit(connection: Connection) -> None:
    """The audit log: anyone may append, reading needs the tenant in scope (entries without a
    tenant: the platform id 0 in scope), nobody may update, and only the table owner may
    delete, and only entries older than the legal minimum: through the SECURITY DEFINER
    function ``samverka_audit_purge`` (the app role may call it, not DELETE itself).

    Appending is open to every scope because events are recorded where they happen, often
    outside the tenant concerned (a platform administrator adding a tenant to a consortium)
    or before any scope exists (a failed log-in); what an entry says is fixed by the hash
    chain, and reading it is what the scope guards.
    """
    owner = connection.scalar(text("SELECT current_user"))
    quote = connection.dialect.identifier_preparer.quote
    connection.execute(text(f"ALTER TABLE {AUDIT_TABLE} ENABLE ROW LEVEL SECURITY"))
    connection.execute(text(f"ALTER TABLE {AUDIT_TABLE} FORCE ROW LEVEL SECURITY"))
    for policy in (POLICY, *AUDIT_POLICIES):
        connection.execute(text(f"DROP POLICY IF EXISTS {policy} ON {AUDIT_TABLE}"))
    read, append, purge = AUDIT_POLICIES
    connection.execute(
        text(f"CREATE POLICY {read} ON {AUDIT_TABLE} FOR SELECT USING ({TENANT_OR_PLATFORM})")
    )
    connection.execute(
        text(f"CREATE POLICY {append} ON {AUDIT_TABLE} FOR INSERT WITH CHECK (true)")
    )
    connection.execute(
        text(
            f"CREATE POLICY {purge} ON {AUDIT_TABLE} FOR DELETE TO {quote(owner)}"
            f" USING (occurred_at < now() - interval '{AUDIT_MIN_RETENTION}')"
        )
    )
    connection.execute(text(AUDIT_PURGE_FUNCTION))
    connection.execute(
        text("REVOKE ALL ON FUNCTION samverka_audit_purge(text, bigint) FROM PUBLIC")
    )


def grant_audit(connection: Connection, role: str) -> None:
    """Append-only for the app: SELECT and INSERT on the entries, no UPDATE/DELETE/TRUNCATE."""
    connection.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {AUDIT_TABLE} FROM {role}"))
    connection.execute(
        text(f"GRANT EXECUTE ON FUNCTION samverka_audit_purge(text, bigint) TO {role}")
    )
