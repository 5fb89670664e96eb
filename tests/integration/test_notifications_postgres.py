"""Notifications on both databases (SQLite and PostgreSQL): claims, upserts, follow-ups, digests, delivery."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from contracts import ConflictDetected, ConflictResolved, Envelope, EventData, encode_event, new_event
from contracts.topics import SCHEDULING_CONFLICTS
from notifications.main import create_service
from notifications.service import subscriptions
from notifications.service.decisions import Notifier
from notifications.service.digests import run_digests
from notifications.service.sending import Sender, SenderPolicy
from notifications.settings import NotificationsSettings
from notifications.store import (
    ConflictRow,
    DigestItemRow,
    EndpointRow,
    FeedRow,
    NotificationRow,
    SqlNotificationsUnitOfWork,
)
from support.testing import next_offsets, wait_for, wait_until_committed
from test_notifications_support import (
    NOW,
    SECRET,
    Clock,
    ConflictPublisher,
    WebhookReceiver,
    detected,
    fresh_wijk,
    notifications_database,
    resolved,
)
from werkplaats.db import Database

HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with notifications_database(database_url) as database:
        yield database


def notifier(database: Database, clock: Clock, quiet_s: float = 60) -> Notifier:
    return Notifier(
        lambda slug: None,
        quiet=timedelta(seconds=quiet_s),
        smtp_endpoint="smtp://127.0.0.1:25",
        clock=clock,
    )


def envelope(data: ConflictDetected | ConflictResolved) -> Envelope[EventData]:
    return new_event(data, source="scheduling")


async def subscribe(database: Database, **fields: Any) -> str:
    request = subscriptions.SubscriptionRequest.model_validate(fields)
    return (await subscriptions.add_subscription(database, request, created_by="ops")).subscription_id


async def decide(database: Database, notifier: Notifier, data: ConflictDetected | ConflictResolved) -> None:
    async with database.unit_of_work(SqlNotificationsUnitOfWork) as unit:
        await notifier.on_conflict_event(unit, envelope(data))


async def race(database: Database, runs: list[Coroutine[Any, Any, int]]) -> list[int]:
    """Run ``runs`` at once: PostgreSQL locks rows so all succeed; on SQLite losers may fail."""
    results = await asyncio.gather(*runs, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    if not database.is_sqlite or not all(isinstance(f, DBAPIError) for f in failures):
        assert failures == []
    return [r for r in results if isinstance(r, int)]


async def count(database: Database, row: Any) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(row)) or 0)


async def test_racing_senders_claim_every_delivery_exactly_once(database: Database) -> None:
    _, buurten = fresh_wijk()
    for n in range(4):
        await subscribe(database, webhook={"url": f"http://127.0.0.1:9/hook{n}", "secret": SECRET})
    clock = Clock()
    decider = notifier(database, clock)
    for n in range(60):
        await decide(database, decider, detected(f"c-{n}", [f"org-{n}"], buurten[0]))
    assert await count(database, NotificationRow) == 240
    sent: Counter[str] = Counter()

    async def send(row: NotificationRow) -> None:
        sent[row.notification_id] += 1

    policy = SenderPolicy(batch=7, per_endpoint=3)
    senders = [Sender(database, send, policy, clock=clock) for _ in range(4)]

    async def drain(sender: Sender) -> None:
        while claimed := await sender.claim():
            await asyncio.gather(*(sender.deliver(row) for row in claimed))

    await asyncio.gather(*(drain(sender) for sender in senders))
    assert len(sent) == 240
    assert set(sent.values()) == {1}
    async with database.sessions() as session:
        statuses = Counter((await session.scalars(select(NotificationRow.status))).all())
        attempts = set((await session.scalars(select(NotificationRow.attempts))).all())
    assert statuses == {"delivered": 240}
    assert attempts == {1}


async def test_an_expired_lease_is_claimed_again_and_the_late_mark_is_ignored(database: Database) -> None:
    await subscribe(database, webhook={"url": HOOK, "secret": SECRET})
    clock = Clock()
    await decide(database, notifier(database, clock), detected("c-lease", ["org-a"], "BU99999901"))
    policy = SenderPolicy(lease=timedelta(seconds=30))
    first, second = (Sender(database, _ok, policy, clock=clock) for _ in range(2))
    (claimed,) = await first.claim()
    assert await second.claim() == []
    clock.now += timedelta(seconds=31)
    (again,) = await second.claim()
    assert again.notification_id == claimed.notification_id
    assert again.attempts == 2
    await first.deliver(claimed)  # the first owner's lease has gone: its mark changes nothing
    async with database.sessions() as session:
        row = await session.get(NotificationRow, claimed.notification_id)
        assert row is not None
        assert row.status == "pending"
    await second.deliver(again)
    async with database.sessions() as session:
        row = await session.get(NotificationRow, claimed.notification_id)
        assert row is not None
        assert row.status == "delivered"


async def _ok(_: NotificationRow) -> None:
    return None


async def test_concurrent_failures_of_one_endpoint_share_one_backoff_row(database: Database) -> None:
    await subscribe(database, webhook={"url": HOOK, "secret": SECRET})
    clock = Clock()
    decider = notifier(database, clock)
    for n in range(12):
        await decide(database, decider, detected(f"c-fail-{n}", [f"org-{n}"], "BU99999901"))

    async def refuse(_: NotificationRow) -> None:
        from notifications.channels import DeliveryError

        raise DeliveryError("webhook answered 503")

    senders = [Sender(database, refuse, SenderPolicy(per_endpoint=12), clock=clock) for _ in range(2)]
    batches = await asyncio.gather(*(sender.claim() for sender in senders))
    assert sum(len(batch) for batch in batches) == 12
    await asyncio.gather(
        *(sender.deliver(row) for sender, batch in zip(senders, batches, strict=True) for row in batch)
    )
    async with database.sessions() as session:
        (endpoint,) = (await session.scalars(select(EndpointRow))).all()
        pending = (await session.scalars(select(NotificationRow))).all()
    assert endpoint.failures == 1, "one burst of failures counts once: the backoff was already running"
    assert {row.status for row in pending} == {"pending"}
    assert all(row.next_attempt_at.replace(tzinfo=UTC) > NOW for row in pending)
    assert await senders[0].claim() == [], "the endpoint is backing off"


async def test_racing_follow_up_runs_announce_a_changed_conflict_once(database: Database) -> None:
    await subscribe(database, webhook={"url": HOOK, "secret": SECRET})
    clock = Clock()
    decider = notifier(database, clock, quiet_s=60)
    await decide(database, decider, detected("c-flap", ["org-a"], "BU99999901"))
    clock.now += timedelta(seconds=10)
    await decide(database, decider, resolved("c-flap"))
    clock.now += timedelta(seconds=60)

    async def follow_ups() -> int:
        async with database.unit_of_work(SqlNotificationsUnitOfWork) as unit:
            return await decider.run_follow_ups(unit)

    outcomes = await race(database, [follow_ups() for _ in range(4)])
    assert sum(outcomes) >= 1
    await follow_ups()
    async with database.sessions() as session:
        kinds = sorted(
            (row.announced_type, row.follow_up) for row in await session.scalars(select(NotificationRow))
        )
        state = await session.get(ConflictRow, "c-flap")
    assert kinds == [("conflict.detected", False), ("conflict.resolved", True)]
    assert state is not None
    assert state.follow_up_due is None


async def test_racing_digest_runs_record_one_digest(database: Database) -> None:
    subscription = await subscribe(database, email="wijk@example.org", delivery="digest", digest_at="08:00")
    clock = Clock(datetime(2031, 3, 4, 6, 0, tzinfo=UTC))  # 07:00 in Amsterdam: before the digest
    decider = notifier(database, clock)
    for n in range(3):
        await decide(database, decider, detected(f"c-digest-{n}", ["org-a"], f"BU9999990{n + 1}"))
    assert await count(database, NotificationRow) == 0, "collected for the digest, not sent at once"
    clock.now = datetime(2031, 3, 4, 7, 30, tzinfo=UTC)  # 08:30 in Amsterdam

    async def digests() -> int:
        async with database.unit_of_work(SqlNotificationsUnitOfWork) as unit:
            return await run_digests(unit, decider)

    recorded = await race(database, [digests() for _ in range(3)])
    assert sum(recorded) == 1
    assert await digests() == 0
    async with database.sessions() as session:
        digest = (
            await session.scalars(
                select(NotificationRow).where(NotificationRow.recipient_ref == f"subscription:{subscription}")
            )
        ).one()
        items = (await session.scalars(select(DigestItemRow))).all()
    assert digest.payload["day"] == "2031-03-04"
    assert datetime.fromisoformat(digest.payload["decided_at"]) == datetime(2031, 3, 4, 7, 0, tzinfo=UTC)
    assert {item.digest_id for item in items} == {digest.notification_id}


@pytest.mark.parametrize(
    ("change", "first_due"),
    [
        # summer time starts: 02:30 is skipped, the digest comes at 03:30 summer time (01:30 UTC)
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        (datetime(2027, 3, 28, 1, 0, tzinfo=UTC), datetime(2027, 3, 28, 1, 30, tzinfo=UTC)),
        # summer time ends: 02:30 comes twice, the digest comes the first time (00:30 UTC)
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (datetime(2027, 10, 31, 1, 0, tzinfo=UTC), datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),
    ],
    ids=["spring-2026", "spring-2027", "autumn-2026", "autumn-2027"],
)
async def test_a_digest_in_the_changed_hour_comes_once_and_never_early(
    database: Database, change: datetime, first_due: datetime
) -> None:
    await subscribe(database, email="nacht@example.org", delivery="digest", digest_at="02:30")
    clock = Clock(change - timedelta(hours=3))
    decider = notifier(database, clock)

    async def digests() -> int:
        async with database.unit_of_work(SqlNotificationsUnitOfWork) as unit:
            return await run_digests(unit, decider)

    await decide(database, decider, detected("c-before", ["org-a"], "BU99999901"))
    recorded: list[datetime] = []
    while clock.now < change + timedelta(hours=3):  # every 5 minutes, a conflict and a digest run
        clock.now += timedelta(minutes=5)
        await decide(database, decider, detected(f"c-{clock.now:%H%M}", ["org-a"], "BU99999901"))
        if await digests():
            recorded.append(clock.now)
    assert recorded == [first_due]
    async with database.sessions() as session:
        (digest,) = (await session.scalars(select(NotificationRow))).all()
    assert datetime.fromisoformat(digest.payload["decided_at"]) == first_due
    assert digest.payload["day"] == change.date().isoformat()


async def test_a_redelivered_conflict_event_is_fed_and_decided_once(
    kafka_bootstrap: str, unique: Callable[[str], str], database_url: str
) -> None:
    wijk, buurten = fresh_wijk()
    settings = NotificationsSettings(
        database_url=database_url,
        consumer_group=unique("notif"),
        retry_base_s=0.2,
        retry_max_s=1.0,
        sender_poll_s=0.1,
        tick_s=0.2,
    )
    service = create_service(settings, bootstrap_servers=kafka_bootstrap)
    database = service.runtime.database
    await service.runtime.start()
    try:
        async with WebhookReceiver(fail_first=1) as receiver, ConflictPublisher(kafka_bootstrap) as publisher:
            await publisher.probe(lambda: _fed(database))
            await subscribe(database, webhook={"url": receiver.url, "secret": SECRET}, neighbourhoods=[wijk])
            conflicts = [unique("c") for _ in range(20)]
            events = [
                new_event(detected(c, [unique("org")], buurten[0]), source="scheduling") for c in conflicts
            ]
            sent = [
                await publisher.producer.send_and_wait(
                    SCHEDULING_CONFLICTS, encode_event(event), key=conflict_key(event)
                )
                for event in [*events, *events[:5]]  # five delivered twice
            ]
            group = f"{settings.consumer_group}-conflicts"
            await wait_until_committed(kafka_bootstrap, group, next_offsets(sent), timeout=60)
            await wait_for(lambda: _all_delivered(database, 20), timeout=30)
            assert await count(database, NotificationRow) == 20, "the re-sent events decided nothing new"
            assert len(receiver.unique()) == 20
        assert set(receiver.receipts.values()) == {1}
        assert receiver.bad_signatures == 0
        assert {body["conflict_id"] for body in receiver.received} == set(conflicts)
    finally:
        await service.runtime.stop()


def conflict_key(event: Envelope[Any]) -> bytes:
    return str(event.data.conflict_id).encode()


async def _fed(database: Database) -> bool:
    return await count(database, FeedRow) > 0


async def _all_delivered(database: Database, wanted: int) -> bool:
    async with database.sessions() as session:
        done = await session.scalar(
            select(func.count()).select_from(NotificationRow).where(NotificationRow.status == "delivered")
        )
    return int(done or 0) >= wanted
