"""Alembic environment of the reach service; run through werkplaats.migrations.upgrade."""

from alembic import context

from reach.store import ReachBase
from werkplaats.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=[ReachBase.metadata, Base.metadata],
    render_as_batch=True,
    version_table="alembic_version_reach",
)
with context.begin_transaction():
    context.run_migrations()
