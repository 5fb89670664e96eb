"""Feed use cases: register, list and remove feeds; publish what changed in a feed through the outbox."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import ActivityPublished, ActivityWithdrawn, new_event
from contracts.topics import check_org_slug, partner_activities
from scheduling.domain import content_hash
from scheduling.domain.errors import SchedulingError
from scheduling.feeds.store import FeedEventRow, FeedRow
from scheduling.ical import FeedMapping, ImportResult
from werkplaats.unit_of_work import SqlUnitOfWork

MIN_INTERVAL = timedelta(minutes=1)
DEFAULT_INTERVAL = timedelta(minutes=15)
_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
REMOVED_REASON = "removed from the partner's calendar feed"


class FeedError(SchedulingError, ValueError):
    """A feed that cannot be registered or found as asked."""


@dataclass(frozen=True)
class Changes:
    """What one import published: new or changed activities, withdrawals, and unchanged ones."""

    published: int = 0
    withdrawn: int = 0
    unchanged: int = 0


def parse_interval(text: str) -> timedelta:
    """Return the interval of ``15m``, ``1h``, ``90s`` or ``1d``; at least one minute."""
    match = _INTERVAL.match(text)
    if not match:
        raise FeedError(f"interval {text!r} is not a number with s, m, h or d, e.g. 15m")
    interval = timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
    if interval < MIN_INTERVAL:
        raise FeedError(f"interval {text!r} is shorter than a minute")
    return interval


async def add_feed(
    session: AsyncSession,
    url: str,
    organisation: str,
    mapping: FeedMapping,
    *,
    interval: timedelta = DEFAULT_INTERVAL,
    now: datetime,
) -> FeedRow:
    """Register ``url`` for ``organisation``; it is polled at once and then every ``interval``."""
    check_org_slug(organisation)
    if not re.match(r"^https?://", url):
        raise FeedError(f"feed URL {url!r} must start with http:// or https://")
    existing = await session.scalar(
        select(FeedRow).where(FeedRow.organisation == organisation, FeedRow.url == url)
    )
    if existing is not None:
        raise FeedError(f"{organisation} already has feed {existing.feed_id} for {url}")
    row = FeedRow(
        feed_id=f"feed-{uuid.uuid4().hex[:12]}",
        url=url,
        organisation=organisation,
        mapping=mapping.model_dump(mode="json", exclude_defaults=True),
        interval_s=int(interval.total_seconds()),
        next_poll_at=now,
        last_problems=[],
        created_at=now,
    )
    session.add(row)
    return row


async def list_feeds(session: AsyncSession, organisation: str | None = None) -> list[FeedRow]:
    """Every registered feed (of one organisation), oldest first."""
    query = select(FeedRow).order_by(FeedRow.created_at, FeedRow.feed_id)
    if organisation:
        query = query.where(FeedRow.organisation == organisation)
    return list(await session.scalars(query))


async def remove_feed(unit: SqlUnitOfWork, feed: str, *, withdraw: bool) -> tuple[FeedRow, int]:
    """Remove a feed by id or URL; with ``withdraw`` its activities are withdrawn. The feed and count."""
    session = unit.session
    rows = list(
        await session.scalars(select(FeedRow).where(or_(FeedRow.feed_id == feed, FeedRow.url == feed)))
    )
    if len(rows) != 1:
        raise FeedError(f"no feed {feed!r}" if not rows else f"{feed!r} names {len(rows)} feeds; give the id")
    [row] = rows
    withdrawn = 0
    if withdraw:
        for activity_id in await _published_ids(session, row.feed_id):
            _publish(
                unit, row.organisation, ActivityWithdrawn(activity_id=activity_id, reason=REMOVED_REASON)
            )
            withdrawn += 1
    await session.execute(delete(FeedEventRow).where(FeedEventRow.feed_id == row.feed_id))
    await session.delete(row)
    return row, withdrawn


async def publish_changes(
    unit: SqlUnitOfWork, feed: FeedRow, result: ImportResult, *, now: datetime
) -> Changes:
    """Stage in the outbox what changed since the feed's last import (withdrawals first); remember it."""
    session = unit.session
    known = {
        row.activity_id: row
        for row in await session.scalars(select(FeedEventRow).where(FeedEventRow.feed_id == feed.feed_id))
    }
    withdrawn = 0
    for withdrawal in _withdrawals(known.keys(), result):
        _publish(unit, feed.organisation, withdrawal)
        await session.delete(known[withdrawal.activity_id])
        withdrawn += 1
    published = unchanged = 0
    for activity in result.activities:
        digest = content_hash(activity)
        row = known.get(activity.activity_id)
        if row is not None and row.content_hash == digest:
            unchanged += 1
            continue
        _publish(unit, feed.organisation, activity)
        if row is None:
            row = FeedEventRow(feed_id=feed.feed_id, activity_id=activity.activity_id)
            session.add(row)
        row.content_hash, row.updated_at = digest, now
        published += 1
    return Changes(published, withdrawn, unchanged)


def _withdrawals(known: Iterable[str], result: ImportResult) -> list[ActivityWithdrawn]:
    """Withdrawals of published activities: cancelled in the calendar, or no longer in it (first)."""
    published = set(known)
    cancelled = {w.activity_id: w for w in result.withdrawals}
    gone = {
        activity_id: ActivityWithdrawn(activity_id=activity_id, reason=REMOVED_REASON)
        for activity_id in published - result.mentioned
    }
    return [withdrawal for key, withdrawal in sorted((gone | cancelled).items()) if key in published]


async def _published_ids(session: AsyncSession, feed_id: str) -> list[str]:
    query = (
        select(FeedEventRow.activity_id)
        .where(FeedEventRow.feed_id == feed_id)
        .order_by(FeedEventRow.activity_id)
    )
    return list(await session.scalars(query))


def _publish(unit: SqlUnitOfWork, organisation: str, data: ActivityPublished | ActivityWithdrawn) -> None:
    event = new_event(data, source=organisation)
    unit.publish(partner_activities(organisation), event, key=data.activity_id)
