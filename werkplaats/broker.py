"""Kafka clients: the FastStream broker for subscribers, and a reliable producer for publishing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from faststream.kafka import KafkaBroker

from werkplaats.kafka_security import Security, client_options, faststream_security
from werkplaats.outbox import PendingMessage

MAX_MESSAGE_BYTES = 2 * 1024 * 1024


def bootstrap_list(bootstrap_servers: str) -> list[str]:
    """The addresses of a comma-separated bootstrap string (FastStream takes a string as one address)."""
    return [address.strip() for address in bootstrap_servers.split(",") if address.strip()]


def create_broker(
    bootstrap_servers: str, *, client_id: str, metadata_max_age_ms: int = 5000, security: Security = None
) -> KafkaBroker:
    """A FastStream broker; its producer, if used, waits for every in-sync replica and is idempotent.

    ``security`` (settings or credentials) says how to authenticate; ``None`` reads the environment.
    """
    return KafkaBroker(
        bootstrap_list(bootstrap_servers),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        max_request_size=MAX_MESSAGE_BYTES,
        metadata_max_age_ms=metadata_max_age_ms,
        logger=None,
        security=faststream_security(security),
    )


def create_producer(bootstrap_servers: str, *, client_id: str, security: Security = None) -> AIOKafkaProducer:
    """A producer that waits for every in-sync replica and never writes a retried batch twice."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        max_request_size=MAX_MESSAGE_BYTES,
        **client_options(security),
    )


def encode_headers(headers: dict[str, str]) -> list[tuple[str, bytes]]:
    """Kafka record headers from a mapping."""
    return [(name, value.encode()) for name, value in headers.items()]


async def publish_batch(producer: AIOKafkaProducer, batch: Sequence[PendingMessage]) -> None:
    """Send every message, then wait until the broker has acknowledged all of them.

    Messages are grouped into one record batch per partition (keyed messages go where the default
    partitioner puts them), which keeps their order and costs far less than one send per message.
    """
    builders: dict[tuple[str, int], Any] = {}
    pending: list[asyncio.Future[Any]] = []
    partition_of = _Partitioner(producer)
    for message in batch:
        partition = await partition_of(message)
        builder = builders.get((message.topic, partition))
        if builder is None:
            builder = builders[(message.topic, partition)] = producer.create_batch()
        headers = encode_headers(message.headers)
        if builder.append(key=message.key, value=message.payload, timestamp=None, headers=headers) is None:
            pending.append(await producer.send_batch(builder, message.topic, partition=partition))
            builder = builders[(message.topic, partition)] = producer.create_batch()
            builder.append(key=message.key, value=message.payload, timestamp=None, headers=headers)
    for (topic, partition), builder in builders.items():
        pending.append(await producer.send_batch(builder, topic, partition=partition))
    await asyncio.gather(*pending)


class _Partitioner:
    """Chooses partitions as the producer's default partitioner would (murmur2 of the key)."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer
        self.partitions: dict[str, list[int]] = {}
        self.choose = DefaultPartitioner()

    async def __call__(self, message: PendingMessage) -> int:
        partitions = self.partitions.get(message.topic)
        if partitions is None:
            partitions = self.partitions[message.topic] = sorted(
                await self.producer.partitions_for(message.topic)
            )
        return int(self.choose(message.key, partitions, partitions))
