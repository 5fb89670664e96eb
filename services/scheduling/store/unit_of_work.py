"""The scheduling unit of work: its repositories, on SQL, and the batch-level work done before it writes."""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.domain import ActivityKey
from scheduling.store.conflicts import SqlConflicts
from scheduling.store.repositories import (
    Activities,
    Conflicts,
    SqlActivities,
    SqlStagedActivities,
    StagedActivities,
    Zones,
    load_activities,
)
from scheduling.store.writes import write
from scheduling.store.zones import SqlZones
from werkplaats.unit_of_work import SqlUnitOfWork, UnitOfWork

BeforeFlush = Callable[[], Awaitable[None]]


class SchedulingUnitOfWork(UnitOfWork):
    """One scheduling transaction: the repositories the use cases read and change.

    Work registered with ``before_flush`` runs once, after the transaction's last event and before its
    staged rows are written, so what a whole batch of events needs is read and written at once.
    """

    activities: Activities
    staged: StagedActivities
    zones: Zones
    conflicts: Conflicts

    def __init__(self) -> None:
        super().__init__()
        self._before_flush: list[BeforeFlush] = []

    def before_flush(self, work: BeforeFlush) -> None:
        """Run ``work`` once the transaction's events are handled, just before its rows are written."""
        self._before_flush.append(work)

    async def load_activities(self, keys: Iterable[ActivityKey]) -> None:
        """Read the stored and the staged versions of ``keys`` for this transaction."""
        keys = list(keys)
        await self.activities.load(keys)
        await self.staged.load(keys)

    async def run_before_flush(self) -> None:
        """Run the registered work in order (work it registers meanwhile included), each once."""
        while self._before_flush:
            work = self._before_flush.pop(0)
            await work()


class SqlSchedulingUnitOfWork(SqlUnitOfWork, SchedulingUnitOfWork):
    """The scheduling unit of work on the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        # The repositories stage through a weak reference: holding the unit itself, they would make a
        # reference cycle of every batch (unit, session, staged rows) that only the cyclic collector frees.
        unit: SqlSchedulingUnitOfWork = weakref.proxy(self)
        self.activities: SqlActivities = SqlActivities(session, unit)
        self.staged: SqlStagedActivities = SqlStagedActivities(session, unit)
        self.zones = SqlZones(session, unit)
        self.conflicts = SqlConflicts(session, unit)

    async def load_activities(self, keys: Iterable[ActivityKey]) -> None:
        """Read the stored and the staged versions of ``keys`` for this transaction, in one statement."""
        await load_activities(self.session, self.activities, self.staged, keys)

    async def flush_staged(self) -> None:
        """Finish the batch-level work, write the staged rows (statements built once), then the outbox."""
        await self.run_before_flush()
        writes, self.writes = self.writes, {}
        for table, rows in writes.items():
            await write(self.session, cast(Table, table), rows)
        await super().flush_staged()
