"""Subsidy reminders end to end: initiatives raises them, notifications mails builder and initiator once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select

from contracts import NotificationDelivered, OrganisationRole, decode_event
from contracts.topics import INITIATIVES_EVENTS, NOTIFICATIONS_DELIVERIES
from dashboard_stack import served
from initiatives.main import create_app
from initiatives_support import Clock, form, publish, records_since, send_raw, settings_for
from notifications.main import create_service
from notifications.settings import NotificationsSettings
from notifications.store import NotificationRow
from notifications.subscribers import INITIATIVES_CONSUMER
from support.testing import read_topic, wait_for
from test_notifications_initiatives import _until_consuming
from test_notifications_support import SmtpSink
from werkplaats.db import Database
from werkplaats.inbox import InboxRow
from werkplaats.organisations import add_organisation
from werkplaats.outbox import OutboxRow

OVER_55 = {"audience_over_55": True, "participants": 20, "meetings_per_year": 30, "one_off": False}


async def test_a_subsidy_deadline_reaches_builder_and_initiator_once_and_no_address_travels_on_kafka(
    kafka_bootstrap: str, database_url: str, unique: Callable[[str], str], tmp_path: Path
) -> None:
    since_ms = int(time.time() * 1000)
    group = unique("ini")
    staff = await add_organisation(
        kafka_bootstrap, f"{group}-ops", name="Werkplaats", role=OrganisationRole.OPERATIONS
    )
    headers = {"Authorization": f"Bearer {staff.secret}"}
    initiator_mail = f"bewoner-{uuid.uuid4().hex[:8]}@example.org"
    builder_mail = "cb-moerwijk@werkplaats.example"
    clock = Clock(datetime(2026, 9, 10, 9, tzinfo=UTC))  # 20 days before the 55+ deadline of 30 September
    initiatives = create_app(
        settings_for(database_url, group), bootstrap_servers=kafka_bootstrap, clock=clock
    )
    with SmtpSink() as smtp:
        async with (
            served(initiatives) as initiatives_url,
            httpx.AsyncClient(base_url=initiatives_url) as client,
        ):
            initiator = {"name": "A. Bewoner", "email": initiator_mail}
            submitted = await client.post(
                "/v1/submissions", json=form(initiator=initiator, neighbourhoods=["BU05183620"])
            )
            initiative_id = submitted.json()["initiative_id"]
            checked = await client.post(
                f"/v1/initiatives/{initiative_id}/subsidy-check", json=OVER_55, headers=headers
            )
            assert checked.status_code == 200, checked.text
            detail = await client.get(f"/v1/initiatives/{initiative_id}", headers=headers)
            builder_id = detail.json()["builder_id"]
            notifications = create_service(
                NotificationsSettings(
                    database_url=f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}",
                    consumer_group=unique("notif"),
                    start_from="latest",
                    smtp_port=smtp.port,
                    sender_poll_s=0.1,
                    builder_contacts={builder_id: builder_mail},
                    initiatives_url=initiatives_url,
                    initiatives_key=staff.secret,
                ),
                bootstrap_servers=kafka_bootstrap,
            )
            await notifications.runtime.start()
            try:
                await _until_consuming(kafka_bootstrap, notifications.runtime)
                keeper = initiatives.state.service.keeper
                await asyncio.gather(*(keeper.remind() for _ in range(3)))  # three keepers at once
                assert await _reminders_staged(initiatives.state.runtime.database, initiative_id) == 1

                reminder = await _reminder_payload(kafka_bootstrap, initiative_id)
                await send_raw(
                    kafka_bootstrap, INITIATIVES_EVENTS, reminder, key=initiative_id
                )  # redelivered
                again = decode_event(reminder).data  # the same reminder raised again, under a new event id
                last = await publish(kafka_bootstrap, INITIATIVES_EVENTS, again, key=initiative_id)
                await _consumed(notifications.runtime.database, str(decode_event(last).event_id))
                assert await _decisions(notifications.runtime.database, initiative_id) == 2

                def mails() -> list[tuple[str, str]]:
                    return [
                        (str(m["To"]), m.get_body(("plain",)).get_content())
                        for m in smtp.messages
                        if initiative_id in str(m["Subject"])
                    ]

                await wait_for(lambda: len(mails()) >= 2)
                await _delivered(kafka_bootstrap, notifications.runtime.database, initiative_id)
                assert sorted(to for to, _ in mails()) == sorted([builder_mail, initiator_mail])
                for _, body in mails():
                    assert "30-09-2026" in body
                    assert "nog 20 dag(en)" in body
                    assert "activiteiten-55-plus" in body
            finally:
                await notifications.runtime.stop()
    records = await records_since(kafka_bootstrap, since_ms)
    assert not [r.topic for r in records if initiator_mail.encode() in (r.value or b"")]


async def _reminder_payload(bootstrap: str, initiative_id: str) -> bytes:
    async def found() -> bytes | None:
        for record in await read_topic(bootstrap, INITIATIVES_EVENTS):
            if record.key == initiative_id.encode() and b"subsidy_deadline_approaching" in record.value:
                return bytes(record.value)
        return None

    await wait_for(found, interval=0.2)
    payload = await found()
    assert payload is not None
    return payload


async def _reminders_staged(database: Database, initiative_id: str) -> int:
    async with database.sessions() as session:
        payloads = await session.scalars(
            select(OutboxRow.payload).where(OutboxRow.key == initiative_id.encode())
        )
        return sum(b"initiative.subsidy_deadline_approaching" in payload for payload in payloads.all())


async def _consumed(database: Database, event_id: str) -> None:
    async def seen() -> bool:
        async with database.sessions() as session:
            found = await session.scalar(
                select(InboxRow.event_id).where(
                    InboxRow.consumer == INITIATIVES_CONSUMER, InboxRow.event_id == event_id
                )
            )
        return found is not None

    await wait_for(seen, interval=0.2)


async def _decisions(database: Database, initiative_id: str) -> int:
    async with database.sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(NotificationRow)
            .where(NotificationRow.source_key.startswith(f"initiative-subsidy:{initiative_id}:"))
        )
    return int(count or 0)


async def _delivered(bootstrap: str, database: Database, initiative_id: str) -> None:
    """Wait until every decided delivery of the initiative's reminder is reported delivered on Kafka."""
    async with database.sessions() as session:
        ids = set(
            await session.scalars(
                select(NotificationRow.notification_id).where(
                    NotificationRow.source_key.startswith(f"initiative-subsidy:{initiative_id}:")
                )
            )
        )

    async def reported() -> bool:
        events = [decode_event(r.value) for r in await read_topic(bootstrap, NOTIFICATIONS_DELIVERIES)]
        delivered = {e.data.notification_id for e in events if isinstance(e.data, NotificationDelivered)}
        return ids <= delivered

    await wait_for(reported, interval=0.2)
