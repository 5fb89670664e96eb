"""Registered iCalendar feeds and the activities each published.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("feed_id", sa.String(40), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("organisation", sa.String(40), nullable=False),
        sa.Column("mapping", sa.JSON, nullable=False),
        sa.Column("interval_s", sa.Integer, nullable=False),
        sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(20), nullable=True),
        sa.Column("last_message", sa.Text, nullable=True),
        sa.Column("last_problems", sa.JSON, nullable=False),
        sa.Column("etag", sa.Text, nullable=True),
        sa.Column("last_modified", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("organisation", "url", name="uq_feeds_organisation_url"),
    )
    op.create_index("ix_feeds_next_poll_at", "feeds", ["next_poll_at"])
    op.create_table(
        "feed_events",
        sa.Column(
            "feed_id",
            sa.String(40),
            sa.ForeignKey("feeds.feed_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("activity_id", sa.String(100), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("feed_events")
    op.drop_index("ix_feeds_next_poll_at", table_name="feeds")
    op.drop_table("feeds")
