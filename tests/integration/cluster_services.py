"""Services as separate processes on the cluster: schedulers, notifiers, their databases and groups."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from test_notifications_support import free_port

POSTGRES_ENV = "WERKPLAATS_TEST_POSTGRES_URL"


def start_service(name: str, log: Path, settings: dict[str, str], bootstrap: str) -> subprocess.Popen[bytes]:
    """``werkplaats run <name>`` with its ``<NAME>_`` settings, on the cluster, logging to ``log``."""
    prefix = name.upper()
    environment = os.environ | {f"{prefix}_HTTP_PORT": str(free_port())}
    environment |= {f"{prefix}_{key.upper()}": value for key, value in settings.items()}
    environment |= {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "WERKPLAATS_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "werkplaats", "run", name]
    return subprocess.Popen(command, env=environment, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def start_at_end(bootstrap: str, group: str, topics: Iterable[str]) -> None:
    """Commit ``group``'s offsets at the end of ``topics``: a new group reads only what comes next."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    committer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await committer.start()
    try:
        committer.assign(partitions)
        await committer.commit(ends)
    finally:
        await committer.stop()


@asynccontextmanager
async def another_postgres_database() -> AsyncIterator[str]:
    """A fresh PostgreSQL database on the test server, for a second service."""
    admin_url = os.environ[POSTGRES_ENV]
    plain = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    name = f"test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(plain)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    try:
        yield f"{admin_url.rpartition('/')[0]}/{name}"
    finally:
        connection = await asyncpg.connect(plain)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


def stop_all(processes: Iterable[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every process still running and wait for it."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.terminate()
    for process in running:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


async def ready(port: int) -> bool:
    """Whether the service on ``port`` answers its readiness check with 200."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        try:
            return (await client.get("/health/ready")).status_code == 200
        except httpx.TransportError:
            return False
