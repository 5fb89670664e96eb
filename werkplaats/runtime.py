"""What every service is built from: database, broker, outbox relay, consumers, health and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer, ConsumerRecord
from fastapi import APIRouter, FastAPI, Response
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from faststream.middlewares import AckPolicy
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.topics import TopicSpec, dead_letter_spec
from werkplaats import collector, fencing, outbox_parking
from werkplaats.batch_polling import poll_without_pause
from werkplaats.broker import create_broker, create_producer, publish_batch
from werkplaats.consumer import (
    EventConsumer,
    Handler,
    Prepare,
    RejectedHook,
    RetryPolicy,
    U,
    UnitOfWorkFactory,
)
from werkplaats.db import Database
from werkplaats.deadletter import Delivery, send_to_dead_letter
from werkplaats.http_limits import BodyLimit, on_http_error
from werkplaats.inbox import InboxJanitor
from werkplaats.metrics import Metrics
from werkplaats.offsets import OffsetCommitter
from werkplaats.outbox import OutboxRelay, PendingMessage, RecordRefusedError
from werkplaats.retry import Backoff, until_done
from werkplaats.settings import ServiceSettings
from werkplaats.topics_admin import ensure_topics

log = structlog.get_logger(__name__)


def delivery_of(record: ConsumerRecord[Any, Any]) -> Delivery:
    """A consumed record as the runtime handles it; header values that are not UTF-8 are replaced."""
    return Delivery(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value or b"",
        headers={name: (value or b"").decode("utf-8", "replace") for name, value in record.headers}
        if record.headers
        else {},
    )


async def _raw_parser(records: tuple[ConsumerRecord[Any, Any], ...], original: Any) -> Any:
    """Parse a batch without trusting its headers: bad header bytes must reach the dead-letter path."""
    clean = tuple(
        dataclasses.replace(
            r, headers=[(n, (v or b"").decode("utf-8", "replace").encode()) for n, v in r.headers]
        )
        if r.headers
        else r  # without headers there is nothing to clean: no copy
        for r in records
    )
    message = await original(clean)
    message.raw_message = records
    return message


async def _message_itself(message: Any, _: Any) -> Any:
    """Hand the handler the batch's message undecoded; the runtime validates the bodies itself."""
    return message


READINESS_CACHE_S = 2.0
"""How long one readiness check answers every ``/health`` request."""
SHUTDOWN_STEP_S = 20.0
"""Longest wait for each shut-down step that needs the broker (commits, consumers, producer)."""

KAFKA_WAIT_BACKOFF = Backoff(0.5, 5.0)
"""Pauses between attempts to reach a broker that does not answer at start-up."""


