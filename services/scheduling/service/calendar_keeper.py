"""Operations' own unfavourable dates: stored beside the shipped file and used without a release."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.domain import UnfavourableCalendar, load_calendar
from scheduling.domain.errors import SchedulingError
from scheduling.store import CustomDateRow
from werkplaats.background import BackgroundTask
from werkplaats.db import Database
from werkplaats.retry import Backoff, repeat

log = structlog.get_logger(__name__)

EVENING = {"from": "17:00", "until": "24:00"}


class InvalidDateEntryError(SchedulingError, ValueError):
    """An unfavourable date that cannot be used as given."""


def custom_entry(
    entry_id: str, first: date, last: date, *, nl: str, en: str, evening_only: bool, source: str
) -> dict[str, Any]:
    """An entry in the shape of the shipped dates file."""
    if last < first:
        raise InvalidDateEntryError("last must not be before first")
    entry: dict[str, Any] = {
        "id": entry_id,
        "reason": "operations",
        "name": {"nl": nl, "en": en},
        "first": first.isoformat(),
        "last": last.isoformat(),
        "source": source,
        "checked": datetime.now(UTC).date().isoformat(),
    }
    if evening_only:
        entry["window"] = dict(EVENING)
    return entry


async def add_custom_date(session: AsyncSession, entry: dict[str, Any]) -> None:
    """Store an operations date (replacing one with the same id)."""
    load_calendar([entry])  # refuse what the calendar could not read
    await session.merge(CustomDateRow(entry_id=entry["id"], entry=entry, created_at=datetime.now(UTC)))


async def custom_entries(session: AsyncSession) -> list[dict[str, Any]]:
    """Every operations date."""
    rows = await session.scalars(select(CustomDateRow).order_by(CustomDateRow.entry_id))
    return [row.entry for row in rows]


class CalendarKeeper:
    """Keeps the detector's calendar current with the dates operations add."""

    def __init__(
        self, database: Database, extra_file: Path | None, apply: Callable[[UnfavourableCalendar], None]
    ):
        self.database = database
        self.extra_file = extra_file
        self.apply = apply
        self.calendar = load_calendar(self._file_entries())
        self._fingerprint: tuple[int, datetime | None] | None = None
        self._background = BackgroundTask(self.keep_current, "calendar-keeper")

    def _file_entries(self) -> list[dict[str, Any]]:
        if self.extra_file is None:
            return []
        return list(json.loads(self.extra_file.read_text(encoding="utf-8"))["entries"])

    async def refresh(self) -> None:
        """Reload the calendar when operations' dates changed."""
        async with self.database.sessions() as session:
            count, newest = (
                await session.execute(
                    select(func.count(), func.max(CustomDateRow.created_at)).select_from(CustomDateRow)
                )
            ).one()
            fingerprint = (int(count), newest)
            if fingerprint == self._fingerprint:
                return
            entries = await custom_entries(session)
        self.calendar = load_calendar(self._file_entries() + entries)
        self._fingerprint = fingerprint
        self.apply(self.calendar)
        log.info("calendar_loaded", operations_dates=len(entries))

    async def keep_current(self, interval_s: float = 30.0) -> None:
        """Refresh now and then until cancelled."""
        await asyncio.sleep(interval_s)
        await repeat(
            self.refresh,
            event="calendar_refresh_failed",
            pause=interval_s,
            backoff=Backoff.constant(interval_s),
        )

    def start(self) -> None:
        """Refresh in the background."""
        self._background.start()

    async def stop(self) -> None:
        """Stop refreshing."""
        await self._background.stop()
