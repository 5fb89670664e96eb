"""The Kafka broker factory: a reliable producer, and publishing outbox batches."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from faststream.kafka import KafkaBroker

from werkplaats.outbox import PendingMessage

MAX_MESSAGE_BYTES = 2 * 1024 * 1024


def create_broker(bootstrap_servers: str, *, client_id: str, metadata_max_age_ms: int = 5000) -> KafkaBroker:
    """A broker whose producer waits for every in-sync replica and never writes a retry twice."""
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        max_request_size=MAX_MESSAGE_BYTES,
        metadata_max_age_ms=metadata_max_age_ms,
        logger=None,
    )


async def publish_batch(broker: KafkaBroker, batch: Sequence[PendingMessage]) -> None:
    """Send every message, then wait until the broker has acknowledged all of them."""
    pending: list[Any] = []
    for message in batch:
        pending.append(
            await broker.publish(
                message.payload,
                topic=message.topic,
                key=message.key,
                headers=message.headers or None,
                no_confirm=True,
            )
        )
    await asyncio.gather(*pending)
