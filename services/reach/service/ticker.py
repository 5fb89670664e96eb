"""Now and then: refuse reports that waited too long, remind of due reports, flag promises, refresh advice."""

from __future__ import annotations

from reach.service.reach import Reach
from reach.store import SqlReachUnitOfWork
from werkplaats.background import BackgroundTask
from werkplaats.db import Database
from werkplaats.retry import Backoff, repeat


class Ticker:
    """Runs the reach service's periodic work, each part in its own transaction."""

    def __init__(self, database: Database, reach: Reach, interval_s: float) -> None:
        self.database = database
        self.reach = reach
        self.interval_s = interval_s
        self._background = BackgroundTask(self.run, "reach-ticker")

    async def tick(self) -> None:
        """Do every periodic task once."""
        for task in (
            self.reach.settle_pending,
            self.reach.remind,
            self.reach.flag_overdue_promises,
            self.reach.refresh_advice,
        ):
            async with self.database.unit_of_work(SqlReachUnitOfWork) as unit:
                await task(unit)

    async def run(self) -> None:
        """Tick until cancelled; a failed tick is logged and tried again next time."""
        await repeat(
            self.tick,
            event="reach_tick_failed",
            pause=self.interval_s,
            backoff=Backoff.constant(self.interval_s),
        )

    def start(self) -> None:
        """Run in the background."""
        self._background.start()

    async def stop(self) -> None:
        """Stop ticking."""
        await self._background.stop()
