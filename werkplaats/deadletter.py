"""Dead-letter topics: messages that cannot be processed, with why and where they came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from contracts.topics import dead_letter

HEADER_ERROR = "werkplaats-error"
HEADER_ERROR_TYPE = "werkplaats-error-type"
HEADER_TOPIC = "werkplaats-original-topic"
HEADER_PARTITION = "werkplaats-original-partition"
HEADER_OFFSET = "werkplaats-original-offset"
HEADER_CONSUMER = "werkplaats-consumer"
HEADER_FAILED_AT = "werkplaats-failed-at"
MAX_REASON = 2000


@dataclass(frozen=True)
class Delivery:
    """One consumed Kafka record and where it came from."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]


def error_headers(delivery: Delivery, *, reason: str, error_type: str, consumer: str) -> dict[str, str]:
    """The headers a dead letter carries: the error and the message's origin."""
    return {
        **{k: v for k, v in delivery.headers.items() if not k.startswith("werkplaats-")},
        HEADER_ERROR: reason[:MAX_REASON],
        HEADER_ERROR_TYPE: error_type,
        HEADER_TOPIC: delivery.topic,
        HEADER_PARTITION: str(delivery.partition),
        HEADER_OFFSET: str(delivery.offset),
        HEADER_CONSUMER: consumer,
        HEADER_FAILED_AT: datetime.now(UTC).isoformat(),
    }


async def send_to_dead_letter(
    producer: AIOKafkaProducer, delivery: Delivery, *, reason: str, error_type: str, consumer: str
) -> None:
    """Publish the original bytes to ``<topic>.dlq`` and wait for the broker's acknowledgement."""
    headers = error_headers(delivery, reason=reason, error_type=error_type, consumer=consumer)
    await producer.send_and_wait(
        dead_letter(delivery.topic),
        delivery.value,
        key=delivery.key,
        headers=[(name, value.encode()) for name, value in headers.items()],
    )
