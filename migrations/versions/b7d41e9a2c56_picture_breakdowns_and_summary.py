"""picture breakdowns (weekday × time of day, per-category totals) and generated summaries

Revision ID: b7d41e9a2c56
Revises: 9c2f4b6e1a37
Create Date: 2026-12-08 02:50:00

``picture_figures`` gains ``dimension`` (existing rows are the category × area breakdown,
"area"), ``weekday`` and ``time_of_day``. Pictures compiled before this revision keep only
their category × area rows: compiling the round again adds the weekday × time of day and
total rows. ``picture_summaries`` keeps the summary each compile generated.
"""

import sqlalchemy as sa
from alembic import op

revision = "b7d41e9a2c56"
down_revision = "9c2f4b6e1a37"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("picture_figures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dimension", sa.String(length=16), server_default="area", nullable=False)
        )
        batch_op.add_column(sa.Column("weekday", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("time_of_day", sa.String(length=20), nullable=True))
    op.create_table(
        "picture_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("generated", sa.Text(), nullable=False),
        sa.Column("compiled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_picture_summaries_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_picture_summaries_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_picture_summaries")),
        sa.UniqueConstraint("record_id", name=op.f("uq_picture_summaries_record_id")),
    )
    with op.batch_alter_table("picture_summaries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_picture_summaries_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("picture_summaries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_picture_summaries_tenant_id"))
    op.drop_table("picture_summaries")
    with op.batch_alter_table("picture_figures", schema=None) as batch_op:
        batch_op.drop_column("time_of_day")
        batch_op.drop_column("weekday")
        batch_op.drop_column("dimension")
