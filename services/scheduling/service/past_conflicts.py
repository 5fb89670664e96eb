"""Conflicts whose occurrences have all passed leave the open list with a ``conflict.resolved`` saying so."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog

from contracts import ConflictResolved, ConflictRule, Explanation, new_event
from contracts.topics import SCHEDULING_CONFLICTS
from scheduling import NAME
from scheduling.store import SchedulingUnitOfWork, SqlSchedulingUnitOfWork
from werkplaats.background import BackgroundTask
from werkplaats.db import Database

log = structlog.get_logger(__name__)

PASSED = Explanation(
    nl="Alle bijeenkomsten van dit conflict zijn voorbij; het is gesloten.",
    en="All occurrences of this conflict have passed; it is closed.",
)
BATCH = 500


async def close_past_conflicts(unit: SchedulingUnitOfWork, now: datetime) -> int:
    """Resolve the open conflicts whose last occurrence ended by ``now``; how many were closed."""
    closed = 0
    for row in await unit.conflicts.open_started_before(now, BATCH):
        if datetime.fromisoformat(row.detected["ends_at"]) > now:
            continue
        rule = ConflictRule(row.rule)
        resolved = ConflictResolved(conflict_id=row.conflict_id, rule=rule, explanation=PASSED)
        row.status, row.resolved_at, row.resolution = "resolved", now, resolved.model_dump(mode="json")
        unit.publish(SCHEDULING_CONFLICTS, new_event(resolved, source=NAME), key=row.conflict_id)
        closed += 1
    return closed


class PastConflictCloser:
    """Closes past conflicts at start, then every ``interval_s``; the database says which (restart-proof)."""

    def __init__(self, database: Database, interval_s: float = 300.0) -> None:
        self.database = database
        self.interval_s = interval_s
        self._background = BackgroundTask(self.run, "past-conflict-closer")

    async def close_once(self, now: datetime | None = None) -> int:
        """Close what has passed by ``now`` (default: the current time)."""
        async with self.database.unit_of_work(SqlSchedulingUnitOfWork) as unit:
            closed = await close_past_conflicts(unit, now or datetime.now(UTC))
        if closed:
            log.info("past_conflicts_closed", closed=closed)
        return closed

    async def run(self) -> None:
        """Close until cancelled; a failed round is logged and tried again next time."""
        while True:
            try:
                await self.close_once()
            except Exception:
                log.exception("past_conflicts_failed")
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        """Close in the background."""
        self._background.start()

    async def stop(self) -> None:
        """Stop closing."""
        await self._background.stop()
