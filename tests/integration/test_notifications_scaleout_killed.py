"""Two ``werkplaats run notifications`` processes on one PostgreSQL database, one SIGKILLed mid-stream."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from contracts import ConflictAcknowledged, encode_event, new_event
from contracts.topics import SCHEDULING_CONFLICTS
from notifications.main import migrations_location
from notifications.service import subscriptions
from notifications.store import NotificationRow
from support.testing import committed_offsets, next_offsets, wait_for, wait_until_committed
from test_notifications_support import (
    SECRET,
    ConflictPublisher,
    WebhookReceiver,
    by_conflict,
    detected,
    free_port,
    fresh_wijk,
)
from werkplaats.db import Database
from werkplaats.migrations import upgrade

PART = 300
"""Conflicts published before the kill, and again after it: the kill lands mid-stream by construction."""


class Process:
    """One notifications process with its own HTTP port, read through its ``/metrics``."""

    def __init__(self, bootstrap: str, database_url: str, group: str, log: Path) -> None:
        self.port = free_port()
        environment = os.environ | {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "NOTIFICATIONS_DATABASE_URL": database_url,
            "NOTIFICATIONS_CONSUMER_GROUP": group,
            "NOTIFICATIONS_HTTP_HOST": "127.0.0.1",
            "NOTIFICATIONS_HTTP_PORT": str(self.port),
            "NOTIFICATIONS_BATCH_SIZE": "20",
            "NOTIFICATIONS_LEASE_S": "3",
            "NOTIFICATIONS_WEBHOOK_TIMEOUT_S": "1.5",  # the lease outlasts two attempts
            "NOTIFICATIONS_SMTP_TIMEOUT_S": "1.5",
            "NOTIFICATIONS_RETRY_BASE_S": "0.2",
            "NOTIFICATIONS_RETRY_MAX_S": "1",
            "WERKPLAATS_LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "werkplaats", "run", "notifications"]
        self.popen = subprocess.Popen(
            command, env=environment, stdout=log.open("ab"), stderr=subprocess.STDOUT
        )

    async def consumed(self) -> int:
        """Conflict events this process has processed, as its ``/metrics`` counts them (0 while starting)."""
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                text = (await client.get(f"http://127.0.0.1:{self.port}/metrics")).text
        except httpx.TransportError:
            return 0
        return int(
            sum(
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("werkplaats_messages_total{")
                and f'topic="{SCHEDULING_CONFLICTS}"' in line
                and 'outcome="processed"' in line
            )
        )

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            self.popen.wait(timeout=30)


async def probe_until_both_consume(publisher: ConflictPublisher, processes: list[Process]) -> None:
    """Acknowledge probe conflicts under random keys until each process has consumed some."""

    async def both() -> bool:
        for _ in range(6):
            conflict_id = f"probe-{uuid.uuid4().hex}"
            probe = ConflictAcknowledged(conflict_id=conflict_id, reason="probe", acknowledged_by="probe")
            await publisher.producer.send_and_wait(
                SCHEDULING_CONFLICTS,
                encode_event(new_event(probe, source="scheduling")),
                key=conflict_id.encode(),
            )
        return all([await process.consumed() > 0 for process in processes])

    await wait_for(both, timeout=120, interval=0.5)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_processes_one_killed_mid_stream_deliver_each_conflict_exactly_once(
    kafka_bootstrap: str, unique: Callable[[str], str], database_url: str, tmp_path: Path
) -> None:
    wijk, buurten = fresh_wijk()
    database = Database(database_url)
    await upgrade(database, migrations_location())
    group = unique("notif-kill")
    async with WebhookReceiver() as receiver, ConflictPublisher(kafka_bootstrap) as publisher:
        request = {"webhook": {"url": receiver.url, "secret": SECRET}, "neighbourhoods": [wijk]}
        await subscriptions.add_subscription(
            database, subscriptions.SubscriptionRequest.model_validate(request), created_by="ops"
        )
        victim, survivor = (
            Process(kafka_bootstrap, database_url, group, tmp_path / f"{n}.log") for n in "ab"
        )
        try:
            await probe_until_both_consume(publisher, [victim, survivor])
            before = await victim.consumed()
            conflicts = [unique("c") for _ in range(2 * PART)]
            events = [detected(c, [unique("org")], buurten[n % 3]) for n, c in enumerate(conflicts)]
            sent = await publisher.send_many(events[:PART])
            counts: list[int] = []  # what the victim reported (a busy /metrics may answer nothing: 0)
            await wait_for(lambda: _grew(victim, before, counts), timeout=60, interval=0.02)
            worked = counts[-1] - before
            victim.popen.send_signal(signal.SIGKILL)
            victim.popen.wait(timeout=10)
            committed_at_kill = await committed_offsets(kafka_bootstrap, f"{group}-conflicts")
            sent += await publisher.send_many(events[PART:])  # the rest of the stream, after the kill
            await wait_for(lambda: len(receiver.unique()) >= 2 * PART, timeout=240, interval=0.2)
            await wait_until_committed(kafka_bootstrap, f"{group}-conflicts", next_offsets(sent), timeout=60)
            await wait_for(lambda: _all_delivered(database, 2 * PART), timeout=60, interval=0.2)
            assert await survivor.consumed() > 0
        finally:
            victim.stop()
            survivor.stop()
            await database.dispose()
    assert worked > 0, "the killed process had consumed nothing of the stream"
    assert committed_at_kill, "the group had committed nothing before the kill"
    assert receiver.bad_signatures == 0
    delivered = by_conflict(receiver.received)
    assert set(delivered) == set(conflicts)
    assert all(len(ids) == 1 for ids in delivered.values()), "a conflict was notified under two ids"
    assert len(receiver.unique()) == 2 * PART
    resent = sum(n - 1 for n in receiver.receipts.values())
    print(f"the killed process had consumed {worked} of the stream; resent with the same id after: {resent}")


async def _all_delivered(database: Database, wanted: int) -> bool:
    """Every delivery row is marked delivered: nothing is left to be sent again."""
    async with database.sessions() as session:
        rows = await session.execute(
            select(NotificationRow.status, func.count()).group_by(NotificationRow.status)
        )
        counts = {status: int(n) for status, n in rows.all()}
    return counts.get("delivered", 0) >= wanted and set(counts) == {"delivered"}


async def _grew(process: Process, before: int, counts: list[int]) -> bool:
    counts.append(await process.consumed())
    return counts[-1] > before
