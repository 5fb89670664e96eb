"""A relay process that dies for real (SIGKILL) after Kafka acknowledged a batch, before marking it sent.

Run as ``python crashing_relay.py DATABASE_URL BOOTSTRAP``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence

from werkplaats.broker import create_producer, publish_batch
from werkplaats.db import Database
from werkplaats.outbox import OutboxRelay, PendingMessage


async def relay_then_die(database_url: str, bootstrap: str) -> None:
    """Publish one batch of the outbox, then kill this process before the rows are marked sent."""
    database = Database(database_url)
    producer = create_producer(bootstrap, client_id="crashing-relay")
    await producer.start()

    async def publish_then_die(batch: Sequence[PendingMessage]) -> None:
        await publish_batch(producer, batch)
        print(f"published {len(batch)}", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    await OutboxRelay(database, publish_then_die, batch_size=100_000).relay_once()
    raise SystemExit("the relay was meant to die after publishing")


if __name__ == "__main__":
    asyncio.run(relay_then_die(sys.argv[1], sys.argv[2]))
