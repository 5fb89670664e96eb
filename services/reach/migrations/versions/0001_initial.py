"""Activities followed, reports, pending reports, flags and advice.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from werkplaats.migrations import TZ, first_migration

revision = "0001"
down_revision = None


def _occurrence_key() -> list[sa.Column]:
    return [
        sa.Column("organisation", sa.String(40), primary_key=True),
        sa.Column("activity_id", sa.String(100), primary_key=True),
        sa.Column("occurrence", sa.String(20), primary_key=True),
    ]


def create_tables() -> None:
    op.create_table(
        "reach_activities",
        sa.Column("organisation", sa.String(40), primary_key=True),
        sa.Column("activity_id", sa.String(100), primary_key=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "reach_reports",
        *_occurrence_key(),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("hear_back_by", sa.Date, nullable=True),
        sa.Column("followed_up", sa.Boolean, nullable=False),
        sa.Column("received_at", TZ, nullable=False),
    )
    op.create_table(
        "reach_pending_reports",
        *_occurrence_key(),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("correlation_id", sa.String(100), nullable=True),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.Integer, nullable=False),
        sa.Column("received_at", TZ, nullable=False),
    )
    op.create_index("ix_reach_pending_received", "reach_pending_reports", ["received_at"])
    op.create_table(
        "reach_flags",
        *_occurrence_key(),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("flagged_at", TZ, nullable=False),
    )
    op.create_table(
        "reach_advice",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "reach_stale_advice",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("token", sa.String(32), nullable=False),
    )


upgrade, downgrade = first_migration(
    create_tables,
    drop=(
        "reach_stale_advice",
        "reach_advice",
        "reach_flags",
        "reach_pending_reports",
        "reach_reports",
        "reach_activities",
    ),
)
