"""Pure parts of the local Kafka broker: config rendering, ports, JVM flags, pid files, status."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from werkplaats.localkafka import (
    BrokerConfig,
    BrokerError,
    BrokerStatus,
    LocalKafka,
    artifacts,
    config,
    process,
    render_server_properties,
)


def _parse(text: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_server_properties_single_node_kraft(tmp_path: Path) -> None:
    props = _parse(render_server_properties(BrokerConfig(tmp_path, 19092, 19093)))
    assert props["process.roles"] == "broker,controller"
    assert props["node.id"] == "1"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:19093"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["controller.listener.names"] == "CONTROLLER"
    assert props["log.dirs"] == str(tmp_path / "kraft-logs")
    assert props["auto.create.topics.enable"] == "false"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["offsets.topic.num.partitions"] == "10"
    assert props["transaction.state.log.replication.factor"] == "1"
    assert props["transaction.state.log.min.isr"] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["num.partitions"] == "3"
    assert int(props["log.retention.check.interval.ms"]) <= 300_000


def test_bootstrap_and_paths(tmp_path: Path) -> None:
    cfg = BrokerConfig(tmp_path)
    assert cfg.bootstrap == "127.0.0.1:9092"
    assert cfg.logs_dir == tmp_path / "logs"


def test_backslashes_in_paths_are_escaped() -> None:
    text = render_server_properties(BrokerConfig(Path("C:\\kafka data")))
    assert "log.dirs=C:\\\\kafka data/kraft-logs" in text


def test_log4j2_writes_server_log_and_escapes_xml(tmp_path: Path) -> None:
    xml = config.render_log4j2(tmp_path / "a&b")
    assert 'fileName="' + str(tmp_path / "a&amp;b" / "server.log") + '"' in xml
    assert "<Root level=" in xml


def test_choose_port_keeps_a_free_preferred_port() -> None:
    port = config.free_port()
    assert config.choose_port(port) == port


def test_choose_port_moves_away_from_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        assert not config.port_is_free(busy)
        chosen = config.choose_port(busy)
        assert chosen != busy
        assert config.port_is_free(chosen)


def test_choose_port_avoids_listed_ports() -> None:
    port = config.free_port()
    assert config.choose_port(port, frozenset({port})) != port


def test_heap_opts_default_and_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.HEAP_ENV, raising=False)
    assert config.heap_opts() == ["-Xmx512m", "-Xms256m"]
    monkeypatch.setenv(config.HEAP_ENV, "-Xmx1g -Xms1g")
    assert config.heap_opts() == ["-Xmx1g", "-Xms1g"]


def test_java_command_uses_java_home_and_libs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JAVA_HOME", "/opt/jdk")
    command = config.java_command(
        tmp_path / "libs", BrokerConfig(tmp_path), "kafka.Kafka", "server.properties"
    )
    assert command[0] == "/opt/jdk/bin/java"
    assert command[-4:] == ["-cp", f"{tmp_path / 'libs'}/*", "kafka.Kafka", "server.properties"]
    assert f"-Dlog4j2.configurationFile={tmp_path / 'log4j2.xml'}" in command
    monkeypatch.delenv("JAVA_HOME")
    assert config.java_executable() == "java"


def test_default_dirs_follow_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WERKPLAATS_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("WERKPLAATS_KAFKA_DIR", str(tmp_path / "k"))
    kafka = LocalKafka()
    assert kafka.cache_dir == tmp_path / "c"
    assert kafka.data_dir == tmp_path / "k"
    monkeypatch.delenv("WERKPLAATS_CACHE_DIR")
    assert artifacts.default_cache_dir() == Path.home() / ".cache" / "werkplaats"


def test_pom_pins_kafka_and_log4j2() -> None:
    pom = artifacts.pom_text()
    assert "<artifactId>kafka_2.13</artifactId>" in pom
    assert f"<kafka.version>{artifacts.KAFKA_VERSION}</kafka.version>" in pom
    for artifact in ("log4j-api", "log4j-core", "log4j-slf4j2-impl", "kafka-tools"):
        assert f"<artifactId>{artifact}</artifactId>" in pom


def test_resolution_needs_a_marker_matching_the_pom(tmp_path: Path) -> None:
    libs = artifacts.libs_dir(tmp_path)
    libs.mkdir(parents=True)
    assert not artifacts.is_resolved(tmp_path)
    (libs / artifacts.MARKER_NAME).write_text("stale fingerprint\n")
    assert not artifacts.is_resolved(tmp_path)
    (libs / artifacts.MARKER_NAME).write_text(artifacts._fingerprint(artifacts.pom_text()) + "\n")
    assert artifacts.is_resolved(tmp_path)
    assert artifacts.resolve_jars(tmp_path) == libs


def test_status_descriptions() -> None:
    assert BrokerStatus(False).describe() == "stopped"
    assert BrokerStatus(True, "127.0.0.1:9092", 42).describe() == "running 127.0.0.1:9092 (pid 42)"
    assert BrokerStatus(False, "kafka:9092", external=True).describe().startswith("unreachable kafka:9092")


def test_read_pid_tolerates_garbage(tmp_path: Path) -> None:
    assert process.read_pid(tmp_path / "missing") is None
    (tmp_path / "pid").write_text("not a pid")
    assert process.read_pid(tmp_path / "pid") is None
    (tmp_path / "pid").write_text("123\n")
    assert process.read_pid(tmp_path / "pid") == 123


def test_stale_pid_file_of_a_non_java_process_is_cleared(tmp_path: Path) -> None:
    kafka = LocalKafka(tmp_path / "cache", tmp_path / "kafka")
    kafka.data_dir.mkdir(parents=True)
    kafka.pid_file.write_text(f"{os.getpid()}\n")
    assert kafka.status() == BrokerStatus(False)
    assert not kafka.pid_file.exists()
    assert kafka.stop() is False


def test_stale_pid_file_of_a_finished_process_is_cleared(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    kafka = LocalKafka(tmp_path / "cache", tmp_path / "kafka")
    kafka.data_dir.mkdir(parents=True)
    kafka.pid_file.write_text(finished.stdout)
    assert not kafka.status().running
    assert not kafka.pid_file.exists()


def test_external_bootstrap_is_reported_and_never_started(tmp_path: Path) -> None:
    unused = f"127.0.0.1:{config.free_port()}"
    kafka = LocalKafka(tmp_path / "cache", tmp_path / "kafka", external_bootstrap=unused)
    assert kafka.status() == BrokerStatus(False, unused, external=True)
    with pytest.raises(BrokerError, match="does not answer"):
        kafka.ensure_started()
    assert kafka.stop() is False
    assert not kafka.data_dir.exists()


def test_from_env_reads_kafka_bootstrap_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker-1:9092")
    assert LocalKafka.from_env().external_bootstrap == "broker-1:9092"
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS")
    assert LocalKafka.from_env().external_bootstrap is None
