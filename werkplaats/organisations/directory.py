"""A service's view of the organisations: the compacted topic read whole, then followed."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import Iterable

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from contracts import ContractError, OrganisationUpdated, decode_event
from contracts.topics import ORGANISATIONS
from werkplaats.kafka_security import Security, client_options
from werkplaats.organisations.keys import hash_key, key_id_of

log = structlog.get_logger(__name__)


class OrganisationDirectory:
    """Every organisation by slug, kept current from the ``organisations`` topic."""

    def __init__(self, bootstrap_servers: str, *, security: Security = None) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.security = security
        self._organisations: dict[str, OrganisationUpdated] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    def get(self, slug: str) -> OrganisationUpdated | None:
        """The organisation with ``slug``, if registered."""
        return self._organisations.get(slug)

    def all(self) -> list[OrganisationUpdated]:
        """Every organisation, by slug."""
        return [self._organisations[slug] for slug in sorted(self._organisations)]

    def names(self) -> dict[str, str]:
        """Display name by slug."""
        return {slug: organisation.name for slug, organisation in self._organisations.items()}

    def authenticate(self, secret: str) -> OrganisationUpdated | None:
        """The organisation a valid, unrevoked key belongs to; None for any other string."""
        key_id = key_id_of(secret)
        if key_id is None:
            return None
        digest = hash_key(secret)
        for organisation in self._organisations.values():
            for record in organisation.keys:
                if (
                    record.key_id == key_id
                    and record.revoked_at is None
                    and hmac.compare_digest(record.sha256, digest)
                ):
                    return organisation
        return None

    def apply(self, records: Iterable[ConsumerRecord[bytes, bytes]]) -> None:
        """Take in records of the topic; unreadable ones are logged and skipped."""
        for record in records:
            if record.value is None:
                continue
            try:
                event = decode_event(record.value, accept=frozenset({OrganisationUpdated.event_type}))
            except ContractError as error:
                log.warning("organisation_record_skipped", offset=record.offset, reason=error.reason)
                continue
            assert isinstance(event.data, OrganisationUpdated)
            self._organisations[event.data.slug] = event.data

    async def start(self) -> None:
        """Read the topic to its end, then follow it in the background."""
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            enable_auto_commit=False,
            client_id="organisations",
            **client_options(self.security),
        )
        await self._consumer.start()
        partitions = [TopicPartition(ORGANISATIONS, p) for p in await _partitions(self._consumer)]
        self._consumer.assign(partitions)
        await self._consumer.seek_to_beginning(*partitions)
        ends = await self._consumer.end_offsets(partitions)
        while not await _caught_up(self._consumer, ends):
            for batch in (await self._consumer.getmany(timeout_ms=500)).values():
                self.apply(batch)
        self._task = asyncio.create_task(self._follow(), name="organisations")

    async def _follow(self) -> None:
        assert self._consumer is not None
        while True:
            for batch in (await self._consumer.getmany(timeout_ms=1000)).values():
                self.apply(batch)

    async def stop(self) -> None:
        """Stop following."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None


async def _caught_up(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return False
    return True


async def _partitions(consumer: AIOKafkaConsumer) -> list[int]:
    for _ in range(20):
        found = consumer.partitions_for_topic(ORGANISATIONS)
        if found:
            return sorted(found)
        await consumer._client.force_metadata_update()
    raise RuntimeError(f"topic {ORGANISATIONS} does not exist; run `werkplaats kafka topics`")


async def read_organisations(bootstrap_servers: str, *, security: Security = None) -> OrganisationDirectory:
    """The organisations as they stand now (read once, not followed)."""
    directory = OrganisationDirectory(bootstrap_servers, security=security)
    await directory.start()
    await directory.stop()
    return directory
