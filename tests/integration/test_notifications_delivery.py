"""Notifications on a real broker: e-mail over real SMTP, signed webhooks, retries, failures, flapping."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from contracts import OrganisationRole
from contracts.topics import NOTIFICATIONS_DELIVERIES, dead_letter
from notifications.main import NotificationsService, create_service
from notifications.service import subscriptions
from notifications.settings import NotificationsSettings
from notifications.store import ConflictRow, FeedRow, NotificationRow
from support.testing import next_offsets, read_topic, wait_for, wait_until_committed
from test_notifications_support import (
    SECRET,
    ConflictPublisher,
    SmtpSink,
    WebhookReceiver,
    by_conflict,
    detected,
    fresh_wijk,
    resolved,
)
from werkplaats.organisations import add_organisation

Start = Callable[..., Any]


@pytest.fixture
async def start_service(
    kafka_bootstrap: str, unique: Callable[[str], str], tmp_path: Path
) -> AsyncIterator[Start]:
    started: list[NotificationsService] = []

    async def start(**overrides: Any) -> NotificationsService:
        defaults: dict[str, Any] = {
            "database_url": f"sqlite+aiosqlite:///{tmp_path / unique('n')}.db",
            "consumer_group": unique("notif"),
            "retry_base_s": 0.2,
            "retry_max_s": 1.0,
            "sender_poll_s": 0.1,
            "tick_s": 0.2,
        }
        settings = NotificationsSettings(**(defaults | overrides))
        service = create_service(settings, bootstrap_servers=kafka_bootstrap)
        await service.runtime.start()
        started.append(service)
        async with ConflictPublisher(kafka_bootstrap) as publisher:
            await publisher.probe(lambda: _fed(service))
        return service

    yield start
    for service in started:
        await service.runtime.stop()


async def _fed(service: NotificationsService) -> bool:
    async with service.runtime.database.sessions() as session:
        return bool(await session.scalar(select(func.count()).select_from(FeedRow)))


async def subscribe(service: NotificationsService, **fields: Any) -> str:
    request = subscriptions.SubscriptionRequest.model_validate(fields)
    return (
        await subscriptions.add_subscription(service.runtime.database, request, created_by="ops")
    ).subscription_id


async def outcomes(bootstrap: str, ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for record in await read_topic(bootstrap, NOTIFICATIONS_DELIVERIES, timeout=30):
        document = json.loads(record.value)
        if document["data"]["notification_id"] in ids:
            found.setdefault(document["data"]["notification_id"], []).append(document)
    return found


async def test_an_email_reaches_the_smtp_server_multipart_in_dutch_and_english(
    kafka_bootstrap: str, unique: Callable[[str], str], start_service: Start
) -> None:
    wijk, buurten = fresh_wijk()
    organiser = unique("staedion")
    await add_organisation(
        kafka_bootstrap,
        organiser,
        name="Staedion Zuidwest",
        role=OrganisationRole.PARTNER,
        contact_email="planning@staedion.example",
    )
    with SmtpSink() as smtp:
        service = await start_service(smtp_port=smtp.port, dashboard_url="https://dash.example")
        await subscribe(
            service, email="coördinator@werkplaats.example".replace("ö", "o"), neighbourhoods=[wijk]
        )
        async with ConflictPublisher(kafka_bootstrap) as publisher:
            await publisher.send(detected(unique("c"), [organiser, unique("other")], buurten[0]))
        await wait_for(lambda: len(smtp.messages) == 2, timeout=60)
    recipients = sorted(str(m["To"]) for m in smtp.messages)
    assert recipients == ["coordinator@werkplaats.example", "planning@staedion.example"]
    for message in smtp.messages:
        assert message.get_content_type() == "multipart/alternative"
        parts = list(message.iter_parts())
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
        assert all(p.get_content_charset() == "utf-8" for p in parts)
        text, html = (p.get_content() for p in parts)
        assert "coördinatie is nodig" in text
        assert "coördinatie is nodig" in html
        assert text.index("Conflict in de planning") < text.index("Planning conflict")
        assert "Staedion Zuidwest" in text
        assert "https://dash.example/conflicts/" in html
        assert "Andere mogelijke starttijden" in text
        assert message["Subject"].startswith("Werkplaats — Conflict in de planning")
        assert message["From"]
        assert message["Date"]
        assert message["Message-ID"].endswith("@werkplaats.local>")


async def test_a_retry_is_sent_when_its_endpoints_backoff_ends_not_a_poll_later(
    kafka_bootstrap: str, unique: Callable[[str], str], start_service: Start
) -> None:
    wijk, buurten = fresh_wijk()
    async with WebhookReceiver(fail_first=1) as flaky:
        # the claim loop would look for the retry only every 30 s; the backoff ends after 0.2 s
        service = await start_service(sender_poll_s=30)
        await subscribe(service, webhook={"url": flaky.url, "secret": SECRET}, neighbourhoods=[wijk])
        async with ConflictPublisher(kafka_bootstrap) as publisher:
            await publisher.send(detected(unique("c"), [unique("org")], buurten[1]))
        await wait_for(lambda: flaky.tries, timeout=60)
        failed_at = time.monotonic()
        await wait_for(flaky.unique, timeout=60)
        assert time.monotonic() - failed_at < 10, "the retry waited for the poll"
        assert set(flaky.tries.values()) == {2}


async def test_a_receiver_failing_its_first_tries_gets_each_event_once_signed(
    kafka_bootstrap: str, unique: Callable[[str], str], start_service: Start
) -> None:
    wijk, buurten = fresh_wijk()
    async with WebhookReceiver(fail_first=2) as flaky, WebhookReceiver() as steady:
        service = await start_service()
        for receiver in (flaky, steady):
            await subscribe(service, webhook={"url": receiver.url, "secret": SECRET}, neighbourhoods=[wijk])
        conflicts = [unique("c") for _ in range(5)]
        async with ConflictPublisher(kafka_bootstrap) as publisher:
            for conflict_id in conflicts:
                await publisher.send(detected(conflict_id, [unique("org")], buurten[1]))
        for receiver in (flaky, steady):
            await wait_for(lambda r=receiver: len(r.unique()) == 5, timeout=60)
        assert all(n >= 3 for n in flaky.tries.values())
        for receiver in (flaky, steady):
            assert receiver.bad_signatures == 0
            assert set(receiver.receipts.values()) == {1}
            assert {cid: len(ids) for cid, ids in by_conflict(receiver.received).items()} == dict.fromkeys(
                conflicts, 1
            )
        ids = set(flaky.unique()) | set(steady.unique())
        await wait_for(lambda: _all_outcomes(kafka_bootstrap, ids), timeout=30, interval=0.5)
        published = await outcomes(kafka_bootstrap, ids)
        assert {d["type"] for docs in published.values() for d in docs} == {"notification.delivered"}
        for docs in published.values():
            text = json.dumps(docs)
            assert SECRET not in text
            assert "127.0.0.1" not in text


async def _all_outcomes(bootstrap: str, ids: set[str]) -> bool:
    return set(await outcomes(bootstrap, ids)) == ids


async def test_a_receiver_down_past_the_retry_budget_yields_notification_failed(
    kafka_bootstrap: str, unique: Callable[[str], str], start_service: Start
) -> None:
    wijk, buurten = fresh_wijk()
    async with WebhookReceiver(down=True) as down:
        service = await start_service(retry_budget_s=2.0)
        subscription = await subscribe(
            service, webhook={"url": down.url, "secret": SECRET}, neighbourhoods=[wijk]
        )
        conflict_id = unique("c")
        async with ConflictPublisher(kafka_bootstrap) as publisher:
            await publisher.send(detected(conflict_id, [unique("org")], buurten[0]))

        async def failed() -> list[dict[str, Any]]:
            found = []
            for record in await read_topic(kafka_bootstrap, NOTIFICATIONS_DELIVERIES, timeout=30):
                document = json.loads(record.value)
                if document["data"]["conflict_id"] == conflict_id:
                    found.append(document)
            return found

        await wait_for(failed, timeout=60, interval=0.5)
        (event,) = await failed()
        assert event["type"] == "notification.failed"
        assert event["data"]["recipient_ref"] == f"subscription:{subscription}"
        assert event["data"]["attempts"] >= 2
        assert down.received == []
        letters = await read_topic(kafka_bootstrap, dead_letter(NOTIFICATIONS_DELIVERIES), timeout=30)
        assert any(r.key.decode() == event["data"]["notification_id"] for r in letters)


async def test_a_receiver_answering_410_is_not_tried_again_and_the_delivery_fails_at_once(
    kafka_bootstrap: str, unique: Callable[[str], str], start_service: Start
) -> None:
    wijk, buurten = fresh_wijk()
    async with WebhookReceiver(refuse_with=410) as gone:
        service = await start_service(retry_budget_s=300.0)
        subscription = await subscribe(
            service, webhook={"url": gone.url, "secret": SECRET}, neighbourhoods=[wijk]
        )
        conflicts = [unique("c") for _ in range(2)]
        async with ConflictPublisher(kafka_bootstrap) as publisher:
            for conflict_id in conflicts:
                await publisher.send(detected(conflict_id, [unique("org")], buurten[0]))

        async def failed() -> dict[str, dict[str, Any]]:
            found = {}
            for record in await read_topic(kafka_bootstrap, NOTIFICATIONS_DELIVERIES, timeout=30):
                document = json.loads(record.value)
                if document["data"]["conflict_id"] in conflicts:
                    found[document["data"]["conflict_id"]] = document
            return found if len(found) == len(conflicts) else {}

        await wait_for(failed, timeout=60, interval=0.5)
        events = await failed()
        async with service.runtime.database.sessions() as session:
            rows = (await session.scalars(select(NotificationRow))).all()
            listed = await subscriptions.list_subscriptions(service.runtime.database)
    for event in events.values():
        assert event["type"] == "notification.failed"
        assert event["data"]["recipient_ref"] == f"subscription:{subscription}"
        assert event["data"]["attempts"] == 1
    assert sorted(gone.tries.values()) == [1, 1], "a receiver that answered 410 was tried again"
    assert gone.received == []
    assert {(row.status, row.attempts, row.last_error) for row in rows} == {
        ("failed", 1, "webhook answered 410")
    }
    # The subscription stays: each later notification is tried once and fails the same way.
    assert [view.subscription_id for view in listed] == [subscription]


async def test_a_flapping_conflict_yields_one_message_and_at_most_one_follow_up(
    kafka_bootstrap: str, unique: Callable[[str], str], start_service: Start
) -> None:
    wijk, buurten = fresh_wijk()
    async with WebhookReceiver() as receiver:
        service = await start_service(quiet_period_s=3.0)
        await subscribe(service, webhook={"url": receiver.url, "secret": SECRET}, neighbourhoods=[wijk])
        settles, ends_resolved = unique("settles"), unique("ends-resolved")
        sent = []
        async with ConflictPublisher(kafka_bootstrap) as publisher:
            for conflict_id in (settles, ends_resolved):
                sent.append(await publisher.send(detected(conflict_id, [unique("org")], buurten[0])))
            for _ in range(3):
                for conflict_id in (settles, ends_resolved):
                    sent.append(await publisher.send(resolved(conflict_id)))
                    sent.append(await publisher.send(detected(conflict_id, [unique("org")], buurten[0])))
            sent.append(await publisher.send(resolved(ends_resolved)))
        group = f"{service.runtime.consumer_group}-conflicts"
        await wait_until_committed(kafka_bootstrap, group, next_offsets(sent), timeout=30)
        await wait_for(lambda: _settled(service, {settles, ends_resolved}), timeout=30)
        assert len(receiver.unique()) == 3
    bodies = sorted(receiver.unique().values(), key=lambda b: b["decided_at"])
    assert [(b["conflict_id"], b["type"], b["follow_up"]) for b in bodies if b["conflict_id"] == settles] == [
        (settles, "conflict.detected", False)
    ]
    assert [(b["type"], b["follow_up"]) for b in bodies if b["conflict_id"] == ends_resolved] == [
        ("conflict.detected", False),
        ("conflict.resolved", True),
    ]


async def _settled(service: NotificationsService, conflicts: set[str]) -> bool:
    """Every event decided, no follow-up still due, and every notification delivered: nothing more comes."""
    async with service.runtime.database.sessions() as session:
        states = (
            await session.scalars(select(ConflictRow).where(ConflictRow.conflict_id.in_(conflicts)))
        ).all()
        undelivered = await session.scalar(
            select(func.count()).select_from(NotificationRow).where(NotificationRow.status != "delivered")
        )
    return len(states) == len(conflicts) and all(s.follow_up_due is None for s in states) and undelivered == 0
