"""Alembic environment of the reach service; run through werkplaats.migrations.upgrade."""

from reach.store import ReachBase
from werkplaats.migrations import run_environment

run_environment(ReachBase.metadata, "alembic_version_reach")
