"""The domain's floor under the scheduler's cost per activity: a burst taken in without database or Kafka.

``python -m benchmarks.scheduling.floor --activities 10000`` builds the records of ``werkplaats bench
shape``'s burst (the same synthetic activities, seed and encoding) and takes them in, in one loop, the
way the intake consumer with inline detection does but without database or broker: each record's
envelope decoded and validated, the activity checked, placed in its zone's agenda, its conflicts
detected, described (suggestions included) and its agenda and conflict events encoded, through the
scheduler's own ``Intake`` and ``ZoneDetector`` on the in-memory unit of work, committed every
``--batch`` records. The baseline in the same run is the raw aiokafka consume loop over the same records
on the broker (``KAFKA_BOOTSTRAP_SERVERS``, else the local one), as the shape benchmark times it; a
decode-only loop shows what the envelope alone costs. What the floor costs per activity is what no
plumbing can remove.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiokafka import AIOKafkaProducer

from benchmarks.report import machine
from benchmarks.scheduling.kafka import delete_topics, raw_consume, send_all
from benchmarks.scheduling.pipeline import encoded
from benchmarks.scheduling.synthetic import World
from contracts import ActivityPublished, decode_event
from contracts.areas import load_areas
from contracts.topics import partner_activities, partner_topics
from scheduling.domain import AMSTERDAM, Agenda
from scheduling.service.detector import ZoneDetector
from scheduling.service.intake import Intake
from scheduling.store.memory import InMemorySchedulingUnitOfWork
from scheduling.subscribers import PARTNER_EVENTS
from werkplaats.collector import settle_after_start_up
from werkplaats.kafka_address import ensure_broker
from werkplaats.logging import configure_logging
from werkplaats.settings import RuntimeSettings
from werkplaats.topics_admin import ensure_topics

HORIZON = timedelta(days=365)
ORGANISATION = "bench-floor-burst"
FIRST_WIJK = 90_000


@dataclass(frozen=True)
class Loop:
    """One loop over the burst's records: wall and CPU seconds, and what it produced."""

    name: str
    activities: int
    wall_s: float
    cpu_s: float
    events: int = 0
    """Events staged for the outbox (agenda and conflict events)."""

    @property
    def cpu_ms_per_activity(self) -> float:
        """Process CPU per activity (ms)."""
        return self.cpu_s * 1e3 / self.activities

    def ratio(self, raw: Loop) -> float:
        """The rate of this loop as a share of the raw loop's."""
        return raw.wall_s / self.wall_s


def burst_records(size: int, today: datetime) -> list[tuple[bytes, bytes]]:
    """The ``(key, value)`` records of a burst of ``size``, as ``werkplaats bench shape`` builds them."""
    world = World.for_size(size, today.date(), FIRST_WIJK)
    rng = random.Random(size)
    return encoded(
        [world.activity(rng, f"b{i}", organisation=ORGANISATION, venue_share=0.0) for i in range(size)]
    )


def decode_only(records: Sequence[tuple[bytes, bytes]]) -> Loop:
    """Decode and validate each record's envelope, nothing else."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _, value in records:
        decode_event(value, accept=PARTNER_EVENTS)
    return Loop("envelope decoded only", len(records), time.perf_counter() - wall, time.process_time() - cpu)


async def take_in(records: Sequence[tuple[bytes, bytes]], batch: int) -> Loop:
    """Take the records in through the scheduler's intake and zone detector, without database or Kafka."""

    def new_agenda(zone: str | None) -> Agenda:
        return Agenda(horizon=HORIZON, owner_zone=zone)

    detector = ZoneDetector(new_agenda, load_areas())
    intake = Intake(horizon=HORIZON, place=detector.apply)
    unit = InMemorySchedulingUnitOfWork()
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(records), batch):
        for _, value in records[start : start + batch]:
            event = decode_event(value, accept=PARTNER_EVENTS)
            assert isinstance(event.data, ActivityPublished)
            await intake.publish(unit, ORGANISATION, event.data, correlation_id=str(event.event_id))
        await unit.commit()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    name = "domain floor: decoded, checked, described, encoded"
    return Loop(name, len(records), wall, cpu, len(unit.published))


async def raw_loop(bootstrap: str, records: Sequence[tuple[bytes, bytes]]) -> Loop:
    """Publish the records to a topic of their own; the raw aiokafka consume loop's time to read them."""
    organisation = f"bench-floor-{uuid.uuid4().hex[:8]}"
    topic = partner_activities(organisation)
    await ensure_topics(bootstrap, partner_topics(organisation))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        await send_all(producer, topic, records)
    finally:
        await producer.stop()
    try:
        cpu = time.process_time()
        wall = await raw_consume(bootstrap, topic, len(records), f"bench-floor-raw-{organisation}")
        return Loop("raw aiokafka consume loop", len(records), wall, time.process_time() - cpu)
    finally:
        await delete_topics(bootstrap, [spec.name for spec in partner_topics(organisation)])


async def measure(bootstrap: str, size: int, batch: int, rounds: int) -> list[Loop]:
    """The raw loop, the decode-only loop and the floor, ``rounds`` times alternating."""
    records = burst_records(size, datetime.now(AMSTERDAM))
    loops = []
    for _ in range(rounds):
        loops += [await raw_loop(bootstrap, records), decode_only(records), await take_in(records, batch)]
    return loops


def markdown(loops: Sequence[Loop]) -> str:
    """One row per loop, each with its ratio to the raw loop of its round."""
    rows = [
        "| round | loop | activities | wall s | CPU ms per activity | events staged "
        "| ratio to the raw loop |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for number, start in enumerate(range(0, len(loops), 3), start=1):
        raw = loops[start]
        for loop in loops[start : start + 3]:
            rows.append(
                f"| {number} | {loop.name} | {loop.activities:,} | {loop.wall_s:.2f} | "
                f"{loop.cpu_ms_per_activity:.3f} | {loop.events:,} | {loop.ratio(raw):.3f} |"
            )
    return "\n".join(rows)


async def main(arguments: argparse.Namespace) -> None:
    """Measure and print the table."""
    configure_logging("scheduling", level="WARNING")
    settle_after_start_up()  # as a service process does once started
    bootstrap = arguments.bootstrap or ensure_broker(RuntimeSettings())
    loops = await measure(bootstrap, arguments.activities, arguments.batch, arguments.rounds)
    print(
        f"Command: `python -m benchmarks.scheduling.floor --activities {arguments.activities} "
        f"--batch {arguments.batch} --rounds {arguments.rounds}`\n\n"
        f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f}\n\n{markdown(loops)}"
    )


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000, help="activities in the burst")
    parser.add_argument("--batch", type=int, default=500, help="records per commit (a batch)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of the three loops")
    parser.add_argument(
        "--bootstrap",
        default=None,
        help="the broker for the raw loop (default: KAFKA_BOOTSTRAP_SERVERS, else the local broker)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
