"""The outbox's indexes hold only pending and parked rows (partial indexes), not every row sent.

Revision ID: runtime_0004
Revises: runtime_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "runtime_0004"
down_revision = "runtime_0003"
branch_labels = None
depends_on = None

PENDING = sa.text("sent_at IS NULL AND parked_at IS NULL")
PARKED = sa.text("parked_at IS NOT NULL AND sent_at IS NULL")


def upgrade() -> None:
    """Replace the indexes on (sent_at, id) and on parked_at by partial indexes on id."""
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_index("ix_outbox_parked", table_name="outbox")
    op.create_index("ix_outbox_pending", "outbox", ["id"], postgresql_where=PENDING, sqlite_where=PENDING)
    op.create_index("ix_outbox_parked", "outbox", ["id"], postgresql_where=PARKED, sqlite_where=PARKED)


def downgrade() -> None:
    """Bring back the full indexes."""
    op.drop_index("ix_outbox_parked", table_name="outbox")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index("ix_outbox_pending", "outbox", ["sent_at", "id"])
    op.create_index("ix_outbox_parked", "outbox", ["parked_at"])
