"""A version number of who can be told, bumped by the database on every change of subscriptions and webhooks.

Instances keep the subscriptions and organisations' webhooks they decide with and read only this number
per batch to know whether what they keep still holds, whichever instance, API call or tool changed them:
the triggers bump it in the transaction of the change.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WATCHED = ("subscriptions", "organisation_webhooks")
BUMP = "UPDATE recipients_version SET version = version + 1 WHERE id = 1"
FUNCTION = "notifications_recipients_changed"


def upgrade() -> None:
    """Create the version row and the triggers that bump it."""
    op.create_table(
        "recipients_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO recipients_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in WATCHED:
            op.execute(
                f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
        return
    for table in WATCHED:
        for action in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_{action.lower()}_changed AFTER {action} ON {table} BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    """Drop the triggers and the version row."""
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER {table}_changed ON {table}")
        op.execute(f"DROP FUNCTION {FUNCTION}()")
    else:
        for table in WATCHED:
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_{action}_changed")
    op.drop_table("recipients_version")
