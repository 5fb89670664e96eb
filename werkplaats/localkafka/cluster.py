"""A local multi-node KRaft cluster from the same jars: start, status, stop, and kill or restart one node."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import structlog

from werkplaats.localkafka import process
from werkplaats.localkafka.artifacts import default_cache_dir, file_lock, resolve_jars
from werkplaats.localkafka.broker import START_TIMEOUT, STOP_TIMEOUT, BrokerError, default_data_dir
from werkplaats.localkafka.cluster_config import (
    DEFAULT_CLUSTER_CONTROLLER_PORT,
    DEFAULT_CLUSTER_PORT,
    NodeConfig,
    NodeStatus,
    new_cluster_id,
    node_java_command,
    render_cluster_properties,
)
from werkplaats.localkafka.config import choose_port, port_is_free, render_log4j2
from werkplaats.localkafka.reachability import run_sync
from werkplaats.localkafka.replicas import cluster_view

log = structlog.get_logger(__name__)


def default_cluster_dir() -> Path:
    """Return the cluster's state directory: ``cluster/`` inside the local broker's data dir."""
    return default_data_dir() / "cluster"


class LocalKafkaCluster:
    """Combined broker+controller nodes on 127.0.0.1, one JVM each, with a static three-voter quorum."""

    def __init__(self, data_dir: Path | None = None, cache_dir: Path | None = None, brokers: int = 3) -> None:
        if brokers < 2:
            raise ValueError("a cluster has at least two nodes; one broker is LocalKafka")
        self.data_dir = (data_dir or default_cluster_dir()).expanduser().resolve()
        self.cache_dir = (cache_dir or default_cache_dir()).expanduser().resolve()
        self.brokers = brokers

    @property
    def state_file(self) -> Path:
        """JSON with the cluster id, the node count and each node's ports."""
        return self.data_dir / "cluster.json"

    def node_dir(self, node_id: int) -> Path:
        """The data directory of node ``node_id`` (1-based)."""
        return self.data_dir / f"node-{node_id}"

    def _properties(self, node_id: int) -> Path:
        return self.node_dir(node_id) / "server.properties"

    def _pid_file(self, node_id: int) -> Path:
        return self.node_dir(node_id) / "kafka.pid"

    def _state(self) -> dict[str, Any]:
        try:
            state = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}

    def exists(self) -> bool:
        """Whether this directory holds a cluster that was started before."""
        return self.state_file.exists()

    def recorded_nodes(self) -> list[NodeConfig]:
        """The nodes as recorded at the last start (empty before the first)."""
        return [
            NodeConfig(
                int(node["node_id"]),
                self.node_dir(int(node["node_id"])),
                node["port"],
                node["controller_port"],
            )
            for node in self._state().get("nodes", [])
        ]

    @property
    def bootstrap(self) -> str:
        """The comma-separated client addresses of every node, as recorded."""
        return ",".join(node.bootstrap for node in self.recorded_nodes())

    def _running_pid(self, node_id: int) -> int | None:
        pid = process.read_pid(self._pid_file(node_id))
        if pid is not None and process.is_broker(pid, self._properties(node_id)):
            return pid
        self._pid_file(node_id).unlink(missing_ok=True)
        found = process.brokers_using(str(self._properties(node_id)))
        if found:
            self._pid_file(node_id).write_text(f"{found[0]}\n")
            return found[0]
        return None

    def status(self) -> list[NodeStatus]:
        """Each recorded node with its pid (``None`` when it does not run)."""
        return [
            NodeStatus(n.node_id, n.bootstrap, self._running_pid(n.node_id)) for n in self.recorded_nodes()
        ]

    def pid(self, node_id: int) -> int | None:
        """The pid of node ``node_id`` while it runs."""
        return self._running_pid(node_id)

    def ensure_started(self, timeout: float = START_TIMEOUT) -> str:
        """Start every node that does not run, wait until all have joined, return the bootstrap list."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with file_lock(self.data_dir / ".start.lock"):
            recorded = self._state().get("brokers", self.brokers)
            if recorded != self.brokers:
                raise BrokerError(
                    f"{self.data_dir} holds a {recorded}-node cluster; stop it and remove the directory first"
                )
            nodes = self._choose_nodes()
            libs = resolve_jars(self.cache_dir)
            self._write_configs(nodes)
            for node in nodes:
                if self._running_pid(node.node_id) is None:
                    self._format(libs, node)
                    self._launch(libs, node)
            self._wait_joined(nodes, timeout)
        return self.bootstrap

    def _choose_nodes(self) -> list[NodeConfig]:
        """Keep a running node's ports; else the recorded ones if free, else the defaults, else free."""
        recorded = {node.node_id: node for node in self.recorded_nodes()}
        taken: set[int] = set()
        nodes = []
        for node_id in range(1, self.brokers + 1):
            before = recorded.get(node_id)
            if before is not None and self._running_pid(node_id) is not None:
                port, controller_port = before.port, before.controller_port
            else:
                port = self._port(before.port if before else None, DEFAULT_CLUSTER_PORT + node_id - 1, taken)
                taken.add(port)
                controller_default = DEFAULT_CLUSTER_CONTROLLER_PORT + node_id - 1
                controller_port = self._port(
                    before.controller_port if before else None, controller_default, taken
                )
            taken |= {port, controller_port}
            nodes.append(NodeConfig(node_id, self.node_dir(node_id), port, controller_port))
        state = self._state()
        self.state_file.write_text(
            json.dumps(
                {
                    "cluster_id": state.get("cluster_id") or new_cluster_id(),
                    "brokers": self.brokers,
                    "nodes": [
                        {"node_id": n.node_id, "port": n.port, "controller_port": n.controller_port}
                        for n in nodes
                    ],
                },
                indent=2,
            )
            + "\n"
        )
        return nodes

    @staticmethod
    def _port(recorded: int | None, default: int, taken: set[int]) -> int:
        for candidate in (recorded, default):
            if candidate is not None and candidate not in taken and port_is_free(candidate):
                return candidate
        return choose_port(default, frozenset(taken))

    def _write_configs(self, nodes: list[NodeConfig]) -> None:
        for node in nodes:
            node.broker.logs_dir.mkdir(parents=True, exist_ok=True)
            self._properties(node.node_id).write_text(render_cluster_properties(node, nodes))
            (node.data_dir / "log4j2.xml").write_text(render_log4j2(node.broker.logs_dir))

    def _format(self, libs: Path, node: NodeConfig) -> None:
        """Format a node's storage once, with the cluster's id and the static quorum."""
        if (node.broker.log_dirs / "meta.properties").exists():
            return
        cluster_id = str(self._state()["cluster_id"])
        arguments = ["format", f"--cluster-id={cluster_id}", "-c", str(self._properties(node.node_id))]
        command = node_java_command(libs, node, "kafka.tools.StorageTool", *arguments)
        result = subprocess.run(  # noqa: S603 - own command line
            command, capture_output=True, text=True, cwd=node.data_dir, check=False
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip()[-4000:]
            raise BrokerError(f"formatting node {node.node_id} failed ({result.returncode}):\n{output}")
        log.info("kafka.cluster.node.formatted", node=node.node_id, cluster_id=cluster_id)

    def _launch(self, libs: Path, node: NodeConfig) -> int:
        command = node_java_command(libs, node, "kafka.Kafka", str(self._properties(node.node_id)))
        pid = process.launch(command, node.broker.logs_dir / "kafka.out", node.data_dir)
        self._pid_file(node.node_id).write_text(f"{pid}\n")
        log.info("kafka.cluster.node.launched", node=node.node_id, pid=pid, bootstrap=node.bootstrap)
        return pid

    def _wait_joined(self, nodes: list[NodeConfig], timeout: float) -> None:
        """Wait until every node's JVM lives and the cluster's metadata lists all of them."""
        deadline = time.monotonic() + timeout
        wanted = {node.node_id for node in nodes}
        while True:
            for node in nodes:
                if self._running_pid(node.node_id) is None:
                    raise BrokerError(
                        f"node {node.node_id} exited during start-up\n{self.log_tail(node.node_id)}"
                    )
            view = run_sync(cluster_view(self.bootstrap, wait_s=3.0))
            if view is not None and wanted <= view.brokers:
                return
            if time.monotonic() >= deadline:
                tails = "\n".join(self.log_tail(node.node_id) for node in nodes)
                raise BrokerError(
                    f"the cluster at {self.bootstrap} did not form within {timeout:.0f}s\n{tails}"
                )
            time.sleep(0.25)

    def wait_in_sync(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until every node is listed and every partition has all of its replicas in sync."""
        deadline = time.monotonic() + timeout
        while True:
            view = run_sync(cluster_view(self.bootstrap, wait_s=3.0))
            if view is not None and len(view.brokers) == self.brokers and view.fully_replicated():
                return
            if time.monotonic() >= deadline:
                raise BrokerError(
                    f"the cluster at {self.bootstrap} is not fully in sync after {timeout:.0f}s"
                )
            time.sleep(0.25)

    def log_tail(self, node_id: int, lines: int = 20) -> str:
        """The last ``lines`` lines of a node's log and JVM output."""
        parts = []
        for name in ("server.log", "kafka.out"):
            path = self.node_dir(node_id) / "logs" / name
            try:
                tail = path.read_text(errors="replace").splitlines()[-lines:]
            except OSError:
                continue
            parts.append(f"--- {path} ---\n" + "\n".join(tail))
        return "\n".join(parts) or f"(no log of node {node_id} yet)"

    def kill(self, node_id: int) -> int:
        """SIGKILL node ``node_id`` (no clean shutdown) and wait until it is gone; return its pid."""
        pid = self._running_pid(node_id)
        if pid is None:
            raise BrokerError(f"node {node_id} is not running")
        _signal(pid, signal.SIGKILL)
        if not process.wait_gone(pid, 10.0):
            raise BrokerError(f"node {node_id} (pid {pid}) outlived SIGKILL")
        process.forget(pid)
        self._pid_file(node_id).unlink(missing_ok=True)
        log.info("kafka.cluster.node.killed", node=node_id, pid=pid)
        return pid

    def stop_node(self, node_id: int, timeout: float = STOP_TIMEOUT) -> bool:
        """SIGTERM node ``node_id`` (a controlled shutdown), SIGKILL after ``timeout`` s; whether it ran."""
        pid = self._running_pid(node_id)
        if pid is None:
            return False
        process.terminate(pid, timeout)
        process.forget(pid)
        self._pid_file(node_id).unlink(missing_ok=True)
        log.info("kafka.cluster.node.stopped", node=node_id, pid=pid)
        return True

    def start_node(self, node_id: int, timeout: float = START_TIMEOUT) -> int:
        """Start node ``node_id`` again on its recorded ports and wait until the cluster lists it.

        Other nodes may be down meanwhile: a node returning to a cluster without quorum restores it.
        """
        with file_lock(self.data_dir / ".start.lock"):
            nodes = self.recorded_nodes()
            node = next(n for n in nodes if n.node_id == node_id)
            pid = self._running_pid(node_id) or self._launch(resolve_jars(self.cache_dir), node)
            self._wait_joined([node], timeout)
        return pid

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Stop every node at once (SIGTERM, then SIGKILL after ``timeout`` s); whether any was running.

        All nodes get SIGTERM together: stopped one by one, the last ones would lose their quorum
        and wait for it during their controlled shutdown.
        """
        if not self.exists():
            return False
        with file_lock(self.data_dir / ".start.lock"):
            running = {n.node_id: pid for n in self.recorded_nodes() if (pid := self._running_pid(n.node_id))}
            for pid in running.values():
                _signal(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            for node_id, pid in running.items():
                if not process.wait_gone(pid, max(0.0, deadline - time.monotonic())):
                    log.warning("kafka.cluster.node.kill", node=node_id, pid=pid)
                    _signal(pid, signal.SIGKILL)
                    process.wait_gone(pid, 10.0)
                process.forget(pid)
                self._pid_file(node_id).unlink(missing_ok=True)
        return bool(running)


def _signal(pid: int, sig: signal.Signals) -> None:
    """Send ``sig`` to the node's process group (its JVM), ignoring one that is already gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)
