"""Deliveries keep a reference to their recipient, not a copy of its webhook secret.

Every delivery already names its recipient (``recipient_ref``: ``subscription:<id>`` or
``organisation:<slug>``); from now on the secret is read from that subscription or organisation's
webhook when the delivery is sent, so pending rows need nothing moved: the copies are dropped. A
pending delivery whose recipient has no webhook any more fails when its turn comes, with
``notification.failed``, instead of being signed with a secret nobody holds.

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
    """Drop the copied secrets."""
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("secret")


def downgrade() -> None:
    """Bring the column back, empty (the secrets stay with their owners)."""
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("secret", sa.String(200), nullable=True))
