"""Kafka clients: the FastStream broker for subscribers, and a reliable producer for publishing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.cluster import ClusterMetadata
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTopicError,
    KafkaConnectionError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAuthorizationFailedError,
    UnknownTopicOrPartitionError,
)
from aiokafka.partitioner import DefaultPartitioner
from faststream.kafka import KafkaBroker

from werkplaats.kafka_security import Security, client_options, faststream_security
from werkplaats.outbox import PendingMessage, RecordRefusedError

MAX_MESSAGE_BYTES = 2 * 1024 * 1024


def bootstrap_list(bootstrap_servers: str) -> list[str]:
    """The addresses of a comma-separated bootstrap string (FastStream takes a string as one address)."""
    return [address.strip() for address in bootstrap_servers.split(",") if address.strip()]


def create_broker(
    bootstrap_servers: str, *, client_id: str, metadata_max_age_ms: int = 5000, security: Security = None
) -> KafkaBroker:
    """A FastStream broker; its producer, if used, waits for every in-sync replica and is idempotent.

    ``security`` (settings or credentials) says how to authenticate; ``None`` reads the environment.
    Its subscribers get what their decoder returns, without dependency injection (which would solve
    the message's context in a worker thread for every batch).
    """
    return KafkaBroker(
        bootstrap_list(bootstrap_servers),
        apply_types=False,
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


# The broker's answers that concern one record or its topic, not the connection.
REFUSALS: tuple[type[BaseException], ...] = (
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    UnknownTopicOrPartitionError,
    TopicAuthorizationFailedError,
    InvalidTopicError,
    CorruptRecordException,
)


async def publish_batch(
    producer: AIOKafkaProducer, batch: Sequence[PendingMessage]
) -> dict[int, BaseException]:
    """Send every message and wait for the broker; the messages not published, with why.

    Messages are grouped into record batches per partition (keyed messages go where the default
    partitioner puts them), which keeps their order and costs far less than one send per message.
    A partition's batches go one after another; after a failure the rest of that partition is not
    sent, so a key never overtakes one of its own messages. Refusals of a record or its topic come
    back as ``RecordRefusedError``; other failures (the connection) as they were raised.
    """
    groups: dict[tuple[str, int], list[PendingMessage]] = {}
    failures: dict[int, BaseException] = {}
    partition_of = _Partitioner(producer)
    for message in batch:
        try:
            partition = await partition_of(message)
        except Exception as error:  # noqa: BLE001 - reported per message
            failures[message.id] = _classify(error)
            continue
        groups.setdefault((message.topic, partition), []).append(message)
    await asyncio.gather(
        *(
            _send_partition(producer, topic, partition, messages, failures)
            for (topic, partition), messages in groups.items()
        )
    )
    return failures


async def _send_partition(
    producer: AIOKafkaProducer,
    topic: str,
    partition: int,
    messages: list[PendingMessage],
    failures: dict[int, BaseException],
) -> None:
    """Send one partition's record batches one after another; stop at the first that fails."""
    batches = _record_batches(producer, messages)
    for index, (builder, _members) in enumerate(batches):
        try:
            await (await producer.send_batch(builder, topic, partition=partition))
        except Exception as error:  # noqa: BLE001 - reported per message
            refused = _classify(error)
            failures.update({m.id: refused for _, later in batches[index:] for m in later})
            return


def _record_batches(
    producer: AIOKafkaProducer, messages: list[PendingMessage]
) -> list[tuple[Any, list[PendingMessage]]]:
    """``messages`` in record batches of the producer's batch size (an empty batch takes any record)."""
    batches: list[tuple[Any, list[PendingMessage]]] = []
    for message in messages:
        record = {"key": message.key, "value": message.payload, "timestamp": None}
        headers = encode_headers(message.headers)
        if not batches or batches[-1][0].append(**record, headers=headers) is None:
            batches.append((producer.create_batch(), []))
            batches[-1][0].append(**record, headers=headers)
        batches[-1][1].append(message)
    return batches


def _classify(error: BaseException) -> BaseException:
    if isinstance(error, REFUSALS):
        refused = RecordRefusedError(f"{type(error).__name__}: {error}")
        refused.__cause__ = error
        return refused
    return error


class _Partitioner:
    """Chooses partitions as the producer's default partitioner would (murmur2 of the key)."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer
        self.partitions: dict[str, list[int]] = {}
        self.choose = DefaultPartitioner()

    async def __call__(self, message: PendingMessage) -> int:
        partitions = self.partitions.get(message.topic)
        if partitions is None:
            partitions = self.partitions[message.topic] = await partitions_of(self.producer, message.topic)
        return int(self.choose(message.key, partitions, partitions))


async def partitions_of(producer: AIOKafkaProducer, topic: str) -> list[int]:
    """The partitions of ``topic``; asks the broker once instead of waiting for a topic that is not there.

    Raises ``UnknownTopicOrPartitionError`` or ``TopicAuthorizationFailedError`` when the broker says
    so, and ``KafkaConnectionError`` when no broker answers.
    """
    client = producer.client
    known = client.cluster.partitions_for_topic(topic)
    if known:
        return sorted(known)
    metadata = ClusterMetadata()
    if not await client._metadata_update(metadata, [topic]):
        raise KafkaConnectionError(f"no broker answered a metadata request for {topic}")
    if topic in metadata.unauthorized_topics:
        raise TopicAuthorizationFailedError(topic)
    if not metadata.partitions_for_topic(topic):
        raise UnknownTopicOrPartitionError(f"topic {topic} does not exist")
    return sorted(await client._wait_on_metadata(topic))
