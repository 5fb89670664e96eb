"""Test harness: a real Kafka broker and real databases for integration tests."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests are judged by what they find, not by how fast an example runs on a busy machine.
settings.register_profile("werkplaats", deadline=None)
settings.load_profile("werkplaats")

REQUIRE_ALL_ENV = "WERKPLAATS_REQUIRE_ALL_TESTS"
POSTGRES_ENV = "WERKPLAATS_TEST_POSTGRES_URL"
KAFKA_IMAGE = "apache/kafka:4.1.1"

# Test folders named like the packages (tests/unit/scheduling, ...) must never shadow them on sys.path.
for _package in {"contracts", *(e.value.split(".")[0] for e in entry_points(group="werkplaats.services"))}:
    importlib.import_module(_package)

# Tests serve feeds and receive webhooks on loopback only; the services may reach 127.0.0.1 there.
# Tests of the refusals build their own guarded client with an empty allow-list.
os.environ.setdefault("WERKPLAATS_OUTBOUND_ALLOW", "127.0.0.1/32")


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(["docker", "info"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """A real broker: ``KAFKA_BOOTSTRAP_SERVERS``, else a testcontainers Kafka, else the local broker."""
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        yield configured
        return
    if _docker_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer(image=KAFKA_IMAGE).with_kraft() as container:
            yield container.get_bootstrap_server()
        return
    from werkplaats.localkafka import LocalKafka

    data_dir = Path(tempfile.mkdtemp(prefix="werkplaats-test-kafka-"))
    broker = LocalKafka(data_dir=data_dir)
    try:
        yield broker.ensure_started()
    finally:
        broker.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Unique names, so tests sharing one broker never see each other's topics or groups."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def make_topic(kafka_bootstrap: str) -> Callable[..., object]:
    """Create a fresh topic (and its dead-letter topic) on the test broker."""
    from contracts.topics import TopicSpec, dead_letter_spec
    from werkplaats.topics_admin import ensure_topics

    async def create(name: str, partitions: int = 3) -> str:
        spec = TopicSpec(name, partitions)
        await ensure_topics(kafka_bootstrap, [spec, dead_letter_spec(name)])
        return name

    return create


def _postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_ENV)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: an SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    admin_url = _postgres_admin_url()
    if admin_url is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (scripts/test.sh sets it)")
    import asyncpg

    name = f"test_{uuid.uuid4().hex[:12]}"
    plain = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(plain)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    base, _, _ = admin_url.rpartition("/")
    yield f"{base}/{name}"
    connection = await asyncpg.connect(plain)
    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await connection.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests under integration/ need the real broker; mark them so they can be selected."""
    for item in items:
        if "integration" in item.nodeid.split("/"):
            item.add_marker(pytest.mark.integration)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: the real-broker and PostgreSQL tests must run."""
    if not os.environ.get(REQUIRE_ALL_ENV):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        if reporter:
            reporter.write_line(
                f"{skipped} test(s) skipped, but {REQUIRE_ALL_ENV} requires every test to run"
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def kafka_cluster() -> Iterator[object]:
    """A private three-node KRaft cluster (own data dirs and ports), started once for the session."""
    from werkplaats.localkafka.cluster import LocalKafkaCluster

    data_dir = Path(tempfile.mkdtemp(prefix="werkplaats-test-cluster-"))
    cluster = LocalKafkaCluster(data_dir=data_dir / "cluster", brokers=3)
    try:
        cluster.ensure_started(timeout=180)
        yield cluster
    finally:
        cluster.stop(timeout=20)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def cluster(kafka_cluster: object) -> object:
    """The session's cluster with every node running and every partition fully in sync."""
    from werkplaats.localkafka.cluster import LocalKafkaCluster

    assert isinstance(kafka_cluster, LocalKafkaCluster)
    kafka_cluster.ensure_started(timeout=120)
    kafka_cluster.wait_in_sync(timeout=120)
    return kafka_cluster
