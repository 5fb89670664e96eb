"""Pure configuration of a local multi-node KRaft cluster: ports per node, server.properties, small JVMs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from werkplaats.localkafka.config import HOST, BrokerConfig, server_properties

DEFAULT_CLUSTER_PORT = 9192
DEFAULT_CLUSTER_CONTROLLER_PORT = 9292
DEFAULT_CLUSTER_HEAP_OPTS = "-Xmx384m -Xms128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
MIN_INSYNC_REPLICAS = 2


@dataclass(frozen=True)
class NodeConfig:
    """One combined broker+controller node of the cluster: its id, directory and ports."""

    node_id: int
    data_dir: Path
    port: int
    controller_port: int

    @property
    def broker(self) -> BrokerConfig:
        """The single-broker view of this node (directories, listeners)."""
        return BrokerConfig(self.data_dir, self.port, self.controller_port)

    @property
    def bootstrap(self) -> str:
        """The node's client address, e.g. ``127.0.0.1:9192``."""
        return f"{HOST}:{self.port}"


def replication_factor(brokers: int) -> int:
    """Replicas per partition: ``min(3, brokers)``."""
    return max(1, min(3, brokers))


def min_insync_replicas(brokers: int) -> int:
    """In-sync replicas an ``acks=all`` write needs: two where three replicas exist, else one."""
    return MIN_INSYNC_REPLICAS if replication_factor(brokers) >= 3 else 1


def quorum_voters(nodes: list[NodeConfig]) -> str:
    """The static controller quorum, e.g. ``1@127.0.0.1:9292,2@127.0.0.1:9293,...``."""
    return ",".join(f"{node.node_id}@{HOST}:{node.controller_port}" for node in nodes)


def cluster_properties(node: NodeConfig, nodes: list[NodeConfig]) -> dict[str, str]:
    """The settings of one node: the single-broker ones, replicated, with a static quorum of all nodes.

    Failure detection is quicker than Kafka's defaults (a killed node is fenced after 6 s instead of
    9 s), and each JVM runs few threads, so that three nodes share a small machine.
    """
    brokers = len(nodes)
    replicas = str(replication_factor(brokers))
    min_isr = str(min_insync_replicas(brokers))
    properties = server_properties(node.broker)
    properties.pop("controller.quorum.bootstrap.servers", None)
    return properties | {
        "node.id": str(node.node_id),
        "controller.quorum.voters": quorum_voters(nodes),
        "default.replication.factor": replicas,
        "min.insync.replicas": min_isr,
        "offsets.topic.replication.factor": replicas,
        "transaction.state.log.replication.factor": replicas,
        "transaction.state.log.min.isr": min_isr,
        "share.coordinator.state.topic.replication.factor": replicas,
        "share.coordinator.state.topic.min.isr": min_isr,
        "unclean.leader.election.enable": "false",
        "broker.heartbeat.interval.ms": "1000",
        "broker.session.timeout.ms": "6000",
        "replica.lag.time.max.ms": "10000",
        "num.network.threads": "2",
        "num.io.threads": "2",
        "num.replica.fetchers": "1",
        "background.threads": "2",
        "log.cleaner.threads": "1",
    }


def render_cluster_properties(node: NodeConfig, nodes: list[NodeConfig]) -> str:
    """Render one node's server.properties text."""
    lines = [f"# Written by `werkplaats kafka start --brokers {len(nodes)}`; regenerated on every start."]
    lines += [f"{key}={value}" for key, value in cluster_properties(node, nodes).items()]
    return "\n".join(lines) + "\n"
