"""Parked outbox rows that operations discard are kept, with the reason, in ``outbox_discarded``.

Revision ID: runtime_0003
Revises: runtime_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "runtime_0003"
down_revision = "runtime_0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the table of discarded outbox rows."""
    op.create_table(
        "outbox_discarded",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("key", sa.LargeBinary, nullable=True),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("parked_at", TZ, nullable=False),
        sa.Column("parked_reason", sa.Text, nullable=True),
        sa.Column("discarded_at", TZ, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )


def downgrade() -> None:
    """Drop the table of discarded outbox rows."""
    op.drop_table("outbox_discarded")
