"""The scheduling unit of work: its repositories, on SQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.store.repositories import (
    Activities,
    Conflicts,
    SqlActivities,
    SqlConflicts,
    SqlStagedActivities,
    StagedActivities,
    Zones,
)
from scheduling.store.zones import SqlZones
from werkplaats.unit_of_work import SqlUnitOfWork, UnitOfWork


class SchedulingUnitOfWork(UnitOfWork):
    """One scheduling transaction: the repositories the use cases read and change."""

    activities: Activities
    staged: StagedActivities
    zones: Zones
    conflicts: Conflicts


class SqlSchedulingUnitOfWork(SqlUnitOfWork, SchedulingUnitOfWork):
    """The scheduling unit of work on the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.activities = SqlActivities(session, self)
        self.staged = SqlStagedActivities(session, self)
        self.zones = SqlZones(session, self)
        self.conflicts = SqlConflicts(session)
