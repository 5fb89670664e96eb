"""The initiatives store: its tables, repositories and unit of work (SQL, and in memory for tests)."""

from initiatives.store.tables import (
    ActivityRow,
    AttachedConflictRow,
    ClosedDayRow,
    InitiativeRow,
    InitiativesBase,
    MilestoneRow,
    SentReminderRow,
    SubsidyCheckRow,
    SupportEntryRow,
    utc,
)
from initiatives.store.unit_of_work import InitiativesUnitOfWork, SqlInitiativesUnitOfWork, unit_of_work

__all__ = [
    "ActivityRow",
    "AttachedConflictRow",
    "ClosedDayRow",
    "InitiativeRow",
    "InitiativesBase",
    "InitiativesUnitOfWork",
    "MilestoneRow",
    "SentReminderRow",
    "SqlInitiativesUnitOfWork",
    "SubsidyCheckRow",
    "SupportEntryRow",
    "unit_of_work",
    "utc",
]
