"""job outbox

Revision ID: b7e2d4f61a93
Revises: 67abfb42e57b
Create Date: 2026-12-01 07:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "b7e2d4f61a93"
down_revision = "67abfb42e57b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("job", sa.String(length=120), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("arguments", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_class", sa.String(length=100), nullable=True),
        sa.Column("error_message", sa.String(length=300), nullable=True),
        sa.Column("progress_done", sa.Integer(), nullable=True),
        sa.Column("progress_total", sa.Integer(), nullable=True),
        sa.Column("progress_message", sa.String(length=100), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_job_outbox_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_outbox")),
        sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_job_outbox_tenant_key"),
    )
    with op.batch_alter_table("job_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_job_outbox_status_available", ["status", "available_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_job_outbox_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("job_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_outbox_tenant_id"))
        batch_op.drop_index("ix_job_outbox_status_available")
    op.drop_table("job_outbox")
