"""Helpers for fault tests on the three-node cluster: designed streams, acknowledged publishes, replicas."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import select

from contracts import ActivityPublished, encode_event, new_event
from contracts.topics import SCHEDULING_CONFLICTS, partner_activities, partner_topics
from scheduling.store.tables import ActivityRow
from scheduling_support import activity, at
from support.testing import read_topic, wait_for
from werkplaats.db import Database
from werkplaats.localkafka.cluster import LocalKafkaCluster
from werkplaats.localkafka.replicas import ClusterView, cluster_view
from werkplaats.topics_admin import ensure_topics

Key = tuple[str, str]  # (organisation slug, activity id)
PARTNERS = ("gemeente", "staedion")


@dataclass(frozen=True)
class Planned:
    """One activity of a designed stream: who publishes it, and what."""

    partner: str
    published: ActivityPublished


@dataclass(frozen=True)
class DesignedStream:
    """Activities each in a wijk of its own, except designed pairs that overlap in one buurt."""

    items: list[Planned]
    clashes: list[tuple[str, str]]  # (gemeente activity id, staedion activity id), overlapping by design


def designed_stream(count: int, clashes: int, day: date) -> DesignedStream:
    """``count`` daytime activities on ``day``; ``clashes`` pairs of them overlap, no other two meet.

    Every activity lies in a wijk of its own (a pair shares one buurt), so no rule but the
    neighbourhood overlap of a designed pair can join two of them, and no wijk holds enough for an
    overload. The pairs are spread evenly through the stream.
    """
    base = random.randrange(10) * 10_000  # WK9xxxxx: no real municipality; codes unique in the stream
    items: list[Planned] = []
    pairs: list[tuple[str, str]] = []
    every = max(1, (count - 2 * clashes) // max(1, clashes))
    wijk = 0
    while len(items) < count:
        wijk += 1
        buurt = buurt_code(base, wijk)
        if len(pairs) < clashes and wijk % (every + 1) == 0 and count - len(items) >= 2:
            first, second = f"g-{wijk}", f"s-{wijk}"
            items.append(Planned("gemeente", activity(first, at(day, 10), 1, [buurt])))
            items.append(Planned("staedion", activity(second, at(day, 10, 30), 1, [buurt])))
            pairs.append((first, second))
        else:
            items.append(Planned(PARTNERS[wijk % 2], activity(f"x-{wijk}", at(day, 10), 1, [buurt])))
    return DesignedStream(items, pairs)


def buurt_code(base: int, wijk: int) -> str:
    """A buurt code of its own wijk: ``BU9`` + five wijk digits + ``01``."""
    return f"BU9{(base + wijk) % 100_000:05d}01"


@dataclass
class Publisher:
    """Partners publishing to their own topics with acks=all; it remembers what was acknowledged when."""

    bootstrap: str
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    sent: dict[Key, float] = field(default_factory=dict)
    acknowledged: dict[Key, float] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.slugs = {name: f"{name}-{self.run}" for name in PARTNERS}
        self.producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True, request_timeout_ms=15000
        )

    def topic_pattern(self) -> str:
        """A partner-topic pattern matching only these partners."""
        return rf"^partner\.({'|'.join(self.slugs.values())})\.activities$"

    def topics(self) -> list[str]:
        """These partners' activity topics."""
        return [partner_activities(slug) for slug in self.slugs.values()]

    async def __aenter__(self) -> Publisher:
        for slug in self.slugs.values():
            await ensure_topics(self.bootstrap, partner_topics(slug))
        await self.producer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.producer.stop()

    def key(self, planned: Planned) -> Key:
        """The agenda key of a planned activity."""
        return (self.slugs[planned.partner], planned.published.activity_id)

    async def publish(
        self, items: Iterable[Planned], *, window: int = 500, deadline: float | None = None
    ) -> None:
        """Send ``items`` with up to ``window`` unacknowledged at once; note each acknowledgement.

        ``deadline`` bounds the wait for each acknowledgement (aiokafka has no delivery timeout of its
        own and retries a partition whose leader is gone for as long as the metadata names it).
        """
        pending: set[asyncio.Future[object]] = set()
        for planned in items:
            if len(pending) >= window:
                _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            pending.add(asyncio.ensure_future(self._send(planned, deadline)))
        if pending:
            await asyncio.wait(pending)

    async def _send(self, planned: Planned, deadline: float | None) -> None:
        slug = self.slugs[planned.partner]
        event = new_event(planned.published, source=slug)
        key = planned.published.activity_id
        self.sent[self.key(planned)] = time.monotonic()
        try:
            sending = self.producer.send_and_wait(
                partner_activities(slug), encode_event(event), key=key.encode()
            )
            await asyncio.wait_for(sending, deadline)
        except TimeoutError:
            self.failures["DeliveryTimeout"] += 1
        except Exception as error:  # a refused publish is counted, never assumed stored
            self.failures[type(error).__name__] += 1
        else:
            self.acknowledged[self.key(planned)] = time.monotonic()


async def on_agenda(database_url: str, keys: Iterable[Key]) -> set[Key]:
    """Which of ``keys`` the scheduler's agenda holds."""
    wanted = set(keys)
    database = Database(database_url)
    try:
        async with database.sessions() as session:
            rows = await session.execute(select(ActivityRow.organisation, ActivityRow.activity_id))
            return {(org, activity_id) for org, activity_id in rows} & wanted
    finally:
        await database.dispose()


@dataclass(frozen=True)
class Announcement:
    """A conflict.detected event as read from scheduling.conflicts."""

    event_id: str
    conflict_id: str
    rule: str
    members: frozenset[Key]


