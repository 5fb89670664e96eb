"""Alembic environment of the initiatives service; run through werkplaats.migrations.upgrade."""

from alembic import context

from initiatives.store import InitiativesBase
from werkplaats.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=[InitiativesBase.metadata, Base.metadata],
    render_as_batch=True,
    version_table="alembic_version_initiatives",
)
with context.begin_transaction():
    context.run_migrations()
