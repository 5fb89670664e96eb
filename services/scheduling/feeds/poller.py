"""Polls registered feeds when due and publishes, through the outbox, only what changed in each."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import structlog
from sqlalchemy import select, update

from contracts.topics import TopicSpec, partner_topics
from scheduling.feeds.fetch import MAX_BYTES, Fetched, FetchError, fetch_calendar, new_client
from scheduling.feeds.service import Changes, publish_changes
from scheduling.feeds.store import FeedRow
from scheduling.ical import FeedMapping, ImportResult, read_calendar
from werkplaats.background import BackgroundTask
from werkplaats.db import Database
from werkplaats.retry import Backoff, repeat
from werkplaats.unit_of_work import SqlUnitOfWork

log = structlog.get_logger(__name__)

EnsureTopics = Callable[[Iterable[TopicSpec]], Awaitable[None]]
MAX_STORED_PROBLEMS = 200


@dataclass(frozen=True)
class PollOutcome:
    """What one poll of one feed did: ``ok``, ``not_modified``, ``error`` or ``gone`` (removed meanwhile)."""

    feed_id: str
    organisation: str
    status: str
    changes: Changes = field(default_factory=Changes)
    problems: list[str] = field(default_factory=list)
    message: str | None = None


class FeedPoller:
    """Fetches due feeds and stages their changes in the outbox; safe with several instances.

    A due feed is claimed by moving its next poll a lease ahead (one conditional UPDATE, after a
    ``FOR UPDATE SKIP LOCKED`` read on PostgreSQL), fetched outside any transaction, then applied
    under a row lock together with its outbox rows and ``feed_events``.
    """

    def __init__(
        self,
        database: Database,
        *,
        ensure_topics: EnsureTopics | None = None,
        tick_s: float = 15.0,
        batch_size: int = 20,
        lease: timedelta = timedelta(minutes=5),
        max_bytes: int = MAX_BYTES,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.database = database
        self.ensure_topics = ensure_topics
        self.tick_s = tick_s
        self.batch_size = batch_size
        self.lease = lease
        self.max_bytes = max_bytes
        self._client = client
        self._own_client = client is None
        self._background = BackgroundTask(self.run, "feed-poller")

    async def poll_once(self, *, now: datetime | None = None) -> list[PollOutcome]:
        """Poll every feed due at ``now`` (default: the current time) once; what each poll did."""
        now = now or datetime.now(UTC)
        return [await self._poll(feed, now) for feed in await self._claim(now)]

    async def _claim(self, now: datetime) -> list[FeedRow]:
        async with self.database.transaction() as session:
            due = (
                select(FeedRow)
                .where(FeedRow.next_poll_at <= now)
                .order_by(FeedRow.next_poll_at)
                .limit(self.batch_size)
            )
            if not self.database.is_sqlite:
                due = due.with_for_update(skip_locked=True)
            claimed = []
            for feed in list(await session.scalars(due)):
                taken = await session.execute(
                    update(FeedRow)
                    .where(FeedRow.feed_id == feed.feed_id, FeedRow.next_poll_at <= now)
                    .values(next_poll_at=now + self.lease)
                    .execution_options(synchronize_session=False)
                )
                if getattr(taken, "rowcount", 0) == 1:
                    claimed.append(feed)
            session.expunge_all()
        return claimed

    async def _poll(self, feed: FeedRow, now: datetime) -> PollOutcome:
        try:
            fetched = await fetch_calendar(
                self._http(),
                feed.url,
                etag=feed.etag,
                last_modified=feed.last_modified,
                max_bytes=self.max_bytes,
            )
        except FetchError as error:
            return await self._finish(feed.feed_id, now, status="error", message=str(error))
        if fetched.body is None:
            return await self._finish(feed.feed_id, now, status="not_modified", fetched=fetched)
        mapping = FeedMapping.model_validate(feed.mapping)
        result = await asyncio.to_thread(read_calendar, fetched.body, mapping)
        if not result.is_calendar:
            return await self._finish(feed.feed_id, now, status="error", message="not an iCalendar file")
        if self.ensure_topics is not None:
            await self.ensure_topics(partner_topics(feed.organisation))
        return await self._finish(feed.feed_id, now, status="ok", fetched=fetched, result=result)

    async def _finish(
        self,
        feed_id: str,
        now: datetime,
        *,
        status: str,
        message: str | None = None,
        fetched: Fetched | None = None,
        result: ImportResult | None = None,
    ) -> PollOutcome:
        """Record the poll and, with a result, stage its changes, all under the feed's row lock."""
        async with self.database.unit_of_work(SqlUnitOfWork) as unit:
            feed = await unit.session.scalar(
                select(FeedRow).where(FeedRow.feed_id == feed_id).with_for_update()
            )
            if feed is None:
                return PollOutcome(feed_id, "", "gone")
            changes = await publish_changes(unit, feed, result, now=now) if result else Changes()
            problems = [str(problem) for problem in result.problems] if result else []
            feed.next_poll_at = now + timedelta(seconds=feed.interval_s)
            feed.last_polled_at, feed.last_status, feed.last_message = now, status, message
            if result is not None:
                feed.last_problems = problems[:MAX_STORED_PROBLEMS]
            if fetched is not None:
                feed.etag, feed.last_modified = fetched.etag, fetched.last_modified
            organisation = feed.organisation
        log.info(
            "feed_polled",
            feed_id=feed_id,
            organisation=organisation,
            status=status,
            message=message,
            published=changes.published,
            withdrawn=changes.withdrawn,
            problems=len(problems),
        )
        return PollOutcome(feed_id, organisation, status, changes, problems, message)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = new_client()
        return self._client

    async def run(self) -> None:
        """Poll every ``tick_s`` seconds until cancelled; a failed round is logged and retried."""
        await repeat(
            self.poll_once, event="feed_poll_failed", pause=self.tick_s, backoff=Backoff.constant(self.tick_s)
        )

    def start(self) -> None:
        """Poll in the background."""
        self._background.start()

    async def stop(self) -> None:
        """Stop polling, close the HTTP client; a feed claimed but not finished is polled after its lease."""
        await self._background.stop()
        if self._client is not None and self._own_client:
            await self._client.aclose()
            self._client = None