async def announcements(bootstrap: str, slugs: Iterable[str]) -> list[Announcement]:
    """Every conflict.detected on scheduling.conflicts that joins activities of ``slugs``."""
    own = set(slugs)
    found = []
    for record in await read_topic(bootstrap, SCHEDULING_CONFLICTS, timeout=60):
        document = json.loads(record.value)
        if document["type"] != "conflict.detected":
            continue
        members = frozenset((a["organisation"], a["activity_id"]) for a in document["data"]["activities"])
        if {org for org, _ in members} & own:
            found.append(
                Announcement(
                    document["event_id"], document["data"]["conflict_id"], document["data"]["rule"], members
                )
            )
    return found


def check_designed_clashes(publisher: Publisher, stream: DesignedStream, found: list[Announcement]) -> None:
    """Every designed clash whose two publishes were acknowledged is announced exactly once; no other."""
    slug_g, slug_s = publisher.slugs["gemeente"], publisher.slugs["staedion"]
    designed = {frozenset({(slug_g, g), (slug_s, s)}) for g, s in stream.clashes}
    acknowledged = {pair for pair in designed if pair <= publisher.acknowledged.keys()}
    overlaps = Counter(a.members for a in found if a.rule == "neighbourhood_overlap")
    assert acknowledged <= overlaps.keys(), f"{len(acknowledged - overlaps.keys())} designed clashes missing"
    assert overlaps.keys() <= designed, "a clash was announced that the stream does not hold"
    assert all(n == 1 for n in overlaps.values()), "a clash was announced more than once"
    assert len({a.event_id for a in found}) == len(found), "an event was published twice"
    by_conflict = Counter(a.conflict_id for a in found)
    assert all(n == 1 for n in by_conflict.values()), "a conflict was announced twice"


async def view(cluster: LocalKafkaCluster) -> ClusterView:
    """The cluster's metadata now (waiting for an answer)."""
    seen: list[ClusterView] = []

    async def answered() -> bool:
        result = await cluster_view(cluster.bootstrap)
        if result is not None:
            seen.append(result)
        return result is not None

    await wait_for(answered, timeout=30, interval=0.2)
    return seen[-1]


async def leader_of(cluster: LocalKafkaCluster, topic: str, partition: int = 0) -> int:
    """The node that leads ``topic``/``partition`` now."""
    return (await view(cluster)).leader(topic, partition)


async def fully_replicated(cluster: LocalKafkaCluster, timeout: float = 90) -> None:
    """Wait until every node is back and every partition has all its replicas in sync."""

    async def complete() -> bool:
        current = await cluster_view(cluster.bootstrap)
        return current is not None and len(current.brokers) == cluster.brokers and current.fully_replicated()

    await wait_for(complete, timeout=timeout, interval=0.25)


async def kill(cluster: LocalKafkaCluster, node_id: int) -> None:
    """SIGKILL a node without blocking the event loop."""
    await asyncio.to_thread(cluster.kill, node_id)


async def restart(cluster: LocalKafkaCluster, node_id: int) -> None:
    """Start a node again without blocking the event loop, and wait until it is fully back in sync."""
    await asyncio.to_thread(cluster.start_node, node_id, 120.0)
    await fully_replicated(cluster)


async def publish_steadily(publisher: Publisher, items: list[Planned], rate: int, stop: asyncio.Event) -> int:
    """Publish ``items`` at ``rate`` a second, ten times a second, until ``stop`` is set; the number sent."""
    loop = asyncio.get_running_loop()
    per_tick, sending, sent = max(1, rate // 10), [], 0
    started = loop.time()
    while sent < len(items) and not stop.is_set():
        batch = items[sent : sent + per_tick]
        sending.append(asyncio.ensure_future(publisher.publish(batch)))
        sent += len(batch)
        await asyncio.sleep(max(0.0, started + sent / rate - loop.time()))
    await asyncio.gather(*sending)
    return sent


@dataclass
class ConflictTail:
    """Reads scheduling.conflicts as it grows, noting when each overlap between given partners arrived."""

    bootstrap: str
    slugs: set[str]
    arrived: dict[frozenset[Key], float] = field(default_factory=dict)

    async def run(self, ready: asyncio.Event) -> None:
        """Follow the topic from its end now until cancelled; ``ready`` is set once positioned."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            await consumer._client.force_metadata_update()
            numbers = consumer.partitions_for_topic(SCHEDULING_CONFLICTS) or ()
            assert numbers, f"{SCHEDULING_CONFLICTS} has no partitions yet"
            partitions = [TopicPartition(SCHEDULING_CONFLICTS, p) for p in numbers]
            ends = await consumer.end_offsets(partitions)
            consumer.assign(partitions)
            for partition, offset in ends.items():
                consumer.seek(partition, offset)
            ready.set()
            while True:
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    for record in records:
                        self._note(json.loads(record.value))
        finally:
            await consumer.stop()

    def _note(self, document: dict[str, Any]) -> None:
        data = document["data"]
        if document["type"] != "conflict.detected" or data["rule"] != "neighbourhood_overlap":
            return
        members = frozenset((a["organisation"], a["activity_id"]) for a in data["activities"])
        if {org for org, _ in members} & self.slugs:
            self.arrived.setdefault(members, time.monotonic())


def latencies(
    publisher: Publisher, tail: ConflictTail, *, since: float = 0.0, until: float = float("inf")
) -> list[float]:
    """Seconds from sending a clash's later member (in ``[since, until)``) to reading its announcement."""
    found = []
    for members, arrived in tail.arrived.items():
        sent = max(publisher.sent[key] for key in members)
        if since <= sent < until:
            found.append(arrived - sent)
    return sorted(found)
