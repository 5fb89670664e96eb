"""Subscriptions, organisations' webhooks, conflict states, notifications, endpoints, digests, feed.

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
        "subscriptions",
        sa.Column("subscription_id", sa.String(36), primary_key=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("webhook_url", sa.String(2000), nullable=True),
        sa.Column("webhook_secret", sa.String(200), nullable=True),
        sa.Column("event_types", sa.JSON, nullable=False),
        sa.Column("min_severity", sa.String(10), nullable=False),
        sa.Column("neighbourhoods", sa.JSON, nullable=False),
        sa.Column("organisations", sa.JSON, nullable=False),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("digest_at", sa.String(5), nullable=True),
        sa.Column("created_by", sa.String(40), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_digest_at", TZ, nullable=True),
    )
    op.create_table(
        "organisation_webhooks",
        sa.Column("organisation", sa.String(40), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "conflict_states",
        sa.Column("conflict_id", sa.String(80), primary_key=True),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("neighbourhoods", sa.JSON, nullable=False),
        sa.Column("organisations", sa.JSON, nullable=False),
        sa.Column("detected", sa.JSON, nullable=False),
        sa.Column("resolution", sa.JSON, nullable=True),
        sa.Column("announced", sa.String(40), nullable=True),
        sa.Column("actual", sa.String(40), nullable=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("quiet_until", TZ, nullable=True),
        sa.Column("follow_up_due", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_conflict_states_follow_up", "conflict_states", ["follow_up_due"])
    op.create_table(
        "notifications",
        sa.Column("notification_id", sa.String(36), primary_key=True),
        sa.Column("source_key", sa.String(200), nullable=False),
        sa.Column("conflict_id", sa.String(80), nullable=True),
        sa.Column("announced_type", sa.String(40), nullable=False),
        sa.Column("follow_up", sa.Boolean, nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("recipient_kind", sa.String(20), nullable=False),
        sa.Column("recipient_ref", sa.String(100), nullable=False),
        sa.Column("address", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(200), nullable=True),
        sa.Column("endpoint", sa.String(400), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("lease_token", sa.String(36), nullable=True),
        sa.Column("lease_until", TZ, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
        sa.UniqueConstraint("source_key", "recipient_ref", "channel", name="uq_notifications_once"),
    )
    op.create_index("ix_notifications_due", "notifications", ["status", "next_attempt_at"])
    op.create_index("ix_notifications_endpoint", "notifications", ["endpoint", "status"])
    op.create_table(
        "endpoints",
        sa.Column("endpoint", sa.String(400), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("blocked_until", TZ, nullable=True),
    )
    op.create_table(
        "digest_items",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("source_key", sa.String(200), nullable=False),
        sa.Column("conflict_id", sa.String(80), nullable=False),
        sa.Column("item", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("digest_id", sa.String(36), nullable=True),
        sa.UniqueConstraint("subscription_id", "source_key", name="uq_digest_items_once"),
    )
    op.create_index("ix_digest_items_pending", "digest_items", ["subscription_id", "digest_id"])
    op.create_table(
        "feed",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )


upgrade, downgrade = first_migration(
    create_tables,
    drop=(
        "feed",
        "digest_items",
        "endpoints",
        "notifications",
        "conflict_states",
        "organisation_webhooks",
        "subscriptions",
    ),
)
