"""The hops of publish → ``conflict.detected``, split at the conflict's ``occurred_at`` and record timestamp.

The detector sets the conflict event's ``occurred_at`` inside the intake's transaction; the outbox
relay's producer stamps the Kafka record when the relay hands it over; the tail notes when it read it.
All three are wall-clock times of the one machine, as is the moment the benchmark published the probe,
so a probe's three hops add up to its publish → read latency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from benchmarks.report import quantiles_ms
from benchmarks.scheduling.kafka import Stamps

HOPS = (
    "publish → occurred_at (fetch, queue, batch up to detection)",
    "occurred_at → relay builds the record (rest of the batch, commit, relay wakes and loads)",
    "relay → read by the benchmark's tail",
)


@dataclass(frozen=True)
class Hop:
    """One hop's p50, p90 and p99 over the probes, in milliseconds."""

    name: str
    count: int
    p50_ms: float
    p90_ms: float
    p99_ms: float

    @classmethod
    def of(cls, name: str, seconds: list[float]) -> Hop:
        """The spread of ``seconds`` under ``name``."""
        return cls(name, len(seconds), *quantiles_ms(seconds, 0.5, 0.9, 0.99))


def durations(
    published: Mapping[str, float], stamps: Mapping[str, Stamps]
) -> list[tuple[float, float, float]]:
    """Per probe both published (epoch seconds) and read, the seconds of each of its three hops."""
    return [
        (stamp.occurred - published[key], stamp.relayed - stamp.occurred, stamp.read - stamp.relayed)
        for key, stamp in stamps.items()
        if key in published
    ]


def split(published: Mapping[str, float], stamps: Mapping[str, Stamps]) -> list[Hop]:
    """The three hops' spreads over the probes of ``published`` that the tail read."""
    per_probe = durations(published, stamps)
    return [Hop.of(name, [hops[index] for hops in per_probe]) for index, name in enumerate(HOPS)]


def markdown(rows: list[tuple[str, str, list[Hop]]]) -> list[str]:
    """A table of the hops of each (database, detection) run."""
    lines = [
        "| database | detection | hop | probes | p50 ms | p90 ms | p99 ms |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for database, detection, hops in rows:
        lines.extend(
            f"| {database} | {detection} | {hop.name} | {hop.count:,} | {hop.p50_ms:,.1f} | "
            f"{hop.p90_ms:,.1f} | {hop.p99_ms:,.1f} |"
            for hop in hops
        )
    return lines
