"""PostgreSQL row-level security for every table that has a ``tenant_id`` column.

Applied by ``samverka db upgrade`` as the table owner, after all migrations, so no plugin can
forget it. The app connects as a role without BYPASSRLS; the policies read the scope that
:mod:`samverka.db` sets per transaction. An unset scope matches no row.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

POLICY = "samverka_tenant_isolation"
# Directory tables carry a tenant_id but hold no tenant data: which consortia a tenant belongs
# to is known to the whole platform (it decides plugin availability); which organisation an
# e-mail domain logs in through must be found before anyone is signed in (SSO, see
# samverka.auth.sso.models). Keep this set tiny.
DIRECTORY_TABLES = frozenset({"consortium_tenants", "sso_domains"})
OWN_MEMBERSHIPS = "samverka_own_memberships"
# Tables whose rows may belong to no tenant (tenant_id NULL: platform work such as a mail to a
# user of no organisation). They keep the tenant policy; a second one admits only those rows.
PLATFORM_ROW_TABLES = frozenset({"job_outbox"})
PLATFORM_ROWS = "samverka_platform_rows"

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


def apply(connection: Connection, app_role: str | None) -> list[str]:
    connection.execute(text(SCOPE_FUNCTIONS))
    tables = tenant_tables(connection)
    for table in tables:
        quoted = connection.dialect.identifier_preparer.quote(table)
        connection.execute(text(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY"))
        connection.execute(text(f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY"))
        connection.execute(text(f"DROP POLICY IF EXISTS {POLICY} ON {quoted}"))
        connection.execute(
            text(
                f"CREATE POLICY {POLICY} ON {quoted}"
                " USING (tenant_id = ANY (samverka_scope_tenants()))"
                " WITH CHECK (tenant_id = ANY (samverka_scope_tenants()))"
            )
        )
    for table in sorted(PLATFORM_ROW_TABLES & set(tables)):
        connection.execute(text(f"DROP POLICY IF EXISTS {PLATFORM_ROWS} ON {table}"))
        connection.execute(
            text(
                f"CREATE POLICY {PLATFORM_ROWS} ON {table}"
                " USING (tenant_id IS NULL) WITH CHECK (tenant_id IS NULL)"
            )
        )
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
    return tables
