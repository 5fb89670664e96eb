"""Alembic environment of the scheduling service; run through werkplaats.migrations.upgrade."""

from scheduling.store import SchedulingBase
from werkplaats.migrations import run_environment

run_environment(SchedulingBase.metadata, "alembic_version_scheduling")
