"""Consuming events at least once with exactly-once effects: decode, dead-letter, retry, inbox."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import structlog
from aiokafka.errors import KafkaError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from structlog.contextvars import bind_contextvars, reset_contextvars

from contracts import ContractError, Envelope, EventData, decode_event
from werkplaats import inbox
from werkplaats.db import Database
from werkplaats.deadletter import Delivery
from werkplaats.errors import PermanentError
from werkplaats.metrics import Metrics
from werkplaats.retry import Backoff, until_done
from werkplaats.unit_of_work import SqlUnitOfWork

log = structlog.get_logger(__name__)

U = TypeVar("U", bound=SqlUnitOfWork)
Handler = Callable[[U, Envelope[EventData], Delivery], Awaitable[None]]
Batch = list[tuple[Envelope[EventData], Delivery]]
Prepare = Callable[[U, Batch], Awaitable[None]]
UnitOfWorkFactory = Callable[[AsyncSession], U]
RejectedHook = Callable[[Delivery, Exception], Awaitable[None]]
DeadLetterSink = Callable[[Delivery, str, str], Awaitable[None]]

# Failures of the infrastructure, not of the message: wait for it to come back, never dead-letter.
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    KafkaError,
    ConnectionError,
    OSError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing message is retried before it is dead-lettered."""

    attempts: int = 5
    backoff_s: float = 0.2
    backoff_max_s: float = 5.0

    def delay(self, attempt: int) -> float:
        """The pause before try ``attempt + 1``."""
        return Backoff(self.backoff_s, self.backoff_max_s).delay(attempt)


class ReusedEventIdError(PermanentError):
    """An event arrived under an ``event_id`` that an event with other content already used."""


@dataclass
class _RetriesExhaustedError(Exception):
    last: Exception
    attempts: int


