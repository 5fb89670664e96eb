"""A daily digest end to end: conflicts over Kafka, the digest moment reached, one e-mail over real SMTP."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from notifications.domain import AMSTERDAM
from notifications.main import NotificationsService, create_service
from notifications.service import subscriptions
from notifications.service.digests import run_digests
from notifications.settings import NotificationsSettings
from notifications.store import DigestItemRow, FeedRow, NotificationRow, SqlNotificationsUnitOfWork
from support.testing import wait_for
from test_notifications_support import ConflictPublisher, SmtpSink, detected, fresh_wijk

ADDRESS = "wijkteam@example.org"


class MovableClock:
    """Runs at the real pace from a chosen moment; ``jump_to`` moves it (decisions and digests follow it)."""

    def __init__(self, start: datetime) -> None:
        self.offset = start - datetime.now(UTC)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def jump_to(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)


async def repeat_digest_run(service: NotificationsService) -> int:
    """What the ticker does for digests: record the due ones, then wake the sender."""
    async with service.runtime.database.unit_of_work(SqlNotificationsUnitOfWork) as unit:
        recorded = await run_digests(unit, service.notifier)
    service.notifier.on_decided()
    return recorded


async def digest_rows(service: NotificationsService) -> list[NotificationRow]:
    async with service.runtime.database.sessions() as session:
        query = select(NotificationRow).where(NotificationRow.source_key.startswith("digest:"))
        return list((await session.scalars(query)).all())


async def test_a_digest_subscriber_gets_one_email_grouped_by_wijk_and_severity_once(
    kafka_bootstrap: str, unique: Callable[[str], str], database_url: str
) -> None:
    (wijk_a, buurten_a), (wijk_b, buurten_b) = sorted([fresh_wijk(), fresh_wijk()])  # groups go by wijk code
    day = datetime.now(AMSTERDAM).date() - timedelta(days=2)  # in the past: the sender sends at once
    before = datetime.combine(day, time(7, 50), tzinfo=AMSTERDAM)
    after = datetime.combine(day, time(8, 5), tzinfo=AMSTERDAM)
    clock = MovableClock(before)
    with SmtpSink() as smtp:
        settings = NotificationsSettings(
            database_url=database_url,
            consumer_group=unique("notif-digest"),
            smtp_port=smtp.port,
            sender_poll_s=0.1,
            tick_s=0.2,
        )
        service = create_service(settings, bootstrap_servers=kafka_bootstrap, clock=clock)
        await service.runtime.start()
        try:
            request = subscriptions.SubscriptionRequest.model_validate(
                {
                    "email": ADDRESS,
                    "neighbourhoods": [wijk_a, wijk_b],
                    "delivery": "digest",
                    "digest_at": "08:00",
                }
            )
            await subscriptions.add_subscription(service.runtime.database, request, created_by="ops")
            plan = [
                (buurten_a[0], "high"),
                (buurten_a[1], "medium"),
                (buurten_a[2], "high"),
                (buurten_b[0], "low"),
            ]
            conflicts = [unique("c") for _ in plan]
            async with ConflictPublisher(kafka_bootstrap) as publisher:
                await publisher.probe(lambda: _collected(service, 0), timeout=60)
                for conflict_id, (buurt, severity) in zip(conflicts, plan, strict=True):
                    await publisher.send(detected(conflict_id, [unique("org")], buurt, severity=severity))
                await wait_for(lambda: _collected(service, len(plan)), timeout=60)
            assert await repeat_digest_run(service) == 0, "07:50: not yet"
            assert await digest_rows(service) == []

            clock.jump_to(after)
            await asyncio.gather(*(repeat_digest_run(service) for _ in range(3)), return_exceptions=True)
            await wait_for(lambda: len(smtp.messages) >= 1, timeout=30)
            for _ in range(3):
                await repeat_digest_run(service)
            (row,) = await digest_rows(service)
            await wait_for(lambda: _delivered(service, row.notification_id), timeout=30)
        finally:
            await service.runtime.stop()
    (mail,) = smtp.messages
    assert str(mail["To"]) == ADDRESS
    assert mail["Subject"] == (
        f"Werkplaats — Dagoverzicht van conflicten {day.isoformat()} / Daily digest of conflicts"
    )
    assert mail["Message-ID"] == f"<{row.notification_id}@werkplaats.local>"
    assert mail.get_content_type() == "multipart/alternative"
    text_part, html_part = mail.iter_parts()
    assert (text_part.get_content_type(), html_part.get_content_type()) == ("text/plain", "text/html")
    assert {text_part.get_content_charset(), html_part.get_content_charset()} == {"utf-8"}
    text, html = text_part.get_content(), html_part.get_content()
    dutch = text.split("-- English --")[0]
    headings = [line for line in dutch.splitlines() if line.startswith("Wijk ")]
    assert headings == [
        f"Wijk {wijk_a} — ernst hoog",
        f"Wijk {wijk_a} — ernst middel",
        f"Wijk {wijk_b} — ernst laag",
    ]
    assert items_per_heading(dutch) == [2, 1, 1]
    assert f"Neighbourhood {wijk_a} — severity high" in text
    assert "coördinatie is nodig" in html
    assert f"Wijk {wijk_a} — ernst hoog" in html
    assert row.payload["day"] == day.isoformat()
    assert [(g["wijk"], g["severity"], len(g["items"])) for g in row.payload["groups"]] == [
        (wijk_a, "high", 2),
        (wijk_a, "medium", 1),
        (wijk_b, "low", 1),
    ]


def items_per_heading(text: str) -> list[int]:
    """How many conflict lines follow each wijk heading."""
    counts: list[int] = []
    for line in text.splitlines():
        if line.startswith("Wijk "):
            counts.append(0)
        elif counts and "coördinatie is nodig" in line:
            counts[-1] += 1
    return counts


async def _collected(service: NotificationsService, wanted: int) -> bool:
    async with service.runtime.database.sessions() as session:
        items = (await session.scalars(select(DigestItemRow))).all()
    return len(items) >= wanted and (wanted > 0 or await _fed(service))


async def _fed(service: NotificationsService) -> bool:
    async with service.runtime.database.sessions() as session:
        return (await session.scalar(select(FeedRow.id).limit(1))) is not None


async def _delivered(service: NotificationsService, notification_id: str) -> bool:
    async with service.runtime.database.sessions() as session:
        row = await session.get(NotificationRow, notification_id)
        return row is not None and row.status == "delivered"
