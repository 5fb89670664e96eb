"""Accounts, sign-ins, service secrets; the read model of conflicts and the agenda; live changes.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from werkplaats.db import BigId
from werkplaats.migrations import TZ, first_migration

revision = "0001"
down_revision = None


def create_tables() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(60), nullable=False, unique=True),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("centre_id", sa.String(100), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
    )
    op.create_table(
        "sign_ins",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "account_id",
            sa.String(36),
            sa.ForeignKey("accounts.account_id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False, index=True),
    )
    op.create_table(
        "service_secrets",
        sa.Column("name", sa.String(60), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "conflicts",
        sa.Column("conflict_id", sa.String(80), primary_key=True),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("detected", sa.JSON, nullable=False),
        sa.Column("starts_at", TZ, nullable=False, index=True),
        sa.Column("wijken", sa.JSON, nullable=False),
        sa.Column("organisations", sa.JSON, nullable=False),
        sa.Column("first_detected_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("acknowledged_by", sa.String(40), nullable=True),
        sa.Column("acknowledged_reason", sa.Text, nullable=True),
        sa.Column("resolved_at", TZ, nullable=True),
    )
    op.create_index("ix_conflicts_status_severity", "conflicts", ["status", "severity"])
    op.create_table(
        "conflict_activities",
        sa.Column("conflict_id", sa.String(80), primary_key=True),
        sa.Column("organisation", sa.String(40), primary_key=True),
        sa.Column("activity_id", sa.String(100), primary_key=True),
    )
    op.create_table(
        "conflict_history",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("conflict_id", sa.String(80), nullable=False, index=True),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_table(
        "activities",
        sa.Column("organisation", sa.String(40), primary_key=True),
        sa.Column("activity_id", sa.String(100), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("wijken", sa.JSON, nullable=False),
        sa.Column("target_groups", sa.JSON, nullable=False),
        sa.Column("venue_id", sa.String(100), nullable=True, index=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "occurrences",
        sa.Column("organisation", sa.String(40), primary_key=True),
        sa.Column("activity_id", sa.String(100), primary_key=True),
        sa.Column("starts_at", TZ, primary_key=True, index=True),
        sa.Column("ends_at", TZ, nullable=False),
    )
    op.create_table(
        "changes",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("conflict_id", sa.String(80), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )


upgrade, downgrade = first_migration(
    create_tables,
    drop=(
        "changes",
        "occurrences",
        "activities",
        "conflict_history",
        "conflict_activities",
        "conflicts",
        "service_secrets",
        "sign_ins",
        "accounts",
    ),
)