@dataclass
class EventConsumer(Generic[U]):
    """Processes batches of deliveries for one named consumer.

    Messages that cannot be decoded or that the handler refuses (``PermanentError``) are dead-lettered
    at once; other handler failures are retried with backoff and then dead-lettered; failures of the
    database or broker are retried until they recover. Effects and inbox records commit together: each
    batch is one unit of work made by ``unit_of_work``.
    """

    name: str
    database: Database
    unit_of_work: UnitOfWorkFactory[U]
    handler: Handler[U]
    dead_letter: DeadLetterSink
    metrics: Metrics
    accept: frozenset[str] | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    on_rejected: RejectedHook | None = None
    prepare: Prepare[U] | None = None
    """Called once per transaction with its new events before the handler, e.g. to load what they need."""

    async def process(self, deliveries: Sequence[Delivery]) -> bool:
        """Process ``deliveries`` in order, each to its effect or its dead letter; True if any was rejected.

        A dead letter has no inbox record, so its offset should be committed at once.
        """
        decoded: list[tuple[Envelope[EventData], Delivery]] = []
        rejected = False
        for delivery in deliveries:
            try:
                decoded.append((decode_event(delivery.value, accept=self.accept), delivery))
            except ContractError as error:
                await self._reject(delivery, error, describe(error))
                rejected = True
        if not decoded:
            return rejected
        try:
            reused = await self._apply_with_retries(decoded)
        except (_RetriesExhaustedError, PermanentError):
            await self._apply_one_by_one(decoded)
            return True
        await self._reject_reused(reused)
        return rejected or bool(reused)

    async def _apply_one_by_one(self, decoded: list[tuple[Envelope[EventData], Delivery]]) -> None:
        for item in decoded:
            try:
                await self._reject_reused(await self._apply_with_retries([item]))
            except PermanentError as error:
                await self._reject(item[1], error, str(error))
            except _RetriesExhaustedError as failure:
                reason = (
                    f"failed after {failure.attempts} attempts: {type(failure.last).__name__}: {failure.last}"
                )
                await self._reject(item[1], failure.last, reason)

    async def _reject_reused(self, reused: Batch) -> None:
        for envelope, delivery in reused:
            error = ReusedEventIdError(
                f"event_id {envelope.event_id} was already used for a different event;"
                " a new event needs a new event_id"
            )
            await self._reject(delivery, error, str(error))

    async def _apply_with_retries(self, decoded: Batch) -> Batch:
        """Apply ``decoded`` (retrying); the events whose id was already used for other content."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._apply(decoded)
            except PermanentError:
                raise
            except INFRASTRUCTURE_ERRORS as error:
                await self._wait_for_infrastructure(error, attempt)
            except (IntegrityError, DBAPIError) as error:
                if error.connection_invalidated:  # the connection died: a fresh one is taken next time
                    await self._wait_for_infrastructure(error, attempt)
                    continue
                # A concurrent claim of the same events (a rebalance); the retry sees them as processed.
                self.metrics.retries.labels(self.name, "conflict").inc()
                if attempt >= self.retry.attempts * 2:
                    raise _RetriesExhaustedError(error, attempt) from error
                await asyncio.sleep(self.retry.delay(attempt))
            except Exception as error:
                self.metrics.retries.labels(self.name, "handler").inc()
                log.warning("handler_failed", error=f"{type(error).__name__}: {error}", attempt=attempt)
                if attempt >= self.retry.attempts:
                    raise _RetriesExhaustedError(error, attempt) from error
                await asyncio.sleep(self.retry.delay(attempt))

    async def _wait_for_infrastructure(self, error: BaseException, attempt: int) -> None:
        self.metrics.retries.labels(self.name, "infrastructure").inc()
        log.warning("infrastructure_unavailable", error=str(error), attempt=attempt)
        await asyncio.sleep(self.retry.delay(min(attempt, 10)))

    async def _apply(self, decoded: Batch) -> Batch:
        duplicates: Counter[str] = Counter()
        reused: Batch = []
        ids = [str(envelope.event_id) for envelope, _ in decoded]
        digests = [inbox.digest_of(delivery.value) for _, delivery in decoded]
        first: dict[str, str | None] = {}
        for event_id, digest in zip(ids, digests, strict=True):
            first.setdefault(event_id, digest)
        async with self.database.unit_of_work(self.unit_of_work) as unit:
            claimed = await inbox.claim_events(unit.session, self.name, first)
            fresh = claimed.fresh
            batch: Batch = []
            batch_ids: list[str] = []
            for item, event_id, digest in zip(decoded, ids, digests, strict=True):
                if event_id in claimed.reused or digest != first[event_id]:
                    reused.append(item)
                    continue
                if event_id not in fresh:
                    duplicates[item[1].topic] += 1
                    continue
                fresh.discard(event_id)  # the same event twice in one batch has one effect
                batch.append(item)
                batch_ids.append(event_id)
            if self.prepare is not None and batch:
                await self.prepare(unit, batch)
            for (envelope, delivery), event_id in zip(batch, batch_ids, strict=True):
                tokens = bind_contextvars(
                    event_id=event_id, correlation_id=envelope.correlation_id, event_type=envelope.type
                )
                try:
                    await self.handler(unit, envelope, delivery)
                finally:
                    reset_contextvars(**tokens)
        processed = Counter(delivery.topic for _, delivery in batch)
        for topic, count in processed.items():
            self.metrics.consumed.labels(self.name, topic, "processed").inc(count)
        for topic, count in duplicates.items():
            self.metrics.consumed.labels(self.name, topic, "duplicate").inc(count)
        return reused

    async def _reject(self, delivery: Delivery, error: Exception, reason: str) -> None:
        error_type = type(error).__name__
        log.warning(
            "message_dead_lettered",
            topic=delivery.topic,
            partition=delivery.partition,
            offset=delivery.offset,
            error_type=error_type,
            reason=reason,
        )
        # Losing a dead letter would lose the message: keep trying; the offset is not committed meanwhile.
        await until_done(
            lambda: self.dead_letter(delivery, reason, error_type), event="dead_letter_publish_failed"
        )
        if self.on_rejected is not None:
            await until_done(
                lambda: self.on_rejected(delivery, error),  # type: ignore[misc]
                event="rejection_feedback_failed",
            )
        self.metrics.consumed.labels(self.name, delivery.topic, "dead_lettered").inc()


def describe(error: ContractError) -> str:
    """One line naming what is wrong and where."""
    if not error.problems:
        return error.reason
    details = "; ".join(f"{path}: {problem}" for path, problem in error.problems[:20])
    return f"{error.reason}: {details}"
