"""Subsidy reminders sent: one row per reminder step, so each goes out once.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from werkplaats.migrations import TZ

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "sent_reminders",
        sa.Column("reminder_key", sa.String(200), primary_key=True),
        sa.Column("initiative_id", sa.String(13), nullable=False),
        sa.Column("sent_at", TZ, nullable=False),
    )
    op.create_index("ix_sent_reminders_initiative_id", "sent_reminders", ["initiative_id"])


def downgrade() -> None:
    op.drop_table("sent_reminders")
