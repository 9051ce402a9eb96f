"""core schema

Revision ID: 038fcffe5f53
Revises:
Create Date: 2026-11-22 05:45:24.095760
"""

import sqlalchemy as sa
from alembic import op

revision = "038fcffe5f53"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consortia",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("county_code", sa.String(length=2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consortia")),
        sa.UniqueConstraint("slug", name=op.f("uq_consortia_slug")),
    )
    op.create_table(
        "platform_plugin_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=63), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_plugin_settings")),
        sa.UniqueConstraint("plugin", name=op.f("uq_platform_plugin_settings_plugin")),
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "municipality",
                "county_board",
                "police",
                "region",
                "ngo",
                "other",
                name="tenantkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("municipality_code", sa.String(length=4), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("municipality_code", name=op.f("uq_tenants_municipality_code")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenants_slug")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_platform_admin", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "consortium_admins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_consortium_admins_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_consortium_admins_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consortium_admins")),
        sa.UniqueConstraint("consortium_id", "user_id", name="uq_consortium_admin"),
    )
    with op.batch_alter_table("consortium_admins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consortium_admins_consortium_id"), ["consortium_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consortium_admins_user_id"), ["user_id"], unique=False)

    op.create_table(
        "consortium_plugins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=63), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_consortium_plugins_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consortium_plugins")),
        sa.UniqueConstraint("consortium_id", "plugin", name="uq_consortium_plugin"),
    )
    with op.batch_alter_table("consortium_plugins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consortium_plugins_consortium_id"), ["consortium_id"], unique=False
        )

    op.create_table(
        "consortium_tenants",
        sa.Column("consortium_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_consortium_tenants_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consortium_tenants_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("consortium_id", "tenant_id", name=op.f("pk_consortium_tenants")),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=63), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_memberships_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("tenant_id", "user_id", "role", name="uq_membership"),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_memberships_user_id"), ["user_id"], unique=False)

    op.create_table(
        "tenant_plugins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=63), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_tenant_plugins_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_plugins")),
        sa.UniqueConstraint("tenant_id", "plugin", name="uq_tenant_plugin"),
    )
    with op.batch_alter_table("tenant_plugins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tenant_plugins_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tenant_plugins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenant_plugins_tenant_id"))

    op.drop_table("tenant_plugins")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_user_id"))
        batch_op.drop_index(batch_op.f("ix_memberships_tenant_id"))

    op.drop_table("memberships")
    op.drop_table("consortium_tenants")
    with op.batch_alter_table("consortium_plugins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consortium_plugins_consortium_id"))

    op.drop_table("consortium_plugins")
    with op.batch_alter_table("consortium_admins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consortium_admins_user_id"))
        batch_op.drop_index(batch_op.f("ix_consortium_admins_consortium_id"))

    op.drop_table("consortium_admins")
    op.drop_table("users")
    op.drop_table("tenants")
    op.drop_table("platform_plugin_settings")
    op.drop_table("consortia")
