"""The centres ticker: subsidy reminders published once each, checked now and then."""

from __future__ import annotations

import asyncio

import structlog

from centres.domain.bookings import AMSTERDAM
from centres.service.common import Context
from centres.service.subsidies import send_reminders
from centres.store import SqlCentresUnitOfWork
from werkplaats.background import BackgroundTask
from werkplaats.db import Database

log = structlog.get_logger(__name__)


class Ticker:
    """Sends the subsidy reminders that are due, every ``interval_s``."""

    def __init__(self, database: Database, context: Context, interval_s: float) -> None:
        self.database = database
        self.context = context
        self.interval_s = interval_s
        self._background = BackgroundTask(self.run, "centres-ticker")

    async def tick(self) -> int:
        """Send the reminders due today; how many went out."""
        today = self.context.clock().astimezone(AMSTERDAM).date()
        async with self.database.unit_of_work(SqlCentresUnitOfWork) as unit:
            return await send_reminders(unit, self.context, today)

    async def run(self) -> None:
        """Tick until cancelled; a failed tick is logged and tried again next time."""
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("centres_tick_failed")
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        """Run in the background."""
        self._background.start()

    async def stop(self) -> None:
        """Stop ticking."""
        await self._background.stop()
