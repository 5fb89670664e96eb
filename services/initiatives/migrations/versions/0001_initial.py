"""Initiatives, support log, milestones, activities, attached conflicts, subsidy checks, closed days.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from werkplaats.migrations import TZ, first_migration

revision = "0001"
down_revision = None


def create_tables() -> None:
    op.create_table(
        "initiatives",
        sa.Column("initiative_id", sa.String(13), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("registered_by", sa.String(60), nullable=True),
        sa.Column("wijk", sa.String(8), nullable=False),
        sa.Column("neighbourhoods", sa.JSON, nullable=False),
        sa.Column("scale", sa.String(10), nullable=False),
        sa.Column("themes", sa.JSON, nullable=False),
        sa.Column("target_groups", sa.JSON, nullable=False),
        sa.Column("help_wanted", sa.JSON, nullable=False),
        sa.Column("estimated_budget_eur", sa.Float, nullable=True),
        sa.Column("legal_entity", sa.Boolean, nullable=False),
        sa.Column("details", sa.LargeBinary, nullable=True),
        sa.Column("contact", sa.LargeBinary, nullable=True),
        sa.Column("access_token_sha256", sa.String(64), nullable=False),
        sa.Column("builder_id", sa.String(44), nullable=True),
        sa.Column("submitted_at", TZ, nullable=False),
        sa.Column("first_contact_due", sa.Date, nullable=False),
        sa.Column("first_contact_at", TZ, nullable=True),
        sa.Column("overdue_raised_for", sa.Date, nullable=True),
        sa.Column("status_reason", sa.String(30), nullable=True),
        sa.Column("explanation", sa.LargeBinary, nullable=True),
        sa.Column("merged_into", sa.String(13), nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("contact_erased_at", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_initiatives_open_builder", "initiatives", ["status", "builder_id"])
    op.create_index("ix_initiatives_due", "initiatives", ["first_contact_at", "first_contact_due"])
    op.create_table(
        "support_log",
        sa.Column("entry_id", sa.String(40), primary_key=True),
        sa.Column("initiative_id", sa.String(13), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("hours", sa.Float, nullable=False),
        sa.Column("by", sa.String(60), nullable=False),
        sa.Column("referred_to", sa.String(20), nullable=True),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("notes", sa.LargeBinary, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_support_log_initiative", "support_log", ["initiative_id", "on"])
    op.create_table(
        "milestones",
        sa.Column("milestone_id", sa.String(40), primary_key=True),
        sa.Column("initiative_id", sa.String(13), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("reached_on", sa.Date, nullable=True),
    )
    op.create_index("ix_milestones_initiative_id", "milestones", ["initiative_id"])
    op.create_table(
        "activities",
        sa.Column("activity_id", sa.String(100), primary_key=True),
        sa.Column("initiative_id", sa.String(13), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_activities_initiative_id", "activities", ["initiative_id"])
    op.create_table(
        "attached_conflicts",
        sa.Column("conflict_id", sa.String(200), primary_key=True),
        sa.Column("activity_id", sa.String(100), primary_key=True),
        sa.Column("initiative_id", sa.String(13), nullable=False),
        sa.Column("rule", sa.String(30), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("explanation_nl", sa.Text, nullable=False),
        sa.Column("explanation_en", sa.Text, nullable=False),
        sa.Column("resolved", sa.Boolean, nullable=False),
        sa.Column("detected_at", TZ, nullable=False),
    )
    op.create_index("ix_attached_conflicts_initiative_id", "attached_conflicts", ["initiative_id"])
    op.create_table(
        "subsidy_checks",
        sa.Column("initiative_id", sa.String(13), primary_key=True),
        sa.Column("checked_on", sa.Date, nullable=False),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("results", sa.JSON, nullable=False),
        sa.Column("best", sa.String(40), nullable=True),
    )
    op.create_table(
        "closed_days",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("reason", sa.String(200), nullable=False),
    )


upgrade, downgrade = first_migration(
    create_tables,
    drop=(
        "closed_days",
        "subsidy_checks",
        "attached_conflicts",
        "activities",
        "milestones",
        "support_log",
        "initiatives",
    ),
)
