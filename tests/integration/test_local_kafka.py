"""The local Kafka broker from a fresh state dir: start, produce/consume, status, idempotent start, stop."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts.topics import TopicSpec
from werkplaats.localkafka import LocalKafka, artifacts
from werkplaats.localkafka.process import brokers_using, is_alive
from werkplaats.topics_admin import ensure_topics

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CLI = "from werkplaats.cli.kafka import app; app()"


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _processes_mentioning(text: str) -> list[str]:
    ps = subprocess.run(["ps", "-ww", "-eo", "pid=,args="], capture_output=True, text=True, check=True)
    return [line for line in ps.stdout.splitlines() if text in line and " ps -ww" not in line]


@pytest.fixture(scope="module")
def fresh_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty jar cache: Maven copies the jars again from ~/.m2 (or downloads them on a new machine)."""
    if shutil.which("mvn") is None or (shutil.which("java") is None and not os.environ.get("JAVA_HOME")):
        pytest.skip("needs Maven and Java 17+")
    return tmp_path_factory.mktemp("werkplaats-cache")


@pytest.fixture
def fresh_env(fresh_cache: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment of a machine that never ran the broker, without $KAFKA_BOOTSTRAP_SERVERS."""
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    env["WERKPLAATS_CACHE_DIR"] = str(fresh_cache)
    env["WERKPLAATS_KAFKA_DIR"] = str(tmp_path / "kafka")
    yield env
    LocalKafka(fresh_cache, tmp_path / "kafka").stop(timeout=10)


@pytest.mark.asyncio
async def test_start_answers_then_stop_leaves_no_jvm(fresh_env: dict[str, str]) -> None:
    data_dir = fresh_env["WERKPLAATS_KAFKA_DIR"]
    assert _cli(fresh_env, "status").returncode == 1

    started = _cli(fresh_env, "start")
    assert started.returncode == 0, started.stderr
    bootstrap = started.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"127\.0\.0\.1:\d+", bootstrap)
    assert artifacts.is_resolved(Path(fresh_env["WERKPLAATS_CACHE_DIR"]))
    assert "Kafka Server started" in (Path(data_dir) / "logs" / "server.log").read_text()

    topic = f"it.local-kafka.{uuid.uuid4().hex[:8]}"
    assert await ensure_topics(bootstrap, [TopicSpec(topic, 2)]) == [topic]
    assert await ensure_topics(bootstrap, [TopicSpec(topic, 2)]) == []
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"hallo zuidwest", key=b"k1")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id="it"
    )
    await consumer.start()
    try:
        message = await consumer.getone()
    finally:
        await consumer.stop()
    assert (message.key, message.value) == (b"k1", b"hallo zuidwest")

    status = _cli(fresh_env, "status")
    assert status.returncode == 0
    assert f"running {bootstrap} (pid " in status.stdout
    pid = int(re.search(r"\(pid (\d+)\)", status.stdout).group(1))  # type: ignore[union-attr]
    assert brokers_using(data_dir) == [pid]

    again = _cli(fresh_env, "start")
    assert again.returncode == 0
    assert again.stdout.strip().splitlines()[-1] == bootstrap
    assert brokers_using(data_dir) == [pid]

    stopped = _cli(fresh_env, "stop")
    assert stopped.returncode == 0
    assert "stopped" in stopped.stdout
    assert not is_alive(pid)
    assert _processes_mentioning(data_dir) == []
    assert not (Path(data_dir) / "kafka.pid").exists()
    final = _cli(fresh_env, "status")
    assert final.returncode == 1
    assert final.stdout.strip() == "stopped"


def test_python_api_is_idempotent_and_restarts_on_formatted_storage(fresh_env: dict[str, str]) -> None:
    kafka = LocalKafka(Path(fresh_env["WERKPLAATS_CACHE_DIR"]), Path(fresh_env["WERKPLAATS_KAFKA_DIR"]))
    bootstrap = kafka.ensure_started()
    pid = kafka.status().pid
    assert kafka.ensure_started() == bootstrap
    assert kafka.status().pid == pid
    assert kafka.stop() is True
    assert kafka.stop() is False
    assert (kafka.data_dir / "kraft-logs" / "meta.properties").exists()
    restarted = kafka.ensure_started()
    assert kafka.status().running
    assert kafka.status().pid != pid
    assert kafka.stop() is True
    assert restarted.startswith("127.0.0.1:")
    assert brokers_using(str(kafka.data_dir)) == []
    assert _processes_mentioning(str(kafka.data_dir)) == []
