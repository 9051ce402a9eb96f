"""memberships granted through a consortium's power: recorded, and ended with it

A composite foreign key to the tenant's consortium membership (consortium_tenants): such a
role cannot exist without it, and goes when it goes.

Revision ID: 9c2f4b6e1a37
Revises: 5e1c0a7d9b24
Create Date: 2026-12-07 20:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "9c2f4b6e1a37"
down_revision = "5e1c0a7d9b24"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("via_consortium_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_memberships_via_consortium_id"), ["via_consortium_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_memberships_via_consortium_id_consortium_tenants"),
            "consortium_tenants",
            ["via_consortium_id", "tenant_id"],
            ["consortium_id", "tenant_id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_memberships_via_consortium_id_consortium_tenants"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_memberships_via_consortium_id"))
        batch_op.drop_column("via_consortium_id")
