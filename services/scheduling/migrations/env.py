"""Alembic environment of the scheduling service; run through werkplaats.migrations.upgrade."""

from alembic import context

from scheduling.store import SchedulingBase
from werkplaats.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=[SchedulingBase.metadata, Base.metadata],
    render_as_batch=True,
    version_table="alembic_version_scheduling",
)
with context.begin_transaction():
    context.run_migrations()
