"""consortium invitations: an organisation joins a consortium only when it accepts

Revision ID: 5e1c0a7d9b24
Revises: e5a1c7d93b20
Create Date: 2026-12-07 19:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "5e1c0a7d9b24"
down_revision = "e5a1c7d93b20"
branch_labels = None
depends_on = None

PENDING_ONLY = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "consortium_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "accepted",
                "declined",
                "withdrawn",
                "expired",
                name="invitationstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_consortium_invitations_consortium_id_consortia"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consortium_invitations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consortium_invitations")),
    )
    with op.batch_alter_table("consortium_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consortium_invitations_consortium_id"), ["consortium_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consortium_invitations_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "uq_consortium_invitations_pending",
            ["consortium_id", "tenant_id"],
            unique=True,
            sqlite_where=PENDING_ONLY,
            postgresql_where=PENDING_ONLY,
        )


def downgrade() -> None:
    with op.batch_alter_table("consortium_invitations", schema=None) as batch_op:
        batch_op.drop_index("uq_consortium_invitations_pending")
        batch_op.drop_index(batch_op.f("ix_consortium_invitations_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_consortium_invitations_consortium_id"))
    op.drop_table("consortium_invitations")