class ServiceRuntime:
    """The parts of one service process, started and stopped together."""

    def __init__(self, name: str, settings: ServiceSettings, *, bootstrap_servers: str) -> None:
        self.name = name
        self.settings = settings
        self.database = Database(settings.database_url_of(name))
        self.broker: KafkaBroker = create_broker(
            bootstrap_servers,
            client_id=name,
            metadata_max_age_ms=settings.metadata_max_age_ms,
            security=settings,
        )
        self._producer: AIOKafkaProducer | None = None
        self.janitor = InboxJanitor(self.database, timedelta(days=settings.inbox_retention_days))
        self._readiness: tuple[float, dict[str, Any]] | None = None
        self._readiness_lock = asyncio.Lock()
        self.metrics = Metrics(name)
        self.relay = OutboxRelay(
            self.database,
            self._publish_outbox,
            batch_size=settings.outbox_batch_size,
            idle_poll_s=settings.outbox_idle_poll_s,
            max_attempts=settings.outbox_max_attempts,
            on_parked=self.metrics.outbox_parked_total.inc,
        )
        self.retry = RetryPolicy(
            settings.retry_attempts, settings.retry_backoff_s, settings.retry_backoff_max_s
        )
        self.bootstrap_servers = bootstrap_servers
        self.startup: list[Callable[[], Awaitable[None]]] = []
        self.shutdown: list[Callable[[], Awaitable[None]]] = []
        self._committers: list[OffsetCommitter] = []
        self._consumer_names: set[str] = set()
        self._fenced_warning: fencing.FencedWarning | None = None
        self.started = False
        self._known_topics: set[str] = set()
        self.not_ready_reason: str | None = "starting"
        self.readiness_notes: list[Callable[[], dict[str, Any]]] = []
        """Parts of the service that say how they are in the readiness report (never its status)."""

    @property
    def producer(self) -> AIOKafkaProducer:
        """The producer for the outbox relay and dead letters (created when the service starts)."""
        if self._producer is None:
            raise RuntimeError(f"{self.name} is not started")
        return self._producer

    @property
    def consumer_group(self) -> str:
        """The service's consumer group (its name unless configured)."""
        return self.settings.consumer_group or self.name

    def group_instance_id(self, consumer: str) -> str | None:
        """The static group membership id of ``consumer`` (unset ``instance_id``: None, dynamic)."""
        instance = self.settings.instance_id
        return None if instance is None else f"{instance}-{consumer}"

    async def ensure_topics(self, specs: Iterable[TopicSpec]) -> None:
        """Create the topics of ``specs`` this process has not seen yet (broker auto-creation is off)."""
        missing = [spec for spec in specs if spec.name not in self._known_topics]
        if missing:
            await ensure_topics(self.bootstrap_servers, missing, security=self.settings)
            self._known_topics.update(spec.name for spec in missing)

    async def _publish_outbox(self, batch: Sequence[PendingMessage]) -> dict[int, BaseException]:
        failures = await publish_batch(self.producer, batch)
        self.metrics.outbox_published.inc(len(batch) - len(failures))
        if any(isinstance(error, RecordRefusedError) for error in failures.values()):
            await self._renew_producer()
        return failures

    async def _renew_producer(self) -> None:
        """Replace the producer: after a refused record its idempotence sequence no longer matches."""
        old, self._producer = self._producer, await self._connect_producer()
        if old is not None:
            await old.stop()

    async def dead_letter(self, delivery: Delivery, reason: str, error_type: str, *, consumer: str) -> None:
        """Send ``delivery`` to its dead-letter topic (created if it does not exist)."""
        await self.ensure_topics([dead_letter_spec(delivery.topic)])
        await send_to_dead_letter(
            self.producer, delivery, reason=reason, error_type=error_type, consumer=consumer
        )

    def consume(
        self,
        *topics: str,
        name: str,
        unit_of_work: UnitOfWorkFactory[U],
        handler: Handler[U],
        pattern: str | None = None,
        accept: frozenset[str] | None = None,
        on_rejected: RejectedHook | None = None,
        prepare: Prepare[U] | None = None,
        group_id: str | None = None,
        from_beginning: bool = True,
        description: str = "",
        fetch_wait_ms: int | None = None,
    ) -> EventConsumer[U]:
        """Subscribe ``handler`` to ``topics`` (or a ``pattern``) with at-least-once delivery.

        Each batch is one unit of work made by ``unit_of_work`` (the service's ``SqlUnitOfWork``).
        ``fetch_wait_ms`` is for a consumer that is mostly idle: its fetches
        return at the first byte but otherwise wait that long at the broker, and so does each poll;
        unset, fetches batch as the settings say.
        """
        if name in self._consumer_names:
            raise ValueError(f"{self.name} has a consumer named {name!r} already: each needs its own name")
        self._consumer_names.add(name)
        poll_ms, min_bytes, max_wait_ms = (
            (self.settings.poll_timeout_ms, self.settings.fetch_min_bytes, self.settings.fetch_max_wait_ms)
            if fetch_wait_ms is None
            else (fetch_wait_ms, 1, fetch_wait_ms)
        )

        async def dead_letter(delivery: Delivery, reason: str, error_type: str) -> None:
            await self.dead_letter(delivery, reason, error_type, consumer=name)

        consumer = EventConsumer(
            name=name,
            database=self.database,
            unit_of_work=unit_of_work,
            handler=handler,
            dead_letter=dead_letter,
            metrics=self.metrics,
            accept=accept,
            retry=self.retry,
            on_rejected=on_rejected,
            prepare=prepare,
        )
        subscriber = self.broker.subscriber(
            *topics,
            pattern=pattern,
            group_id=group_id or self.consumer_group,
            group_instance_id=self.group_instance_id(name),
            batch=True,
            max_records=self.settings.batch_size,
            batch_timeout_ms=poll_ms,
            fetch_min_bytes=min_bytes,
            fetch_max_wait_ms=max_wait_ms,
            max_partition_fetch_bytes=4 * 1024 * 1024,
            ack_policy=AckPolicy.MANUAL,
            auto_offset_reset="earliest" if from_beginning else "latest",
            parser=_raw_parser,
            decoder=_message_itself,
            title=name,
            description=description,
        )
        poll_without_pause(subscriber)

        offsets = OffsetCommitter(self.settings.commit_interval_ms / 1000)
        self._committers.append(offsets)

        @subscriber
        async def on_batch(message: KafkaMessage) -> None:
            started = time.perf_counter()
            message.clear_cache()  # it holds the message itself (the decoder's value): a cycle per batch
            records = message.raw_message
            dead_lettered = await consumer.process([delivery_of(record) for record in records])
            # A dead letter has no inbox record to stop a second one: commit its offset at once.
            await offsets.processed(message.consumer, records, now=dead_lettered)
            self.metrics.batch_seconds.labels(name).observe(time.perf_counter() - started)

        return consumer

    async def start(self, producer: AIOKafkaProducer | None = None) -> None:
        """Connect to Kafka (waiting while it does not answer), run the start-up tasks, start consuming.

        ``producer`` is one already connected (see ``start_in_background``).
        """
        if producer is None:
            producer = await until_done(
                self._connect_producer,
                event="kafka_unavailable",
                backoff=KAFKA_WAIT_BACKOFF,
                service=self.name,
            )
        for task in self.startup:
            await until_done(self._noting_failure(task), event="startup_retried", backoff=KAFKA_WAIT_BACKOFF)
        self._producer = producer
        if self.settings.instance_id is not None:
            self._fenced_warning = fencing.watch(self.settings.instance_id)
        await self.broker.start()
        self.not_ready_reason = None
        self.relay.start()
        self.janitor.start()
        collector.settle_after_start_up()
        self.started = True
        log.info("service_started", service=self.name)

    async def _connect_producer(self) -> AIOKafkaProducer:
        producer = create_producer(self.bootstrap_servers, client_id=self.name, security=self.settings)
        try:
            await producer.start()
        except Exception as error:
            await producer.stop()
            self._note_failure(f"waiting for Kafka at {self.bootstrap_servers}", error)
            raise
        return producer

    def _noting_failure(self, task: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        async def attempt() -> None:
            try:
                await task()
            except Exception as error:
                self._note_failure("start-up task failed", error)
                raise

        return attempt

    def _note_failure(self, what: str, error: Exception) -> None:
        self.not_ready_reason = f"{what}: {type(error).__name__}: {error}"

    async def start_in_background(self) -> asyncio.Task[None] | None:
        """Start the service now if Kafka answers, else in a task that waits for it (returned)."""
        try:
            producer = await self._connect_producer()
        except Exception:  # noqa: BLE001 - the reason is kept for readiness; start() logs the retries
            return asyncio.create_task(self.start())
        await self.start(producer)
        return None

    async def stop(self) -> None:
        """Stop consuming, stop the relay and the shut-down tasks, close connections."""
        self._readiness = None  # a stopped service is not ready, whatever the last check said
        for committer in self._committers:  # what was processed is not read again after a restart
            await self._within_bound(committer.commit(), "commit")
        await self._within_bound(self.broker.stop(), "consumers")
        if self._fenced_warning is not None:
            fencing.unwatch(self._fenced_warning)
            self._fenced_warning = None
        for committer in self._committers:
            await self._within_bound(committer.close(), "commit")
        for task in self.shutdown:
            await task()
        await self.relay.stop()
        await self.janitor.stop()
        if self._producer is not None:
            await self._within_bound(self._producer.stop(), "producer")
            self._producer = None
        await self.database.dispose()
        self.started = False
        self.not_ready_reason = "stopped"
        log.info("service_stopped", service=self.name)

    async def _within_bound(self, step: Awaitable[Any], what: str) -> None:
        """Wait for a shut-down step that needs the broker at most ``SHUTDOWN_STEP_S``.

        A broker that no longer answers must not hold a stopping service forever; what is given up is
        safe to lose: an offset not committed is redelivered and its inbox record drops it, and an outbox
        row not acknowledged stays unsent and is published by the next start.
        """
        try:
            async with asyncio.timeout(SHUTDOWN_STEP_S):
                await step
        except TimeoutError:
            log.warning("shutdown_step_timed_out", service=self.name, step=what, seconds=SHUTDOWN_STEP_S)

    async def health(self) -> dict[str, Any]:
        """Whether the database and the broker answer, and how many outbox rows wait.

        One check serves every caller for ``READINESS_CACHE_S``: probes cannot make it work harder.
        """
        async with self._readiness_lock:
            now = asyncio.get_running_loop().time()
            if self._readiness is None or now - self._readiness[0] >= READINESS_CACHE_S:
                self._readiness = (now, await self._check_readiness())
            return self._readiness[1]

    async def _check_readiness(self) -> dict[str, Any]:
        database_ok = await self.database.ping()
        kafka_ok = await self._kafka_answers()
        pending = await self._outbox_pending() if database_ok and self.started else None
        parked = await self._outbox_parked() if database_ok and self.started else None
        report = {
            "status": "ok" if database_ok and kafka_ok and self.started else "unavailable",
            "service": self.name,
            "database": "ok" if database_ok else "unavailable",
            "kafka": "ok" if kafka_ok else "unavailable",
            "outbox_pending": pending,
            "outbox_parked": parked,
        }
        if not self.started:
            report["reason"] = self.not_ready_reason or "not started"
        for note in self.readiness_notes:
            report.update(note())
        return report

    async def _kafka_answers(self) -> bool:
        if self._producer is None:
            return False
        try:
            await asyncio.wait_for(self._producer.client.fetch_all_metadata(), timeout=3)
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return False
        return True

    async def _outbox_pending(self) -> int:
        pending = await self.relay.pending()
        self.metrics.outbox_pending.set(pending)
        return pending

    async def _outbox_parked(self) -> int:
        parked = await outbox_parking.count(self.database)
        self.metrics.outbox_parked.set(parked)
        return parked

    def http_app(
        self, *routers: APIRouter, title: str, version: str = "1.0.0", service: object = None, **kwargs: Any
    ) -> FastAPI:
        """A FastAPI app with ``routers``, ``/health`` and ``/metrics``; its lifespan runs the service.

        ``app.state`` holds ``settings``, ``runtime`` and the wired ``service``.
        """

        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            starting = await self.start_in_background()
            try:
                yield
            finally:
                if starting is not None:
                    starting.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await starting
                await self.stop()

        app = FastAPI(title=title, version=version, lifespan=lifespan, **kwargs)
        app.add_middleware(BodyLimit, max_bytes=self.settings.max_body_bytes)  # before any route reads
        app.add_exception_handler(StarletteHTTPException, on_http_error)
        app.include_router(self.operations_router())
        for router in routers:
            app.include_router(router)
        app.state.settings, app.state.runtime, app.state.service = self.settings, self, service
        return app

    def operations_router(self) -> APIRouter:
        """``/health`` and ``/metrics``."""
        router = APIRouter(tags=["operations"])

        @router.get("/health/live", summary="Whether the process answers (no I/O: a liveness probe)")
        async def live() -> dict[str, Any]:
            return {"status": "ok", "service": self.name}

        @router.get("/health/ready", summary="Whether the service can do its work (a readiness probe)")
        async def ready(response: Response) -> dict[str, Any]:
            return await health(response)

        @router.get("/health", summary="Whether the service can do its work")
        async def health(response: Response) -> dict[str, Any]:
            report = await self.health()
            if report["status"] != "ok":
                response.status_code = 503
            return report

        @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
        async def metrics() -> Response:
            with contextlib.suppress(Exception):
                await self._outbox_pending()
                await self._outbox_parked()
            return Response(generate_latest(self.metrics.registry), media_type=CONTENT_TYPE_LATEST)

        return router
