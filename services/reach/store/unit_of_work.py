"""The reach unit of work: its repositories, on SQL."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from reach.store.repositories import (
    Activities,
    Advice,
    Flags,
    PendingReports,
    Reports,
    SqlActivities,
    SqlAdvice,
    SqlFlags,
    SqlPendingReports,
    SqlReports,
)
from reach.store.tables import ActivityRow, AdviceRow, FlagRow, PendingReportRow, ReportRow, StaleAdviceRow
from werkplaats.unit_of_work import SqlUnitOfWork, UnitOfWork

ACTIVITIES = cast(Table, ActivityRow.__table__)
REPORTS = cast(Table, ReportRow.__table__)
PENDING = cast(Table, PendingReportRow.__table__)
FLAGS = cast(Table, FlagRow.__table__)
ADVICE = cast(Table, AdviceRow.__table__)
STALE_ADVICE = cast(Table, StaleAdviceRow.__table__)


class ReachUnitOfWork(UnitOfWork):
    """One reach transaction: the repositories the use cases read."""

    activities: Activities
    reports: Reports
    pending: PendingReports
    flags: Flags
    advice: Advice


class SqlReachUnitOfWork(SqlUnitOfWork, ReachUnitOfWork):
    """The reach unit of work on the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.activities = SqlActivities(session)
        self.reports = SqlReports(session)
        self.pending = SqlPendingReports(session)
        self.flags = SqlFlags(session)
        self.advice = SqlAdvice(session)
