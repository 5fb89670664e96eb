"""Volunteers near their allowance caps: which centres they work for, the latest warning per cap and period.

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
        "volunteer_centres",
        sa.Column("volunteer_id", sa.String(60), primary_key=True),
        sa.Column("centre_id", sa.String(100), primary_key=True),
    )
    op.create_index("ix_volunteer_centres_centre_id", "volunteer_centres", ["centre_id"])
    op.create_table(
        "allowance_warnings",
        sa.Column("volunteer_id", sa.String(60), primary_key=True),
        sa.Column("cap", sa.String(10), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("month", sa.Integer, primary_key=True),
        sa.Column("limit", sa.Numeric(12, 2), nullable=False),
        sa.Column("total", sa.Numeric(12, 2), nullable=False),
        sa.Column("remaining", sa.Numeric(12, 2), nullable=False),
        sa.Column("percent", sa.Integer, nullable=False),
        sa.Column("warned_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("allowance_warnings")
    op.drop_table("volunteer_centres")
