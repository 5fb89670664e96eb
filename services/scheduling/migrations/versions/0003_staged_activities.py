"""Activities the HTTP API published that the intake has not yet taken in.

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
        "staged_activities",
        sa.Column("organisation", sa.String(40), primary_key=True),
        sa.Column("activity_id", sa.String(100), primary_key=True),
        sa.Column("payload", sa.JSON, nullable=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("staged_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staged_activities")
