"""Digest items of reach alerts name their activity in a column of its own, not in ``conflict_id``.

A reach alert (``reach.report_due``, ``reach.promise_overdue``) is about one activity, not a
conflict; its digest items carried ``organisation/activity_id`` in ``conflict_id``. They now carry
it in ``activity`` with ``conflict_id`` empty; items already collected are moved over.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

REACH = "source_key LIKE 'reach.%'"


def upgrade() -> None:
    """Add ``activity``, let ``conflict_id`` be empty, move the reach items' references over."""
    with op.batch_alter_table("digest_items") as batch:
        batch.add_column(sa.Column("activity", sa.String(160), nullable=True))
        batch.alter_column("conflict_id", existing_type=sa.String(80), nullable=True)
    op.execute(f"UPDATE digest_items SET activity = conflict_id, conflict_id = NULL WHERE {REACH}")


def downgrade() -> None:
    """Put the reach items' references back into ``conflict_id``."""
    op.execute(f"UPDATE digest_items SET conflict_id = SUBSTR(activity, 1, 80) WHERE {REACH}")
    with op.batch_alter_table("digest_items") as batch:
        batch.alter_column("conflict_id", existing_type=sa.String(80), nullable=False)
        batch.drop_column("activity")
