"""The reach store: its tables, repositories and unit of work."""

from reach.store.memory import InMemoryReachUnitOfWork
from reach.store.tables import (
    ActivityRow,
    AdviceRow,
    FlagRow,
    PendingReportRow,
    ReachBase,
    ReportRow,
    StaleAdviceRow,
    aware,
)
from reach.store.unit_of_work import (
    ACTIVITIES,
    ADVICE,
    FLAGS,
    PENDING,
    REPORTS,
    STALE_ADVICE,
    ReachUnitOfWork,
    SqlReachUnitOfWork,
)

__all__ = [
    "ACTIVITIES",
    "ADVICE",
    "FLAGS",
    "PENDING",
    "REPORTS",
    "STALE_ADVICE",
    "ActivityRow",
    "AdviceRow",
    "FlagRow",
    "InMemoryReachUnitOfWork",
    "PendingReportRow",
    "ReachBase",
    "ReachUnitOfWork",
    "ReportRow",
    "SqlReachUnitOfWork",
    "StaleAdviceRow",
    "aware",
]
