"""The scheduling store: its tables, repositories and unit of work (SQL, and in memory for tests)."""

from scheduling.domain import ActivityKey
from scheduling.store.repositories import StoredActivity
from scheduling.store.tables import (
    ActivityRow,
    ConflictRow,
    CustomDateRow,
    SchedulingBase,
    ZoneMemberRow,
    ZoneRow,
)
from scheduling.store.unit_of_work import SchedulingUnitOfWork, SqlSchedulingUnitOfWork

__all__ = [
    "ActivityKey",
    "ActivityRow",
    "ConflictRow",
    "CustomDateRow",
    "SchedulingBase",
    "SchedulingUnitOfWork",
    "SqlSchedulingUnitOfWork",
    "StoredActivity",
    "ZoneMemberRow",
    "ZoneRow",
]
