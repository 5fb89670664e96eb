"""Deliveries handed from the deciding commit straight to the sender, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import collections
import functools
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from contracts import ConflictDetected, new_event
from notifications.channels import DeliveryError
from notifications.channels.dispatch import Channels
from notifications.channels.email import EmailChannel, SmtpConfig
from notifications.channels.webhook import WebhookChannel
from notifications.service import subscriptions
from notifications.service.decisions import Notifier
from notifications.service.handoff import Handoffs, Lease, Staged
from notifications.service.sending import Sender, SenderPolicy
from notifications.store import NotificationRow, SqlNotificationsUnitOfWork
from notifications.store.secrets import webhook_secrets
from support.testing import wait_for
from test_notifications_support import (
    SECRET,
    Clock,
    WebhookReceiver,
    detected,
    fresh_wijk,
    notifications_database,
)
from werkplaats.db import Database
from werkplaats.outbound import OutboundClient, OutboundPolicy, PooledOutboundClient


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with notifications_database(database_url) as database:
        yield database


def deciding(clock: Clock, handoff: Any) -> Notifier:
    notifier = Notifier(
        lambda slug: None, quiet=timedelta(seconds=60), smtp_endpoint="smtp://127.0.0.1:25", clock=clock
    )
    notifier.handoffs = Handoffs(handoff)
    return notifier


async def subscribe(database: Database, url: str, secret: str = SECRET) -> str:
    request = subscriptions.SubscriptionRequest.model_validate({"webhook": {"url": url, "secret": secret}})
    return (await subscriptions.add_subscription(database, request, created_by="ops")).subscription_id


async def decide(database: Database, notifier: Notifier, data: ConflictDetected) -> None:
    async with database.unit_of_work(SqlNotificationsUnitOfWork) as unit:
        await notifier.on_conflict_event(unit, new_event(data, source="scheduling"))


async def rows(database: Database) -> list[NotificationRow]:
    async with database.sessions() as session:
        return list((await session.scalars(select(NotificationRow))).all())


class DeadProcess:
    """A sender that leases deliveries and dies before it is handed them (as under SIGKILL)."""

    def __init__(self, clock: Clock, lease: timedelta) -> None:
        self.clock, self.lease_for = clock, lease

    def lease(self) -> Lease:
        return Lease("dead-process", self.clock() + self.lease_for)

    def take(self, staged: list[Staged], secrets: dict[str, str | None] | None = None) -> None:
        pass


async def _all_delivered(database: Database, count: int) -> bool:
    return [row.status for row in await rows(database)] == ["delivered"] * count


async def test_a_decided_delivery_is_sent_from_the_commit_without_a_claim(database: Database) -> None:
    _, buurten = fresh_wijk()
    await subscribe(database, "http://127.0.0.1:9/hook")
    clock = Clock()
    sent: Counter[str] = Counter()

    async def send(row: NotificationRow) -> None:
        sent[row.notification_id] += 1

    sender = Sender(database, send, SenderPolicy(), clock=clock)  # its claim loop is never started
    await decide(database, deciding(clock, sender), detected("c-handed", ["org-a"], buurten[0]))

    async def delivered() -> bool:
        return [row.status for row in await rows(database)] == ["delivered"]

    await wait_for(delivered, timeout=20)
    (row,) = await rows(database)
    assert sent == {row.notification_id: 1}
    assert row.attempts == 1


async def test_a_staged_delivery_is_claimed_by_no_one_until_its_lease_ends(database: Database) -> None:
    _, buurten = fresh_wijk()
    await subscribe(database, "http://127.0.0.1:9/hook")
    clock = Clock()
    lease = timedelta(seconds=30)
    await decide(
        database, deciding(clock, DeadProcess(clock, lease)), detected("c-dead", ["org-a"], buurten[0])
    )

    async def send(row: NotificationRow) -> None:
        pass

    survivor = Sender(database, send, SenderPolicy(lease=lease), clock=clock)
    assert await survivor.claim() == []
    clock.now += lease + timedelta(seconds=1)
    (claimed,) = await survivor.claim()
    await survivor.deliver(claimed)
    (row,) = await rows(database)
    assert (row.notification_id, row.status) == (claimed.notification_id, "delivered")


async def test_deliveries_handed_over_while_their_endpoint_backs_off_wait_for_it(database: Database) -> None:
    _, buurten = fresh_wijk()
    await subscribe(database, "http://127.0.0.1:9/hook")
    clock = Clock()
    sent: Counter[str] = Counter()

    async def refuse(row: NotificationRow) -> None:
        sent[row.notification_id] += 1
        raise DeliveryError("down")

    sender = Sender(database, refuse, SenderPolicy(retry_base_s=60), clock=clock)
    notifier = deciding(clock, sender)
    await decide(database, notifier, detected("c-first", ["org-a"], buurten[0]))

    async def retry_planned() -> bool:
        return [row.last_error for row in await rows(database)] == ["down"]

    await wait_for(retry_planned, timeout=20)
    await decide(database, notifier, detected("c-second", ["org-a"], buurten[0]))
    await wait_for(lambda: sender._unsent, timeout=20)
    assert await sender.claim() == []  # gives the second back; the endpoint is blocked for a minute
    assert len(sent) == 1
    by_conflict = {row.conflict_id: row for row in await rows(database)}
    assert by_conflict["c-second"].lease_until is None
    assert by_conflict["c-second"].attempts == 0
    clock.now += timedelta(minutes=2)
    assert {row.conflict_id for row in await sender.claim()} == {"c-first", "c-second"}


def webhook_channels(outbound: Any, one_by_one: Any, secrets_of: Any) -> Channels:
    """Channels sending webhooks through ``outbound``; e-mail to a closed local port (never used)."""
    return Channels(
        EmailChannel(
            SmtpConfig(host="127.0.0.1", port=9, sender="Werkplaats <noreply@werkplaats.local>"),
            "http://127.0.0.1:8000",
        ),
        WebhookChannel(outbound, "http://127.0.0.1:8000"),
        one_by_one,
        secrets_of=secrets_of,
    )


async def test_a_batch_is_signed_with_the_secrets_read_for_it_at_once(database: Database) -> None:
    _, buurten = fresh_wijk()
    async with WebhookReceiver() as receiver:
        for _ in range(3):
            await subscribe(database, receiver.url)
        clock = Clock(datetime.now(UTC))
        reads: list[set[str]] = []

        async def secrets_of(refs: Any) -> dict[str, str | None]:
            reads.append(set(refs))
            return await webhook_secrets(database, refs)

        async def one_by_one(ref: str) -> str | None:
            raise AssertionError(f"{ref}: read alone although its batch was prepared")

        outbound = OutboundClient(OutboundPolicy.parse("127.0.0.1/32"))
        channels = webhook_channels(outbound, one_by_one, secrets_of)
        sender = Sender(database, channels.send, SenderPolicy(), clock=clock, prepare=channels.prepare)
        try:
            await decide(database, deciding(clock, sender), detected("c-signed", ["org-a"], buurten[0]))
            await wait_for(lambda: len(receiver.unique()) == 3, timeout=20)
        finally:
            await outbound.aclose()
        assert receiver.bad_signatures == 0
        assert [len(refs) for refs in reads] == [3]


async def test_a_handed_over_batch_is_signed_with_the_secrets_read_with_its_decision(
    database: Database,
) -> None:
    _, buurten = fresh_wijk()
    async with WebhookReceiver() as receiver:
        for _ in range(3):
            await subscribe(database, receiver.url)
        clock = Clock(datetime.now(UTC))

        async def read_again(refs: Any) -> dict[str, str | None]:
            raise AssertionError(f"{set(refs)}: read again although handed over with the decision")

        async def one_by_one(ref: str) -> str | None:
            raise AssertionError(f"{ref}: read alone although handed over with the decision")

        outbound = PooledOutboundClient(OutboundPolicy.parse("127.0.0.1/32"))
        channels = webhook_channels(outbound, one_by_one, read_again)
        sender = Sender(
            database,
            channels.send,
            SenderPolicy(),
            clock=clock,
            prepare=channels.prepare,
            remember=channels.remember,
        )
        try:
            await decide(database, deciding(clock, sender), detected("c-known", ["org-a"], buurten[0]))
            await wait_for(lambda: len(receiver.unique()) == 3, timeout=20)
            await wait_for(lambda: _all_delivered(database, 3), timeout=20)
        finally:
            await outbound.aclose()
        assert receiver.bad_signatures == 0


async def test_a_webhook_removed_before_the_batch_was_read_fails_for_good(database: Database) -> None:
    _, buurten = fresh_wijk()
    subscription_id = await subscribe(database, "http://127.0.0.1:9/hook")
    clock = Clock()
    channels = webhook_channels(
        OutboundClient(OutboundPolicy.parse("127.0.0.1/32")),
        functools.partial(webhook_secrets_one, database),
        functools.partial(webhook_secrets, database),
    )
    staged: list[list[Staged]] = []
    holder = Sender(database, channels.send, SenderPolicy(), clock=clock, prepare=channels.prepare)

    class Holding:
        def lease(self) -> Lease:
            return holder.lease()

        def take(self, rows: list[Staged], secrets: dict[str, str | None] | None = None) -> None:
            staged.append(rows)

    await decide(database, deciding(clock, Holding()), detected("c-gone", ["org-a"], buurten[0]))
    assert await subscriptions.remove_subscription(database, subscription_id)
    holder.take(staged[0])

    async def failed() -> bool:
        return [row.status for row in await rows(database)] == ["failed"]

    await wait_for(failed, timeout=20)


async def webhook_secrets_one(database: Database, ref: str) -> str | None:
    return (await webhook_secrets(database, [ref]))[ref]


async def test_a_delivery_waiting_behind_a_slow_send_keeps_its_lease_and_its_place(
    database: Database,
) -> None:
    _, buurten = fresh_wijk()
    await subscribe(database, "http://127.0.0.1:9/hook")
    clock = Clock()
    dead = DeadProcess(clock, timedelta(seconds=1))
    for n in range(4):
        await decide(database, deciding(clock, dead), detected(f"c-slow-{n}", ["org-a"], buurten[0]))
        clock.now += timedelta(milliseconds=1)
    clock.now += timedelta(seconds=2)  # the dead process's leases are over: all four are due
    lease = timedelta(seconds=10)
    sending = asyncio.Event()
    release = asyncio.Event()
    sent: list[str] = []

    async def slow(row: NotificationRow) -> None:
        sending.set()
        await release.wait()
        sent.append(row.notification_id)

    policy = SenderPolicy(lease=lease, per_endpoint=1, ahead=2, mark_linger_s=0)
    holder = Sender(database, slow, policy, clock=clock)
    (first, *waiting) = await holder.claim()
    assert len(waiting) == 2  # one in flight, two waiting behind it
    holder.queued[first.endpoint] = collections.deque([first, *waiting])
    holder._dispatch(first.endpoint)
    await sending.wait()
    clock.now += timedelta(seconds=6)  # less than half of their leases left while they wait
    assert await holder.claim() == []  # the endpoint is full here; its waiting deliveries renewed
    clock.now += timedelta(seconds=4.5)  # past the leases they were claimed with
    other = Sender(database, slow, policy, clock=clock)
    (taken,) = await other.claim()  # another instance takes only the one the holder never claimed
    assert taken.notification_id not in {first.notification_id, *(row.notification_id for row in waiting)}
    release.set()

    async def holder_sent_its_three() -> bool:
        return len(sent) == 3

    await wait_for(holder_sent_its_three, timeout=20)
    assert sent == [first.notification_id, *(row.notification_id for row in waiting)]
    await holder.stop()
