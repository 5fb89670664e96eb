"""Outbox rows the broker refuses are retried a few times, then parked with the reason.

Revision ID: runtime_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "runtime_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add attempts, retry time, parking time and reason to the outbox."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("error", sa.Text, nullable=True))
    op.create_index("ix_outbox_parked", "outbox", ["parked_at"])


def downgrade() -> None:
    """Remove the parking columns."""
    op.drop_index("ix_outbox_parked", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        for column in ("error", "parked_at", "retry_at", "attempts"):
            batch.drop_column(column)
