"""The agenda, zones, conflicts, operations' dates, outbox and inbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from werkplaats.migrations import first_migration

revision = "0001"
down_revision = None


def create_tables() -> None:
    op.create_table(
        "activities",
        sa.Column("organisation", sa.String(40), primary_key=True),
        sa.Column("activity_id", sa.String(100), primary_key=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_activities_starts_at", "activities", ["starts_at"])
    op.create_table(
        "zones",
        sa.Column("zone", sa.String(140), primary_key=True),
        sa.Column("token", sa.String(32), nullable=False),
    )
    op.create_table(
        "zone_members",
        sa.Column("zone", sa.String(140), primary_key=True),
        sa.Column("organisation", sa.String(40), primary_key=True),
        sa.Column("activity_id", sa.String(100), primary_key=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "conflicts",
        sa.Column("conflict_id", sa.String(80), primary_key=True),
        sa.Column("owner_zone", sa.String(140), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("neighbourhoods", sa.JSON, nullable=False),
        sa.Column("organisations", sa.JSON, nullable=False),
        sa.Column("detected", sa.JSON, nullable=False),
        sa.Column("resolution", sa.JSON, nullable=True),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged", sa.Boolean, nullable=False),
        sa.Column("acknowledged_by", sa.String(40), nullable=True),
        sa.Column("acknowledged_reason", sa.Text, nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_conflicts_owner_zone", "conflicts", ["owner_zone"])
    op.create_index("ix_conflicts_status_starts", "conflicts", ["status", "starts_at"])
    op.create_table(
        "custom_dates",
        sa.Column("entry_id", sa.String(100), primary_key=True),
        sa.Column("entry", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


upgrade, downgrade = first_migration(
    create_tables,
    drop=(
        "custom_dates",
        "conflicts",
        "zone_members",
        "zones",
        "activities",
    ),
)
