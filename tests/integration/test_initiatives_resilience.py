"""SIGKILL and restart of the initiatives service: no accepted event lost, no assignment or overdue twice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet

from contracts.topics import INITIATIVES_EVENTS
from initiatives import service
from initiatives.forms import Submission
from initiatives.main import NAME, make_context, migrations_location
from initiatives.settings import InitiativesSettings
from initiatives.store import unit_of_work
from initiatives_support import events_of, form
from support.testing import read_topic, wait_for
from werkplaats.db import Database
from werkplaats.migrations import upgrade

SEEDED = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "werkplaats", "run", NAME, "--port", str(free_port())]
    return subprocess.Popen(command, env=environment, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def seed(database_url: str, key: str, tmp_path: Path) -> set[str]:
    """Initiatives received a month ago, their first contact long overdue (events still in the outbox)."""
    settings = InitiativesSettings(database_url=database_url, encryption_keys=[key], data_dir=tmp_path)
    database = Database(database_url)
    month_ago = datetime.now(UTC) - timedelta(days=30)
    context = replace(make_context(settings), clock=lambda: month_ago)
    references = set()
    try:
        await upgrade(database, migrations_location())
        for n in range(SEEDED):
            async with unit_of_work(database) as unit:
                receipt = await service.submit(
                    context, unit, Submission.model_validate(form(title=f"Idee {n}"))
                )
            references.add(receipt.initiative_id)
    finally:
        await database.dispose()
    return references


async def test_killing_the_service_mid_stream_loses_nothing_and_doubles_nothing(
    kafka_bootstrap: str, database_url: str, unique: Callable[[str], str], tmp_path: Path
) -> None:
    key = Fernet.generate_key().decode()
    references = await seed(database_url, key, tmp_path)
    environment = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "WERKPLAATS_DATA_DIR": str(tmp_path),
        "INITIATIVES_DATABASE_URL": database_url,
        "INITIATIVES_CONSUMER_GROUP": unique("ini"),
        "INITIATIVES_ENCRYPTION_KEYS": f'["{key}"]',
        "INITIATIVES_OVERDUE_CHECK_S": "0.2",
        "INITIATIVES_OUTBOX_BATCH_SIZE": "7",
        "WERKPLAATS_LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "service.log"

    async def published(kind: str) -> set[str]:
        return {e.data.initiative_id for e in await events_of(kafka_bootstrap, references) if e.type == kind}

    for _ in range(2):  # killed as soon as it has published something new, twice
        before = len(await published("initiative.overdue")) + len(await published("initiative.assigned"))
        process = start(environment, log)
        try:

            async def progressed(seen: int = before) -> bool:
                now = len(await published("initiative.overdue")) + len(await published("initiative.assigned"))
                return now > seen or now == 2 * SEEDED

            await wait_for(progressed, timeout=90, interval=0.2)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(10)
    process = start(environment, log)
    try:

        async def complete() -> bool:
            return (
                await published("initiative.overdue") == references == await published("initiative.assigned")
            )

        await wait_for(complete, timeout=120, interval=0.5)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)

    distinct: dict[tuple[str, str], set[str]] = defaultdict(set)
    for event in await events_of(kafka_bootstrap, references):
        distinct[(event.data.initiative_id, event.type)].add(str(event.event_id))
    for reference in references:
        assert len(distinct[(reference, "initiative.submitted")]) == 1
        assert len(distinct[(reference, "initiative.assigned")]) == 1
        assert len(distinct[(reference, "initiative.overdue")]) == 1
    assert all(record.key is not None for record in await read_topic(kafka_bootstrap, INITIATIVES_EVENTS))
