"""Pure configuration of a local multi-node KRaft cluster: ports, server.properties, JVM command, status."""

from __future__ import annotations

import base64
import os
import shlex
import uuid
from dataclasses import dataclass
from pathlib import Path

from werkplaats.localkafka.config import HOST, BrokerConfig, java_executable, server_properties

DEFAULT_CLUSTER_PORT = 9192
DEFAULT_CLUSTER_CONTROLLER_PORT = 9292
DEFAULT_CLUSTER_HEAP_OPTS = "-Xmx384m -Xms128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
MIN_INSYNC_REPLICAS = 2
CLUSTER_HEAP_ENV = "WERKPLAATS_KAFKA_CLUSTER_HEAP_OPTS"


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


@dataclass(frozen=True)
class NodeStatus:
    """Whether one node runs, at which address and as which process."""

    node_id: int
    bootstrap: str
    pid: int | None

    @property
    def running(self) -> bool:
        """Whether the node's JVM is alive."""
        return self.pid is not None

    def describe(self) -> str:
        """One line for humans: ``node 2 running 127.0.0.1:9193 (pid 42)`` or ``node 2 stopped ...``."""
        if self.pid is None:
            return f"node {self.node_id} stopped {self.bootstrap}"
        return f"node {self.node_id} running {self.bootstrap} (pid {self.pid})"


def node_java_command(libs: Path, node: NodeConfig, main: str, *args: str) -> list[str]:
    """The command line running ``main`` for ``node``, with its small heap (see ``CLUSTER_HEAP_ENV``)."""
    heap = shlex.split(os.environ.get(CLUSTER_HEAP_ENV) or DEFAULT_CLUSTER_HEAP_OPTS)
    return [
        java_executable(),
        *heap,
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={node.data_dir / 'log4j2.xml'}",
        f"-Dkafka.logs.dir={node.broker.logs_dir}",
        "-cp",
        f"{libs}/*",
        main,
        *args,
    ]


def new_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (as ``random-uuid`` prints)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
