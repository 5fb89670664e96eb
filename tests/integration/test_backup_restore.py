"""A notifications database restored from a dump into the running system: no delivery is made twice.

Deliveries before the dump, more after it, then the dump restored and the events since it read again
from the real broker: the inbox drops what the dump holds, the deliveries on notifications.deliveries
are taken in first, and every webhook receives each delivery exactly once (on SQLite and PostgreSQL).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from aiokafka.structs import RecordMetadata
from sqlalchemy import func, select

from notifications.main import SERVICE, create_service
from notifications.service import subscriptions
from notifications.service.reconcile import settled_since
from notifications.settings import NotificationsSettings
from notifications.store import FeedRow, NotificationRow
from support.testing import next_offsets, wait_for, wait_until_committed
from test_notifications_support import SECRET, ConflictPublisher, WebhookReceiver, detected, fresh_wijk
from werkplaats.backup import dump
from werkplaats.db import Database
from werkplaats.recovery import restore_service
from werkplaats.services import ServiceDefinition


async def with_status(database: Database, url: str, status: str) -> int:
    """How many deliveries to the webhook at ``url`` have ``status``."""
    async with database.sessions() as session:
        query = (
            select(func.count())
            .select_from(NotificationRow)
            .where(NotificationRow.address == url, NotificationRow.status == status)
        )
        return int(await session.scalar(query) or 0)


async def publish(publisher: ConflictPublisher, conflicts: list[str], buurt: str) -> list[RecordMetadata]:
    return [
        await publisher.send(detected(conflict, ["staedion", "haag-wonen"], buurt)) for conflict in conflicts
    ]


async def outcomes_on_the_topic(bootstrap: str, since: datetime, ids: set[str]) -> bool:
    return ids <= set(await settled_since(bootstrap, since))


class Stack:
    """The notifications service, started and stopped like a deployment would."""

    def __init__(self, settings: NotificationsSettings, bootstrap: str) -> None:
        self.settings = settings
        self.bootstrap = bootstrap
        self.service = create_service(settings, bootstrap_servers=bootstrap)

    @property
    def database(self) -> Database:
        return self.service.runtime.database

    async def __aenter__(self) -> Stack:
        await self.service.runtime.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.service.runtime.stop()


CaughtUp = Callable[[Database, WebhookReceiver], Awaitable[bool]]


async def deliver_restore_and_replay(
    definition: ServiceDefinition,
    caught_up: CaughtUp,
    kafka_bootstrap: str,
    unique: Callable[[str], str],
    database_url: str,
    tmp_path: Path,
) -> WebhookReceiver:
    """Five deliveries, a dump, five more, the dump restored, the service run again until ``caught_up``."""
    _, buurten = fresh_wijk()
    settings = NotificationsSettings(
        database_url=database_url,
        consumer_group=unique("restore"),
        retry_base_s=0.2,
        retry_max_s=1.0,
        sender_poll_s=0.1,
        tick_s=0.2,
    )
    group = f"{settings.consumer_group}-conflicts"
    started = datetime.now(UTC)
    before, after = [unique("before") for _ in range(5)], [unique("after") for _ in range(5)]
    receiver = WebhookReceiver()
    async with receiver, ConflictPublisher(kafka_bootstrap) as publisher:
        async with Stack(settings, kafka_bootstrap) as stack:
            await publisher.probe(lambda: fed(stack.database))
            request = subscriptions.SubscriptionRequest.model_validate(
                {"webhook": {"url": receiver.url, "secret": SECRET}, "neighbourhoods": [buurten[0]]}
            )
            await subscriptions.add_subscription(stack.database, request, created_by="ops")
            sent = await publish(publisher, before, buurten[0])
            await wait_until_committed(kafka_bootstrap, group, next_offsets(sent), timeout=60)
            await wait_for(lambda: len(receiver.unique()) == 5, timeout=30)
            dump("notifications", database_url, tmp_path / "notifications.dump")
            sent = await publish(publisher, after, buurten[0])
            await wait_until_committed(kafka_bootstrap, group, next_offsets(sent), timeout=60)
            await wait_for(lambda: len(receiver.unique()) == 10, timeout=30)
            await wait_for(
                lambda: outcomes_on_the_topic(kafka_bootstrap, started, set(receiver.unique())), timeout=30
            )
        await restore_service(
            definition, settings, tmp_path / "notifications.dump", bootstrap=kafka_bootstrap
        )
        async with Stack(settings, kafka_bootstrap) as stack:
            await wait_until_committed(kafka_bootstrap, group, next_offsets(sent), timeout=60)
            await wait_for(lambda: caught_up(stack.database, receiver), timeout=90)
    return receiver


async def all_ten_delivered(database: Database, receiver: WebhookReceiver) -> bool:
    delivered = await with_status(database, receiver.url, "delivered")
    return delivered == 10 and await with_status(database, receiver.url, "pending") == 0


def later(receiver: WebhookReceiver) -> set[str]:
    """The deliveries of the conflicts published after the dump."""
    bodies = receiver.unique().items()
    return {delivery for delivery, body in bodies if body["conflict_id"].startswith("after")}


async def later_ones_received_again(_: Database, receiver: WebhookReceiver) -> bool:
    return all(receiver.receipts[delivery] == 2 for delivery in later(receiver))


async def fed(database: Database) -> bool:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(FeedRow)) or 0) > 0


async def test_a_restored_dump_replays_the_events_since_it_and_delivers_nothing_twice(
    kafka_bootstrap: str, unique: Callable[[str], str], database_url: str, tmp_path: Path
) -> None:
    receiver = await deliver_restore_and_replay(
        SERVICE, all_ten_delivered, kafka_bootstrap, unique, database_url, tmp_path
    )
    assert len(receiver.unique()) == 10
    assert set(receiver.receipts.values()) == {1}, "a delivery was made twice"


async def test_without_taking_in_the_deliveries_the_replay_would_send_the_later_ones_again(
    kafka_bootstrap: str, unique: Callable[[str], str], database_url: str, tmp_path: Path
) -> None:
    forgetful = dataclasses.replace(SERVICE, reconcile=None)
    receiver = await deliver_restore_and_replay(
        forgetful, later_ones_received_again, kafka_bootstrap, unique, database_url, tmp_path
    )
    twice = {delivery for delivery, count in receiver.receipts.items() if count == 2}
    assert len(later(receiver)) == 5
    assert later(receiver) <= twice, "the replay sent the deliveries made after the dump again"
