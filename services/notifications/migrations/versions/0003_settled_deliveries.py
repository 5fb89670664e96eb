"""Deliveries known to be done from notifications.deliveries, taken in after a restore.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settled_deliveries",
        sa.Column("notification_id", sa.String(36), primary_key=True),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("settled_deliveries")
