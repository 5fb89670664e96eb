"""Alembic environment of the centres service; run through werkplaats.migrations.upgrade."""

from alembic import context

from centres.store import CentresBase
from werkplaats.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=[CentresBase.metadata, Base.metadata],
    render_as_batch=True,
    version_table="alembic_version_centres",
)
with context.begin_transaction():
    context.run_migrations()
