"""Two notifications instances in one consumer group sharing one PostgreSQL database: each delivery once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from contracts import ConflictAcknowledged, encode_event, new_event
from contracts.topics import SCHEDULING_CONFLICTS
from notifications.main import NotificationsService, create_service
from notifications.service import subscriptions
from notifications.settings import NotificationsSettings
from notifications.store import NotificationRow
from support.testing import wait_for
from test_notifications_support import SECRET, ConflictPublisher, WebhookReceiver, detected, fresh_wijk

BURST = 300


class Instance:
    """One in-process notifications service, counting the events it consumed and the sends it made."""

    def __init__(self, service: NotificationsService) -> None:
        self.service = service
        self.consumed = 0
        self.sent = 0
        decide, send = service.notifier.on_conflict_event, service.sender.send

        async def counted_decide(unit: Any, envelope: Any) -> None:
            self.consumed += 1
            await decide(unit, envelope)

        async def counted_send(row: NotificationRow) -> None:
            self.sent += 1
            await send(row)

        service.notifier.on_conflict_event = counted_decide  # type: ignore[method-assign]
        service.sender.send = counted_send


async def probe_until_both_consume(publisher: ConflictPublisher, instances: list[Instance]) -> None:
    """Acknowledge harmless probe conflicts under random keys until every instance has consumed one."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while not all(instance.consumed for instance in instances):
        assert loop.time() < deadline, "both instances did not start consuming"
        for _ in range(6):
            conflict_id = f"probe-{uuid.uuid4().hex}"
            probe = ConflictAcknowledged(conflict_id=conflict_id, reason="probe", acknowledged_by="probe")
            await publisher.producer.send_and_wait(
                SCHEDULING_CONFLICTS,
                encode_event(new_event(probe, source="scheduling")),
                key=conflict_id.encode(),
            )
        await asyncio.sleep(0.5)  # the probes are on their way: give the consumers a moment


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_instances_in_one_group_deliver_each_conflict_once_to_every_subscriber(
    kafka_bootstrap: str, unique: Callable[[str], str], database_url: str
) -> None:
    wijk, buurten = fresh_wijk()
    group = unique("notif-scale")

    def settings() -> NotificationsSettings:
        return NotificationsSettings(
            database_url=database_url,
            consumer_group=group,
            retry_base_s=0.05,
            retry_max_s=0.2,
            sender_poll_s=0.1,
            sender_batch=25,
            tick_s=0.2,
        )

    instances = [Instance(create_service(settings(), bootstrap_servers=kafka_bootstrap)) for _ in range(2)]
    database = instances[0].service.runtime.database
    await asyncio.gather(*(instance.service.runtime.start() for instance in instances))
    try:
        async with (
            WebhookReceiver(fail_first=1) as flaky,
            WebhookReceiver() as steady,
            WebhookReceiver() as other,
            ConflictPublisher(kafka_bootstrap) as publisher,
        ):
            receivers = {}
            for receiver in (flaky, steady, other):
                request = {"webhook": {"url": receiver.url, "secret": SECRET}, "neighbourhoods": [wijk]}
                view = await subscriptions.add_subscription(
                    database, subscriptions.SubscriptionRequest.model_validate(request), created_by="ops"
                )
                receivers[view.subscription_id] = receiver
            await probe_until_both_consume(publisher, instances)
            conflicts = [unique("c") for _ in range(BURST)]
            await publisher.send_many(
                [detected(c, [unique("org")], buurten[n % 3]) for n, c in enumerate(conflicts)]
            )
            await wait_for(lambda: all(len(r.unique()) >= BURST for r in receivers.values()), timeout=90)
            await wait_for(lambda: _all_delivered(database, 3 * BURST), timeout=30, interval=0.2)
    finally:
        await asyncio.gather(*(instance.service.runtime.stop() for instance in instances))
    for receiver in receivers.values():
        assert receiver.bad_signatures == 0
        assert set(receiver.receipts.values()) == {1}, "a delivery id arrived twice"
        per_conflict = Counter(body["conflict_id"] for body in receiver.received)
        assert set(per_conflict) == set(conflicts)
        assert set(per_conflict.values()) == {1}, "a subscriber heard about a conflict twice"
    assert all(tries == 2 for tries in flaky.tries.values())
    assert all(instance.consumed > 0 for instance in instances), "the group did not share the partitions"
    assert all(instance.sent > 0 for instance in instances), "one sender did all the work"
    assert sum(instance.sent for instance in instances) == 4 * BURST  # the flaky receiver's retries
    print(
        "consumed per instance:",
        [instance.consumed for instance in instances],
        "sent:",
        [instance.sent for instance in instances],
    )


async def _all_delivered(database: Any, wanted: int) -> bool:
    async with database.sessions() as session:
        done = await session.scalar(
            select(func.count()).select_from(NotificationRow).where(NotificationRow.status == "delivered")
        )
    return int(done or 0) >= wanted
