"""The inbox keeps a digest of each event's content, so a reused event id is told from a redelivery.

Revision ID: runtime_0002
Revises: runtime_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "runtime_0002"
down_revision = "runtime_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the digest column (rows from before have none: they count as redeliveries)."""
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("digest", sa.String(64), nullable=True))


def downgrade() -> None:
    """Remove the digest column."""
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("digest")
