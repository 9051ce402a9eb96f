"""tenant deletion with a grace period

Revision ID: c4d8e1a2f3b5
Revises: b7e2d4f61a93
Create Date: 2026-12-02 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "c4d8e1a2f3b5"
down_revision = "b7e2d4f61a93"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN, no batch: on SQLite a batch "move and copy" of `tenants`
    # would DROP the table, and with foreign keys on that cascades into every tenant's rows.
    op.add_column("tenants", sa.Column("deletion_requested_at", sa.DateTime(timezone=True)))
    op.add_column("tenants", sa.Column("deletion_due_at", sa.DateTime(timezone=True)))
    op.add_column("tenants", sa.Column("deletion_requested_by", sa.Integer()))
    op.create_index(op.f("ix_tenants_deletion_due_at"), "tenants", ["deletion_due_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_tenants_deletion_due_at"), table_name="tenants")
    op.drop_column("tenants", "deletion_requested_by")
    op.drop_column("tenants", "deletion_due_at")
    op.drop_column("tenants", "deletion_requested_at")
