"""Alembic environment of the initiatives service; run through werkplaats.migrations.upgrade."""

from initiatives.store import InitiativesBase
from werkplaats.migrations import run_environment

run_environment(InitiativesBase.metadata, "alembic_version_initiatives")
