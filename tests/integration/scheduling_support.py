"""Helpers for scheduling tests on a real broker: partners publishing, fresh areas, reading conflicts."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from contracts import ActivityPublished, ActivityWithdrawn, encode_event, new_event
from contracts.topics import (
    PARTNER_ACTIVITIES_PATTERN,
    SCHEDULING_CONFLICTS,
    SCHEDULING_PLACEMENTS,
    partner_activities,
    partner_topics,
)
from scheduling.domain import AMSTERDAM, load_calendar
from scheduling.domain.clock import Occurrence, to_us
from support.testing import (
    fresh_wijk_digits,
    read_topic,
    start_groups_at_end,
    wait_for,
    wait_until_consumed,
)
from werkplaats.db import Database
from werkplaats.outbox import OutboxRow
from werkplaats.runtime import ServiceRuntime
from werkplaats.topics_admin import ensure_topics


@dataclass(frozen=True)
class Area:
    """A wijk of its own for one test, so no other test's plans can meet it."""

    wijk: str
    buurten: tuple[str, ...]


def fresh_area() -> Area:
    digits = fresh_wijk_digits()
    return Area(f"WK{digits}", tuple(f"BU{digits}{n:02d}" for n in range(1, 4)))


def quiet_evening(days_ahead: int = 21) -> date:
    """The first date from ``days_ahead`` days on whose evenings no unfavourable reason applies."""
    calendar = load_calendar()
    day = datetime.now(AMSTERDAM).date() + timedelta(days=days_ahead)
    while True:
        week = [day + timedelta(days=offset) for offset in range(3)]
        if (
            all(not calendar.reasons(_evening(d)) for d in week)
            and week[-1].isocalendar()[1] == day.isocalendar()[1]
        ):
            return day
        day += timedelta(days=1)


def _evening(day: date) -> Occurrence:
    return Occurrence(to_us(at(day, 17)), to_us(at(day, 23, 59)))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=AMSTERDAM)


def activity(
    activity_id: str, start: datetime, hours: float, neighbourhoods: list[str], **extra: Any
) -> ActivityPublished:
    fields: dict[str, Any] = {
        "activity_id": activity_id,
        "title": f"Bewonersavond {activity_id}",
        "kind": "consultation",
        "starts_at": start,
        "ends_at": start + timedelta(hours=hours),
        "neighbourhoods": neighbourhoods,
        "target_groups": ["tenants"],
    }
    return ActivityPublished.model_validate(fields | extra)


class Partners:
    """Partner organisations with their own topics, publishing straight to Kafka."""

    def __init__(self, bootstrap: str, *names: str) -> None:
        run = uuid.uuid4().hex[:6]
        self.bootstrap = bootstrap
        self.slugs = {name: f"{name}-{run}" for name in names}
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")

    def topic_pattern(self) -> str:
        """A partner-topic pattern matching only these partners (other tests' partners stay unseen)."""
        names = "|".join(re.escape(slug) for slug in self.slugs.values())
        return rf"^partner\.({names})\.activities$"

    async def __aenter__(self) -> Partners:
        for slug in self.slugs.values():
            await ensure_topics(self.bootstrap, partner_topics(slug))
        await self.producer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.producer.stop()

    async def publish(self, name: str, published: ActivityPublished) -> None:
        await self._send(name, published.activity_id, new_event(published, source=self.slugs[name]))

    async def withdraw(self, name: str, activity_id: str) -> None:
        await self._send(
            name, activity_id, new_event(ActivityWithdrawn(activity_id=activity_id), source=self.slugs[name])
        )

    async def _send(self, name: str, key: str, event: Any) -> None:
        await self.producer.send_and_wait(
            partner_activities(self.slugs[name]), encode_event(event), key=key.encode()
        )


@dataclass(frozen=True)
class SeenEvent:
    type: str
    event_id: str
    conflict_id: str
    rule: str | None
    occurred_at: str


async def conflict_events(bootstrap: str, slugs: set[str]) -> list[SeenEvent]:
    """The conflict events on the topic that concern the given organisations, in the order they occurred."""
    events = []
    for record in await read_topic(bootstrap, SCHEDULING_CONFLICTS, timeout=30):
        document = json.loads(record.value)
        data = document["data"]
        if not _concerns(data, record.key.decode(), slugs):
            continue
        events.append(
            SeenEvent(
                document["type"],
                document["event_id"],
                data["conflict_id"],
                data.get("rule"),
                document["occurred_at"],
            )
        )
    return sorted(events, key=lambda e: e.occurred_at)


_owners: dict[str, bool] = {}


def _concerns(data: dict[str, Any], conflict_id: str, slugs: set[str]) -> bool:
    if "activities" in data:
        _owners[conflict_id] = any(a["organisation"] in slugs for a in data["activities"])
    return _owners.get(conflict_id, False)


async def skip_history(bootstrap: str, group: str, *, keep: Iterable[str] = ()) -> None:
    """Start a scheduler's groups at the end of the shared topics but ``keep``: tests need only their own.

    The broker is shared by every test of a session; a new consumer group would otherwise replay every
    earlier test's partner activities and placements before reaching its own.
    """
    kept = set(keep)

    def groups(topics: list[str]) -> dict[str, list[str]]:
        partners = [t for t in topics if re.match(PARTNER_ACTIVITIES_PATTERN, t) and t not in kept]
        return {f"{group}-intake": partners, f"{group}-detector": [SCHEDULING_PLACEMENTS]}

    await start_groups_at_end(bootstrap, groups)


async def settled(
    runtime: ServiceRuntime, bootstrap: str, partners: Partners, *, timeout: float = 60
) -> None:
    """Wait until the scheduler has done all it will do with what the partners sent: a positive signal.

    Intake has committed every partner record, the outbox is empty, the detector has committed every
    placement, and the outbox is empty again: no conflict event can still follow.
    """
    partner_topics_sent = [partner_activities(slug) for slug in partners.slugs.values()]

    async def outbox_empty() -> bool:
        return await runtime.relay.pending() == 0

    await groups_settled(
        bootstrap, runtime.consumer_group, partner_topics_sent, outbox_empty, timeout=timeout
    )


async def groups_settled(
    bootstrap: str,
    group: str,
    partner_topics_sent: list[str],
    outbox_empty: Callable[[], Awaitable[bool]],
    *,
    timeout: float,
    interval: float = 0.05,
) -> None:
    """``group``'s intake took in every partner record, its detector every placement; the outbox is empty."""
    await wait_until_consumed(bootstrap, f"{group}-intake", partner_topics_sent, timeout=timeout)
    await wait_for(outbox_empty, timeout=timeout, interval=interval)
    await wait_until_consumed(bootstrap, f"{group}-detector", [SCHEDULING_PLACEMENTS], timeout=timeout)
    await wait_for(outbox_empty, timeout=timeout, interval=interval)


async def outbox_empty_in(database_url: str) -> bool:
    """Whether the outbox of the scheduler's database has nothing left to send (another process's)."""
    database = Database(database_url)
    try:
        async with database.sessions() as session:
            query = select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None))
            return int(await session.scalar(query) or 0) == 0
    finally:
        await database.dispose()
