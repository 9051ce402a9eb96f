"""single sign-on: accounts bound to their provider, domains verified, second factor values

- ``users.idp_tenant_id`` + ``users.idp_subject`` (unique together): the organisation whose
  provider signs the account in and the ID token's ``sub``.
- ``sso_domains.verified_at`` / ``verified_via``: a claimed domain is pending until proven.
  Domains stored before this revision were never checked, so they start *pending*: the
  platform administrators (``/admin/sso-domains``) or the operator
  (``samverka idp domain approve``) verify them.
- ``sso_providers.mfa_amr`` / ``mfa_acr``: the ``amr``/``acr`` values that count as the
  provider vouching for a second factor (default ``["mfa"]``, RFC 8176).

Revision ID: e5a1c7d93b20
Revises: e5a1c3d7b9f2
Create Date: 2026-12-07 19:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "e5a1c7d93b20"
down_revision = "e5a1c3d7b9f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN, no batch: on SQLite a batch "move and copy" of `users`
    # would DROP the table, and with foreign keys on that cascades into memberships. SQLite
    # takes a column's REFERENCES clause in ADD COLUMN, but Alembic would emit it as a
    # separate ALTER ... ADD CONSTRAINT, which SQLite lacks: hence the SQL by hand there.
    # No ON DELETE action: SQLite reflects none for a column's own REFERENCES clause, so
    # the models declare none either; unbinding precedes a tenant's deletion instead.
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        columns = {c["name"] for c in sa.inspect(bind).get_columns("users")}
        if "idp_tenant_id" not in columns:  # else downgraded before: it stayed (see downgrade)
            op.execute(
                "ALTER TABLE users ADD COLUMN idp_tenant_id INTEGER"
                " CONSTRAINT fk_users_idp_tenant_id_tenants"
                " REFERENCES tenants (id)"
            )
    else:
        op.add_column("users", sa.Column("idp_tenant_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_users_idp_tenant_id_tenants"),
            "users",
            "tenants",
            ["idp_tenant_id"],
            ["id"],
        )
    op.add_column("users", sa.Column("idp_subject", sa.String(length=255), nullable=True))
    op.create_index("uq_users_idp_binding", "users", ["idp_tenant_id", "idp_subject"], unique=True)

    op.add_column("sso_domains", sa.Column("verified_at", sa.DateTime(timezone=True)))
    op.add_column("sso_domains", sa.Column("verified_via", sa.String(length=20)))

    op.add_column(
        "sso_providers",
        sa.Column("mfa_amr", sa.JSON(), nullable=False, server_default=sa.text("'[\"mfa\"]'")),
    )
    op.add_column(
        "sso_providers",
        sa.Column("mfa_acr", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    with op.batch_alter_table("sso_providers", schema=None) as batch_op:
        batch_op.alter_column("mfa_amr", server_default=None)
        batch_op.alter_column("mfa_acr", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("sso_providers", schema=None) as batch_op:
        batch_op.drop_column("mfa_acr")
        batch_op.drop_column("mfa_amr")
    with op.batch_alter_table("sso_domains", schema=None) as batch_op:
        batch_op.drop_column("verified_via")
        batch_op.drop_column("verified_at")
    op.drop_index("uq_users_idp_binding", table_name="users")
    op.drop_column("users", "idp_subject")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a column that carries a foreign key, and rebuilding `users`
        # would cascade into memberships: the (unused) column stays.
        return
    op.drop_constraint(op.f("fk_users_idp_tenant_id_tenants"), "users", type_="foreignkey")
    op.drop_column("users", "idp_tenant_id")
