"""Read a cluster's live brokers and each partition's leader, replicas and in-sync replicas."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from werkplaats.localkafka.reachability import probe_client, tcp_open

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Replicas:
    """One partition's leader (-1: none), its replicas and its in-sync replicas, by node id."""

    leader: int
    replicas: tuple[int, ...]
    isr: tuple[int, ...]


@dataclass(frozen=True)
class ClusterView:
    """The brokers a cluster lists as live, and the replicas of every partition."""

    brokers: frozenset[int]
    partitions: Mapping[tuple[str, int], Replicas]

    def leader(self, topic: str, partition: int) -> int:
        """The node leading ``topic``/``partition`` (-1 while none does)."""
        return self.partitions[(topic, partition)].leader

    def fully_replicated(self) -> bool:
        """Whether every partition has a leader and all of its replicas in sync."""
        return all(r.leader >= 0 and set(r.isr) == set(r.replicas) for r in self.partitions.values())


async def cluster_view(
    bootstrap: str, wait_s: float = 5.0, options: Mapping[str, Any] | None = None
) -> ClusterView | None:
    """The metadata of every topic as ``bootstrap`` answers it now, or ``None`` when nothing answers."""
    if not tcp_open(bootstrap):
        return None
    client = probe_client(bootstrap, wait_s, options)
    try:
        await asyncio.wait_for(client.bootstrap(), wait_s)
        metadata = await asyncio.wait_for(client.fetch_all_metadata(), wait_s)
    except Exception as error:  # noqa: BLE001 - any failure means "no answer now"
        log.debug("kafka.cluster.probe.failed", bootstrap=bootstrap, error=repr(error))
        return None
    finally:
        await client.close()
    partitions = {
        (topic, p.partition): Replicas(p.leader, tuple(p.replicas), tuple(p.isr))
        for topic, by_partition in metadata._partitions.items()
        for p in by_partition.values()
    }
    return ClusterView(frozenset(b.nodeId for b in metadata.brokers()), partitions)
