"""Accounts name the organisation an organiser reports for.

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
    op.add_column("accounts", sa.Column("organisation", sa.String(40), nullable=True))


def downgrade() -> None:
    op.drop_column("accounts", "organisation")
