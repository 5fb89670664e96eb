"""The live feed behind the pages: numbered conflict changes, read once per process, fanned out over SSE.

The consumer wakes the feed after each commit; the feed also polls, for changes that another instance
wrote. Each change is rendered once per language, whatever the number of open pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import and_, func, select

from dashboard.domain import Person
from dashboard.store import ActivityRow, ChangeRow, ConflictActivityRow, ConflictRow
from werkplaats.background import BackgroundTask
from werkplaats.db import Database

log = structlog.get_logger(__name__)

Render = Callable[["Change", str], dict[str, Any]]
HEARTBEAT = ": keep-alive\n\n"
QUEUE_LIMIT = 10_000
"""A page that falls this far behind is closed; the browser reconnects and resumes with Last-Event-ID."""


@dataclass
class Change:
    """One numbered change to a conflict, with the conflict as it stood when the change was read."""

    number: int
    event_type: str
    conflict: ConflictRow | None
    conflict_id: str
    venues: frozenset[str]
    _frames: dict[str, str] = field(default_factory=dict)

    def visible_to(self, person: Person) -> bool:
        """Coordinators hear only of conflicts at their centre."""
        return person.may_see_conflict_at(self.venues)


class Subscription:
    """One open page: its person, language and queue of changes."""

    def __init__(self, person: Person, language: str) -> None:
        self.person = person
        self.language = language
        self.queue: asyncio.Queue[list[Change] | None] = asyncio.Queue(QUEUE_LIMIT)


class LiveFeed:
    """Reads new changes after each wake-up (or poll) and hands them to every open page."""

    def __init__(self, database: Database, render: Render, *, poll_s: float, heartbeat_s: float) -> None:
        self.database = database
        self.render = render
        self.poll_s = poll_s
        self.heartbeat_s = heartbeat_s
        self.last = 0
        self._wake = asyncio.Event()
        self._subscriptions: set[Subscription] = set()
        self._background = BackgroundTask(self._run, "dashboard-live-feed")

    def wake(self) -> None:
        """New changes were committed in this process."""
        self._wake.set()

    async def start(self) -> None:
        """Start after the last change there is; pages resume earlier ones with Last-Event-ID."""
        async with self.database.sessions() as session:
            self.last = int(await session.scalar(select(func.max(ChangeRow.id))) or 0)
        self._background.start()

    async def stop(self) -> None:
        """Stop reading and end every open stream."""
        await self._background.stop()
        for subscription in list(self._subscriptions):
            with contextlib.suppress(asyncio.QueueFull):
                subscription.queue.put_nowait(None)

    @property
    def listeners(self) -> int:
        """How many pages are open."""
        return len(self._subscriptions)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_s)
            self._wake.clear()
            try:
                await self._read_new()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live_feed_read_failed")
                await asyncio.sleep(self.poll_s)

    async def _read_new(self) -> None:
        while True:
            changes = await self.read(self.last, None, limit=1000)
            if not changes:
                return
            self.last = changes[-1].number
            for subscription in list(self._subscriptions):
                try:
                    subscription.queue.put_nowait(changes)
                except asyncio.QueueFull:
                    self._subscriptions.discard(subscription)
            if len(changes) < 1000:
                return

    async def read(self, after: int, upto: int | None, *, limit: int) -> list[Change]:
        """Changes numbered in ``(after, upto]`` with their conflicts and the venues they concern."""
        async with self.database.sessions() as session:
            statement = select(ChangeRow).where(ChangeRow.id > after).order_by(ChangeRow.id).limit(limit)
            if upto is not None:
                statement = statement.where(ChangeRow.id <= upto)
            rows = list(await session.scalars(statement))
            ids = {row.conflict_id for row in rows}
            if not ids:
                return []
            conflicts = {
                row.conflict_id: row
                for row in await session.scalars(select(ConflictRow).where(ConflictRow.conflict_id.in_(ids)))
            }
            venues: dict[str, set[str]] = {}
            found = await session.execute(
                select(ConflictActivityRow.conflict_id, ActivityRow.venue_id)
                .join(
                    ActivityRow,
                    and_(
                        ActivityRow.organisation == ConflictActivityRow.organisation,
                        ActivityRow.activity_id == ConflictActivityRow.activity_id,
                    ),
                )
                .where(ConflictActivityRow.conflict_id.in_(ids), ActivityRow.venue_id.is_not(None))
            )
            for conflict_id, venue_id in found:
                venues.setdefault(conflict_id, set()).add(str(venue_id))
        return [
            Change(
                row.id,
                row.event_type,
                conflicts.get(row.conflict_id),
                row.conflict_id,
                frozenset(venues.get(row.conflict_id, ())),
            )
            for row in rows
        ]

    def frame(self, change: Change, language: str) -> str:
        """The SSE frame of ``change`` in ``language`` (rendered once per language)."""
        cached = change._frames.get(language)
        if cached is None:
            payload = json.dumps(self.render(change, language), separators=(",", ":"))
            cached = change._frames[language] = f"id: {change.number}\nevent: conflict\ndata: {payload}\n\n"
        return cached

    async def stream(self, person: Person, language: str, resume_after: int | None) -> AsyncIterator[str]:
        """The frames a page receives: what it missed since ``resume_after``, then every new change."""
        subscription = Subscription(person, language)
        self._subscriptions.add(subscription)
        try:
            yield "retry: 2000\n\n"
            sent = self.last
            if resume_after is not None and resume_after < self.last:
                for change in await self.read(resume_after, self.last, limit=QUEUE_LIMIT):
                    if change.visible_to(person):
                        yield self.frame(change, language)
            while True:
                try:
                    changes = await asyncio.wait_for(subscription.queue.get(), timeout=self.heartbeat_s)
                except TimeoutError:
                    yield HEARTBEAT
                    continue
                if changes is None:
                    return
                frames = [
                    self.frame(change, language)
                    for change in changes
                    if change.number > sent and change.visible_to(person)
                ]
                if frames:
                    yield "".join(frames)
        finally:
            self._subscriptions.discard(subscription)
