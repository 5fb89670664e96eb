"""Alembic environment of the centres service; run through werkplaats.migrations.upgrade."""

from centres.store import CentresBase
from werkplaats.migrations import run_environment

run_environment(CentresBase.metadata, "alembic_version_centres")
