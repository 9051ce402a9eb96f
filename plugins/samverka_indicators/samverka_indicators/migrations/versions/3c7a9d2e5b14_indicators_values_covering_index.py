"""indicators values: a covering index for the consortium totals

Replaces the index on element_id alone (its first column serves the foreign key) with one on
(element_id, gender, period, tenant_id, status, value): the consortium totals group by
element and period in its order, so SQLite reads it without a temporary B-tree and without
touching the table (bench/indicators.py).

Revision ID: 3c7a9d2e5b14
Revises: e1c7a91c4fa0
Create Date: 2026-12-02 13:40:00.000000
"""

from alembic import op

revision = "3c7a9d2e5b14"
down_revision = "e1c7a91c4fa0"
branch_labels = None
depends_on = None

COLUMNS = ["element_id", "gender", "period", "tenant_id", "status", "value"]


def upgrade() -> None:
    with op.batch_alter_table("indicators_values", schema=None) as batch_op:
        batch_op.create_index("ix_indicators_values_element_period", COLUMNS, unique=False)
        batch_op.drop_index("ix_indicators_values_element_id")


def downgrade() -> None:
    with op.batch_alter_table("indicators_values", schema=None) as batch_op:
        batch_op.create_index("ix_indicators_values_element_id", ["element_id"], unique=False)
        batch_op.drop_index("ix_indicators_values_element_period")
