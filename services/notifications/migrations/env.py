"""Alembic environment of the notifications service; run through werkplaats.migrations.upgrade."""

from alembic import context

from notifications.store import NotificationsBase
from werkplaats.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=[NotificationsBase.metadata, Base.metadata],
    render_as_batch=True,
    version_table="alembic_version_notifications",
)
with context.begin_transaction():
    context.run_migrations()
