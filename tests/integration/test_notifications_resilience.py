"""The notifications service killed mid-burst and restarted: every subscriber gets every message once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka.structs import RecordMetadata
from sqlalchemy import func, select

from notifications.main import migrations_location
from notifications.service import subscriptions
from notifications.store import EndpointRow, FeedRow, NotificationRow
from support.testing import committed_offsets, next_offsets, wait_for
from test_notifications_support import (
    SECRET,
    ConflictPublisher,
    SmtpSink,
    WebhookReceiver,
    by_conflict,
    detected,
    free_port,
    fresh_wijk,
)
from werkplaats.db import Database
from werkplaats.migrations import upgrade

BURST = 1000
SUBSCRIBER = "ops@example.org"


def start(
    bootstrap: str, database_url: str, group: str, smtp_port: int, log: Path
) -> subprocess.Popen[bytes]:
    environment = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "NOTIFICATIONS_DATABASE_URL": database_url,
        "NOTIFICATIONS_CONSUMER_GROUP": group,
        "NOTIFICATIONS_HTTP_PORT": str(free_port()),
        "NOTIFICATIONS_BATCH_SIZE": "50",
        "NOTIFICATIONS_SMTP_PORT": str(smtp_port),
        "NOTIFICATIONS_LEASE_S": "3",
        "NOTIFICATIONS_WEBHOOK_TIMEOUT_S": "1.5",  # the lease outlasts two attempts
        "NOTIFICATIONS_SMTP_TIMEOUT_S": "1.5",
        "NOTIFICATIONS_RETRY_BASE_S": "0.2",
        "NOTIFICATIONS_RETRY_MAX_S": "1",
        "WERKPLAATS_LOG_LEVEL": "INFO",  # what the process did, printed if the test fails,
    }
    command = [sys.executable, "-m", "werkplaats", "run", "notifications"]
    return subprocess.Popen(command, env=environment, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def test_killed_during_a_burst_every_subscriber_gets_every_message_exactly_once(
    kafka_bootstrap: str, unique: Any, tmp_path: Path
) -> None:
    wijk, buurten = fresh_wijk()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}"
    database = Database(database_url)
    await upgrade(database, migrations_location())
    log, group = tmp_path / "notifications.log", unique("notif")
    async with WebhookReceiver(fail_first=1) as flaky, WebhookReceiver() as steady:
        with SmtpSink() as smtp:
            for receiver in (flaky, steady):
                request = {"webhook": {"url": receiver.url, "secret": SECRET}, "neighbourhoods": [wijk]}
                await subscriptions.add_subscription(
                    database, subscriptions.SubscriptionRequest.model_validate(request), created_by="ops"
                )
            email = subscriptions.SubscriptionRequest.model_validate(
                {"email": SUBSCRIBER, "neighbourhoods": [wijk]}
            )
            await subscriptions.add_subscription(database, email, created_by="ops")
            process = start(kafka_bootstrap, database_url, group, smtp.port, log)
            try:
                async with ConflictPublisher(kafka_bootstrap) as publisher:
                    await publisher.probe(lambda: _fed(database), timeout=120)
                    conflicts = [unique("c") for _ in range(BURST)]
                    sent = await publisher.send_many(
                        [detected(c, [unique("org")], buurten[n % 3]) for n, c in enumerate(conflicts)]
                    )
                await wait_for(lambda: len(steady.unique()) >= BURST // 5, timeout=120, interval=0.05)
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
                killed_at = len(steady.unique())
                process = start(kafka_bootstrap, database_url, group, smtp.port, log)
                restarted = time.monotonic()
                try:
                    for receiver in (flaky, steady):
                        await wait_for(lambda r=receiver: len(r.unique()) >= BURST, timeout=300, interval=0.5)
                    await wait_for(lambda: len(_mail_ids(smtp)) >= BURST, timeout=300, interval=0.5)
                    caught_up_s = time.monotonic() - restarted
                except AssertionError:
                    receivers = {"flaky": flaky, "steady": steady}
                    print(await _what_is_missing(database, conflicts, receivers, smtp))
                    print(await _consumed_so_far(kafka_bootstrap, f"{group}-conflicts", sent, log))
                    raise
            finally:
                process.terminate()
                process.wait(timeout=30)
                await database.dispose()
    assert killed_at < BURST, "the kill came after the burst was delivered"
    for receiver in (flaky, steady):
        assert receiver.bad_signatures == 0
        delivered = by_conflict(receiver.received)
        assert set(delivered) == set(conflicts)
        assert all(len(ids) == 1 for ids in delivered.values()), "a conflict was notified twice"
    mails = Counter(m["X-Werkplaats-Conflict"] for m in _subscribers_mail(smtp))
    assert set(mails) == set(conflicts)
    assert len(_mail_ids(smtp)) == BURST
    resent = sum(n - 1 for r in (flaky, steady) for n in r.receipts.values()) + sum(mails.values()) - BURST
    print(
        f"killed after {killed_at} deliveries; all delivered {caught_up_s:.0f} s after the restart; "
        f"resent with the same id after the kill: {resent}"
    )


async def _what_is_missing(
    database: Database, conflicts: list[str], receivers: dict[str, WebhookReceiver], smtp: SmtpSink
) -> str:
    """Which conflicts each recipient lacks, and the state of every delivery not yet delivered."""
    lines = [
        f"{name}: {sorted(set(conflicts) - set(by_conflict(r.received)))[:10]} missing, "
        f"{len(r.unique())} received"
        for name, r in receivers.items()
    ]
    mailed = {m["X-Werkplaats-Conflict"] for m in _subscribers_mail(smtp)}
    lines.append(f"e-mail: {sorted(set(conflicts) - mailed)[:10]} missing, {len(_mail_ids(smtp))} received")
    columns = (
        NotificationRow.endpoint,
        NotificationRow.status,
        NotificationRow.attempts,
        NotificationRow.next_attempt_at,
        NotificationRow.lease_until,
        NotificationRow.last_error,
    )
    async with database.sessions() as session:
        rows = (await session.execute(select(*columns).where(NotificationRow.status != "delivered"))).all()
        endpoints = (await session.execute(select(EndpointRow))).scalars().all()
    lines.append(f"now {datetime.now(UTC).isoformat()}; {len(rows)} deliveries not delivered, e.g.:")
    lines += [f"  {tuple(row)}" for row in rows[:20]]
    lines += [
        f"  endpoint {e.endpoint}: {e.failures} failures, blocked until {e.blocked_until}" for e in endpoints
    ]
    return "\n".join(lines)


async def _consumed_so_far(bootstrap: str, group: str, sent: list[RecordMetadata], log: Path) -> str:
    """The conflicts consumer's committed offsets against the burst's, and the process's last log lines."""
    committed = await committed_offsets(bootstrap, group)
    lines = [
        f"partition {tp.partition}: committed {committed.get(tp)}, burst ends at {offset}"
        for tp, offset in sorted(next_offsets(sent).items())
    ]
    quiet = ("webhook_delivered", "email_sent", "notification_retry")
    lines_logged = log.read_text(errors="replace").splitlines()
    events = [line for line in lines_logged if not any(q in line for q in quiet)]
    return "\n".join([*lines, "last log lines, deliveries left out:", *events[-40:]])


def _subscribers_mail(smtp: SmtpSink) -> list[Any]:
    """The mail to this test's subscriber (on the shared broker, other tests' organisations get mail too)."""
    return [m for m in smtp.messages if str(m["To"]) == SUBSCRIBER]


def _mail_ids(smtp: SmtpSink) -> set[str]:
    return {str(m["Message-ID"]) for m in _subscribers_mail(smtp)}


async def _fed(database: Database) -> bool:
    async with database.sessions() as session:
        return bool(await session.scalar(select(func.count()).select_from(FeedRow)))
