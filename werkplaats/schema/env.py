"""Alembic environment of the runtime's own tables (outbox, inbox) in every service's database."""

from werkplaats.db import Base
from werkplaats.migrations import RUNTIME_VERSION_TABLE, run_environment

run_environment(Base.metadata, RUNTIME_VERSION_TABLE)
