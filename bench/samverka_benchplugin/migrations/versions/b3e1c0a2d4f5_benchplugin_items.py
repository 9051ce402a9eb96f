"""benchplugin items

Revision ID: b3e1c0a2d4f5
Revises:
Create Date: 2026-11-22 06:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "b3e1c0a2d4f5"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bench_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_bench_items_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bench_items")),
        info={"plugin": "benchplugin"},
    )
    with op.batch_alter_table("bench_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bench_items_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_bench_items_tenant_id_id", ["tenant_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bench_items", schema=None) as batch_op:
        batch_op.drop_index("ix_bench_items_tenant_id_id")
        batch_op.drop_index(batch_op.f("ix_bench_items_tenant_id"))

    op.drop_table("bench_items")
