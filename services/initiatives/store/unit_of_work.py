"""The initiatives unit of work: its repositories, on SQL."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncSession

from initiatives.store.repositories import (
    Activities,
    AttachedConflicts,
    ClosedDays,
    Initiatives,
    Milestones,
    SentReminders,
    SqlActivities,
    SqlAttachedConflicts,
    SqlClosedDays,
    SqlInitiatives,
    SqlMilestones,
    SqlSentReminders,
    SqlSubsidyChecks,
    SqlSupportLog,
    SubsidyChecks,
    SupportLog,
)
from werkplaats.db import Database
from werkplaats.unit_of_work import SqlUnitOfWork, UnitOfWork


class InitiativesUnitOfWork(UnitOfWork):
    """One initiatives transaction: the repositories the use cases read and change."""

    initiatives: Initiatives
    support_log: SupportLog
    milestones: Milestones
    activities: Activities
    attached_conflicts: AttachedConflicts
    subsidy_checks: SubsidyChecks
    closed_days: ClosedDays
    sent_reminders: SentReminders


class SqlInitiativesUnitOfWork(SqlUnitOfWork, InitiativesUnitOfWork):
    """The initiatives unit of work on the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.initiatives = SqlInitiatives(session)
        self.support_log = SqlSupportLog(session)
        self.milestones = SqlMilestones(session)
        self.activities = SqlActivities(session)
        self.attached_conflicts = SqlAttachedConflicts(session)
        self.subsidy_checks = SqlSubsidyChecks(session)
        self.closed_days = SqlClosedDays(session)
        self.sent_reminders = SqlSentReminders(session)


def unit_of_work(database: Database) -> AbstractAsyncContextManager[SqlInitiativesUnitOfWork]:
    """A unit of work on ``database`` that commits when the block ends without error."""
    return database.unit_of_work(SqlInitiativesUnitOfWork)
