"""Alembic environment of the dashboard; run through werkplaats.migrations.upgrade."""

from alembic import context

from dashboard.store import DashboardBase
from werkplaats.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=[DashboardBase.metadata, Base.metadata],
    render_as_batch=True,
    version_table="alembic_version_dashboard",
)
with context.begin_transaction():
    context.run_migrations()
