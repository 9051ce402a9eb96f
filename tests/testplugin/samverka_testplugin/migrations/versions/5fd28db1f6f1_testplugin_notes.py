"""testplugin notes

Revision ID: 5fd28db1f6f1
Revises:
Create Date: 2026-11-22 05:51:34.299750
"""

import sqlalchemy as sa
from alembic import op

revision = "5fd28db1f6f1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "testplugin_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_testplugin_notes_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_testplugin_notes")),
        info={"plugin": "testplugin"},
    )
    with op.batch_alter_table("testplugin_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_testplugin_notes_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("testplugin_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_testplugin_notes_tenant_id"))

    op.drop_table("testplugin_notes")
