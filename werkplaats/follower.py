"""Reading a whole topic (every partition, no consumer group) to its end, then following it.

One task does it all (connect, load, follow), so ``stop`` ends it in any state::

    idle ──start/begin──▶ connecting ──▶ loading ──▶ following
      └──────────────────────┴──────────────┴────────────┴──stop──▶ stopped
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from werkplaats.kafka_security import Security, client_options
from werkplaats.retry import Backoff, repeat

log = structlog.get_logger(__name__)

Apply = Callable[[Iterable[ConsumerRecord[bytes, bytes]]], None]
ConsumerFactory = Callable[[], AIOKafkaConsumer]

CLOSE_TIMEOUT_S = 10.0
"""Longest wait for the consumer to close when stopping (a broker gone must not hold the stop)."""
APPLY_SLICE = 4
"""Records applied at a time: a fetch of 4 MiB holds thousands, and applying is synchronous work; a
slice is what the service's consumers wait for at each of their awaits while a view loads."""
RETRY_BACKOFF = Backoff(0.5, 5.0)
"""Pauses between attempts to connect and load again, in the background."""


class FollowerState(StrEnum):
    """Where a follower is in its life."""

    IDLE = "idle"
    CONNECTING = "connecting"
    LOADING = "loading"
    FOLLOWING = "following"
    STOPPED = "stopped"


class TopicFollower:
    """Hands every record of ``topic`` to ``apply``: all history first, then news.

    For views every instance keeps whole, such as the organisations or the agenda: no consumer group,
    no committed offsets; a restart reads the (compacted) topic again. ``start`` returns once the
    history is read; ``begin`` returns at once and loads in the background (``loaded`` tells when).
    """

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        apply: Apply,
        *,
        client_id: str,
        security: Security = None,
        new_consumer: ConsumerFactory | None = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.apply = apply
        self.client_id = client_id
        self.security = security
        self.state = FollowerState.IDLE
        self.records = 0
        """Records handed to ``apply`` so far."""
        self.new_consumer: ConsumerFactory = new_consumer or self._default_consumer
        """Makes the consumer of each connection (a test may hold one up)."""
        self._task: asyncio.Task[None] | None = None
        self._loaded: asyncio.Future[None] | None = None

    @property
    def loaded(self) -> bool:
        """Whether the history has been read (the follower follows now)."""
        return self.state is FollowerState.FOLLOWING

    def _default_consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            enable_auto_commit=False,
            client_id=self.client_id,
            max_partition_fetch_bytes=4 << 20,
            **client_options(self.security),
        )

    async def start(self) -> None:
        """Read the topic to its end, then follow it in the background; a failure to load is raised."""
        self._launch(retry=False)
        assert self._loaded is not None
        await asyncio.shield(self._loaded)

    def begin(self) -> None:
        """Start loading in the background, retrying while the broker does not answer; returns at once."""
        self._launch(retry=True)

    async def wait_loaded(self) -> None:
        """Wait until the history has been read (after ``start`` or ``begin``)."""
        if self._loaded is None:
            raise RuntimeError(f"the follower of {self.topic} was not started")
        await asyncio.shield(self._loaded)

    def _launch(self, *, retry: bool) -> None:
        if self._task is not None and not self._task.done():
            return
        self._loaded = asyncio.get_running_loop().create_future()
        self.state = FollowerState.CONNECTING
        self._task = asyncio.create_task(self._run(retry=retry), name=f"follow-{self.topic}")

    async def _run(self, *, retry: bool) -> None:
        failures = 0
        while True:
            try:
                await self._session()
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - raised by start, else retried; never lost
                if not retry:
                    self._fail(error)
                    return
                failures += 1
                delay = RETRY_BACKOFF.delay(failures)
                log.warning(
                    "topic_follower_failed",
                    topic=self.topic,
                    state=str(self.state),
                    error=f"{type(error).__name__}: {error}",
                    retry_in_s=delay,
                )
                await asyncio.sleep(delay)

    def _fail(self, error: Exception) -> None:
        assert self._loaded is not None
        if not self._loaded.done():
            self._loaded.set_exception(error)
            self._loaded.exception()  # retrieved here: a caller that never waits raises no warning
        self.state = FollowerState.STOPPED

    async def _session(self) -> None:
        """One connection: connect, read to the end, then follow until cancelled (read errors retried)."""
        consumer = self.new_consumer()
        try:
            self.state = FollowerState.CONNECTING
            await consumer.start()
            partitions = await topic_partitions(consumer, self.topic)
            # Asked before any fetch: a fetch at the end is held at the broker (up to the consumer's
            # fetch wait), and a request sent after it on the same connection waits that long too.
            ends = await consumer.end_offsets(partitions)
            consumer.assign(partitions)
            await self._load(consumer, partitions, ends)
            await repeat(
                functools.partial(self._read, consumer, 1000),
                event="topic_follower_failed",
                backoff=Backoff.constant(1),
                topic=self.topic,
            )
        finally:
            await _close(consumer)

    async def _load(
        self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition], ends: dict[TopicPartition, int]
    ) -> None:
        """Read every partition from its beginning up to ``ends``, the end offsets taken before."""
        self.state = FollowerState.LOADING
        await consumer.seek_to_beginning(*partitions)
        while not await caught_up(consumer, ends):
            await self._read(consumer, 500)
        self.state = FollowerState.FOLLOWING
        assert self._loaded is not None
        if not self._loaded.done():
            self._loaded.set_result(None)

    async def _read(self, consumer: AIOKafkaConsumer, timeout_ms: int) -> None:
        for batch in (await consumer.getmany(timeout_ms=timeout_ms)).values():
            for start in range(0, len(batch), APPLY_SLICE):
                part = batch[start : start + APPLY_SLICE]
                self.records += len(part)
                self.apply(part)
                await asyncio.sleep(0)  # let the service's consumers, heartbeats and requests run

    async def stop(self) -> None:
        """Stop following, in whatever state: the consumer is closed before this returns."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._loaded is not None and not self._loaded.done():
            self._loaded.cancel()
        self.state = FollowerState.STOPPED


async def _close(consumer: AIOKafkaConsumer) -> None:
    """Close ``consumer`` within ``CLOSE_TIMEOUT_S``, also when the task closing it is being cancelled."""
    closing = asyncio.ensure_future(consumer.stop())
    try:
        await asyncio.wait_for(asyncio.shield(closing), CLOSE_TIMEOUT_S)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(closing, CLOSE_TIMEOUT_S)
        raise
    except Exception as error:  # noqa: BLE001 - closing is best effort; the reason is logged
        log.warning("topic_follower_close_failed", error=f"{type(error).__name__}: {error}")


async def caught_up(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    """Whether ``consumer`` has read every partition up to ``ends``."""
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return False
    return True


async def topic_partitions(
    consumer: AIOKafkaConsumer, topic: str, attempts: int = 20
) -> list[TopicPartition]:
    """Every partition of ``topic`` (metadata refreshed for a new topic); an error if it does not exist."""
    for _ in range(attempts):
        found: Any = consumer.partitions_for_topic(topic)
        if found:
            return [TopicPartition(topic, number) for number in sorted(found)]
        await consumer._client.force_metadata_update()
    raise RuntimeError(f"topic {topic} does not exist; run `werkplaats kafka topics`")
