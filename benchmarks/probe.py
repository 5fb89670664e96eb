"""A minimal service used to prove and measure the runtime: outbox in, idempotent effects out.

Run a consumer with ``python -m benchmarks.probe --topic T --database-url URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field
from sqlalchemy import Float, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from contracts import Envelope, EventData, new_event, register
from werkplaats.db import BigId, Database
from werkplaats.deadletter import Delivery
from werkplaats.logging import configure_logging
from werkplaats.runtime import ServiceRuntime
from werkplaats.settings import ServiceSettings
from werkplaats.unit_of_work import SqlUnitOfWork


class ProbeRecorded(EventData):
    """A numbered probe event of one run."""

    event_type: ClassVar[str] = "probe.recorded"

    run: str = Field(description="The run the event belongs to.")
    seq: int = Field(ge=0, description="Sequence number within the run.")


register(ProbeRecorded)


class ProbeBase(DeclarativeBase):
    """Tables of the probe."""


class ProbeEffect(ProbeBase):
    """One effect of a probe event; deliberately not unique, so a second effect would show."""

    __tablename__ = "probe_effects"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    seq: Mapped[int]
    handled_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    """Wall-clock seconds when the handler ran (for publish → handled latency)."""


def probe_events(count: int, *, run: str) -> list[Envelope[EventData]]:
    """``count`` numbered probe events of ``run``."""
    return [new_event(ProbeRecorded(run=run, seq=seq), source="probe") for seq in range(count)]


def probe_key(seq: int) -> str:
    """The key of probe event ``seq``: 64 keys, so each partition sees several in order."""
    return str(seq % 64)


async def stage_events(database: Database, topic: str, count: int, *, run: str, batch: int = 1000) -> None:
    """Commit ``count`` probe events to the outbox, ``batch`` per transaction."""
    await stage(database, topic, probe_events(count, run=run), batch=batch)


async def stage(
    database: Database, topic: str, events: Sequence[Envelope[EventData]], *, batch: int = 1000
) -> None:
    """Commit ``events`` to the outbox in order, ``batch`` per transaction; event n has ``probe_key(n)``."""
    for start in range(0, len(events), batch):
        async with database.unit_of_work(SqlUnitOfWork) as unit:
            for seq in range(start, min(start + batch, len(events))):
                unit.publish(topic, events[seq], key=probe_key(seq))


async def record_effect(unit: SqlUnitOfWork, envelope: Envelope[EventData], _: Delivery) -> None:
    """The probe's effect: one row per event processed."""
    data = envelope.data
    assert isinstance(data, ProbeRecorded)
    unit.insert(
        ProbeEffect.__table__,
        {"event_id": str(envelope.event_id), "seq": data.seq, "handled_at": time.time()},
    )


async def effects_so_far(database: Database) -> int:
    """How many effects were recorded."""
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ProbeEffect)) or 0)


async def has_effects(database: Database, wanted: int) -> bool:
    """Whether at least ``wanted`` effects were recorded; cheap enough to poll while they arrive.

    The highest effect id is read first (an index lookup); only once it reaches ``wanted`` are the
    effects counted, since ids can skip numbers.
    """
    async with database.sessions() as session:
        highest = await session.scalar(select(func.max(ProbeEffect.id)))
    return (highest or 0) >= wanted and await effects_so_far(database) >= wanted


async def handled_times(database: Database) -> dict[str, float]:
    """When each probe event (by event id) was handled."""
    async with database.sessions() as session:
        rows = await session.execute(select(ProbeEffect.event_id, ProbeEffect.handled_at))
    return {event_id: handled for event_id, handled in rows if handled is not None}


async def count_effects(database: Database) -> tuple[int, int]:
    """(effects, distinct events with an effect)."""
    async with database.sessions() as session:
        total = await session.scalar(select(func.count()).select_from(ProbeEffect))
        distinct = await session.scalar(select(func.count(func.distinct(ProbeEffect.event_id))))
    return int(total or 0), int(distinct or 0)


def attach(runtime: ServiceRuntime, topic: str) -> None:
    """Consume probe events from ``topic`` into the runtime's database."""
    runtime.consume(
        topic,
        name="probe",
        unit_of_work=SqlUnitOfWork,
        handler=record_effect,
        accept=frozenset({ProbeRecorded.event_type}),
    )


async def serve(
    topic: str, database_url: str, bootstrap: str, group: str, instance_id: str | None = None
) -> None:
    """Run a probe consumer until cancelled."""
    settings = ServiceSettings(
        database_url=database_url,
        consumer_group=group,
        kafka_bootstrap_servers=bootstrap,
        instance_id=instance_id,
    )
    runtime = ServiceRuntime("probe", settings, bootstrap_servers=bootstrap)
    await runtime.database.create_all(ProbeBase.metadata)
    attach(runtime, topic)
    await runtime.start()
    try:
        await asyncio.Event().wait()
    finally:
        await runtime.stop()


def main() -> None:
    """Command-line entry of the probe consumer."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--group", default=f"probe-{uuid.uuid4().hex[:8]}")
    parser.add_argument("--instance-id", help="Static group membership: the same id after a restart.")
    args = parser.parse_args()
    configure_logging("probe", level="WARNING")
    asyncio.run(serve(args.topic, args.database_url, args.bootstrap, args.group, args.instance_id))


if __name__ == "__main__":
    main()
