"""Reach reminders end to end: an activity occurs, no report follows, the organiser hears once; a report in
time keeps it quiet, and a promise to residents past its date reaches operations once."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer, TopicPartition
from sqlalchemy import func, select

from contracts import OrganisationRole, PromiseOverdue, ReportDue, encode_event, new_event
from contracts.topics import REACH_EVENTS
from notifications.main import NotificationsService
from notifications.main import create_service as create_notifications
from notifications.service import subscriptions
from notifications.settings import NotificationsSettings
from notifications.store import NotificationRow
from notifications.subscribers import REACH_CONSUMER
from reach.domain import AMSTERDAM
from reach.main import ReachService
from reach.main import create_service as create_reach
from reach.settings import ReachSettings
from reach.store import ActivityRow, ReportRow
from reach_support import report, send_report, skip_reach_history
from scheduling.main import create_runtime as create_scheduler
from scheduling.settings import SchedulingSettings
from scheduling_support import Partners, activity, at, fresh_area, skip_history
from support.testing import read_topic, wait_for, wait_until_committed
from test_notifications_support import SECRET, SmtpSink, WebhookReceiver
from werkplaats.inbox import InboxRow
from werkplaats.organisations import add_organisation
from werkplaats.runtime import ServiceRuntime


@dataclass
class ShiftedClock:
    """The reach service's clock: real time, moved forward by the test."""

    shift: timedelta = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift


@dataclass
class Stack:
    scheduler: ServiceRuntime
    reach: ReachService
    notifications: NotificationsService
    partners: Partners
    clock: ShiftedClock


@asynccontextmanager
async def reach_stack(
    bootstrap: str, database_url: str, tmp_path: Path, smtp_port: int
) -> AsyncIterator[Stack]:
    """Notifications (already consuming ``reach.events``), then a scheduler and a reach service."""
    run = uuid.uuid4().hex[:6]
    clock = ShiftedClock()
    async with Partners(bootstrap, "staedion", "haagwonen") as partners:
        notifications = _notifications(bootstrap, database_url, smtp_port, run)
        await skip_history(bootstrap, f"sched-{run}")
        scheduler = create_scheduler(
            SchedulingSettings(
                database_url=f"sqlite+aiosqlite:///{tmp_path / 'scheduling.db'}",
                consumer_group=f"sched-{run}",
                partner_topic_pattern=partners.topic_pattern(),
                outbox_idle_poll_s=0.2,
            ),
            bootstrap_servers=bootstrap,
        )
        await skip_reach_history(bootstrap, f"reach-{run}")
        names = "|".join(re.escape(slug) for slug in partners.slugs.values())
        reach = create_reach(
            ReachSettings(
                database_url=f"sqlite+aiosqlite:///{tmp_path / 'reach.db'}",
                consumer_group=f"reach-{run}",
                partner_topic_pattern=rf"^partner\.({names})\.reports$",
                outbox_idle_poll_s=0.2,
                tick_s=0.2,
            ),
            bootstrap_servers=bootstrap,
            clock=clock,
        )
        await notifications.runtime.start()
        try:
            await _until_consuming(bootstrap, notifications)
            await scheduler.start()
            await reach.runtime.start()
            try:
                yield Stack(scheduler, reach, notifications, partners, clock)
            finally:
                await reach.runtime.stop()
                await scheduler.stop()
        finally:
            await notifications.runtime.stop()


def _notifications(
    bootstrap: str, database_url: str, smtp_port: int, run: str, clock: ShiftedClock | None = None
) -> NotificationsService:
    settings = NotificationsSettings(
        database_url=database_url,
        consumer_group=f"notif-{run}",
        start_from="latest",
        smtp_port=smtp_port,
        sender_poll_s=0.1,
        tick_s=0.2,
    )
    return create_notifications(settings, bootstrap_servers=bootstrap, clock=clock)


async def _until_consuming(bootstrap: str, service: NotificationsService) -> None:
    """Publish a reminder for nobody until the reach consumer has taken one in (it starts at the end)."""
    probe = ReportDue(
        organisation=f"probe-{uuid.uuid4().hex[:8]}",
        activity_id="probe",
        title="probe",
        occurrence_start=datetime.now(UTC),
        due_at=datetime.now(UTC),
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()

    async def consumed() -> bool:
        await producer.send_and_wait(REACH_EVENTS, encode_event(new_event(probe, source="reach")), key=b"p")
        async with service.runtime.database.sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(InboxRow).where(InboxRow.consumer == REACH_CONSUMER)
            )
        return bool(count)

    try:
        await wait_for(consumed, interval=0.5)
    finally:
        await producer.stop()


async def _count(service: Any, table: Any, *where: Any) -> int:
    async with service.runtime.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def test_a_missing_report_reaches_its_organiser_once_by_webhook_or_mail_a_report_in_time_keeps_quiet(
    kafka_bootstrap: str, database_url: str, tmp_path: Path, unique: Callable[[str], str]
) -> None:
    operations = unique("ops")
    operations_mail = f"{operations}@werkplaats.example"
    await add_organisation(
        kafka_bootstrap,
        operations,
        name="Werkplaats",
        role=OrganisationRole.OPERATIONS,
        contact_email=operations_mail,
    )
    area = fresh_area()
    yesterday = at(datetime.now(UTC).date() - timedelta(days=1), 19)
    hear_back_by = (datetime.now(UTC) + timedelta(days=2)).date()
    with SmtpSink() as smtp:
        async with (
            WebhookReceiver() as receiver,
            reach_stack(kafka_bootstrap, database_url, tmp_path, smtp.port) as stack,
        ):
            staedion, haagwonen = stack.partners.slugs["staedion"], stack.partners.slugs["haagwonen"]
            haagwonen_mail = f"{haagwonen}@werkplaats.example"
            await add_organisation(
                kafka_bootstrap,
                staedion,
                name="Staedion",
                role=OrganisationRole.PARTNER,
                contact_email="x@staedion.example",
            )
            await add_organisation(
                kafka_bootstrap,
                haagwonen,
                name="Haag Wonen",
                role=OrganisationRole.PARTNER,
                contact_email=haagwonen_mail,
            )
            await subscriptions.set_organisation_webhook(
                stack.notifications.runtime.database,
                staedion,
                subscriptions.OrganisationWebhookRequest(url=receiver.url, secret=SECRET),
            )
            neighbourhoods = [area.buurten[0]]
            await stack.partners.publish("staedion", activity("avond-zonder", yesterday, 2, neighbourhoods))
            await stack.partners.publish("haagwonen", activity("avond-stil", yesterday, 2, neighbourhoods))
            await stack.partners.publish(
                "haagwonen", activity("avond-verslag", yesterday, 2, [area.buurten[1]])
            )
            await wait_for(lambda: _has(stack.reach, 3, ActivityRow), timeout=120)

            promised = {
                "action": "De wensen gaan naar het projectteam.",
                "residents_hear_back_by": hear_back_by,
            }
            await send_report(
                stack.partners,
                "haagwonen",
                report("avond-verslag", yesterday, 30, ["flyer"], follow_up=promised),
            )
            await wait_for(lambda: _has(stack.reach, 1, ReportRow))
            assert (
                await _count(
                    stack.notifications, NotificationRow, NotificationRow.announced_type.like("reach.%")
                )
                == 0
            )

            stack.clock.shift = timedelta(days=4)  # the reports are due, the promise is past its date

            def mails(to: str) -> list[Any]:
                return [m for m in smtp.messages if str(m["To"]) == to]

            await wait_for(lambda: receiver.received and mails(operations_mail) and mails(haagwonen_mail))
            [hook] = receiver.received
            assert hook["type"] == "reach.report_due"
            assert (hook["organisation"], hook["activity_id"]) == (staedion, "avond-zonder")
            assert hook["dashboard_url"].endswith("/verslagen")

            [reminder] = mails(haagwonen_mail)
            assert str(reminder["Subject"]) == "Werkplaats — Verslag gevraagd: avond-stil / Report requested"
            text = reminder.get_body(("plain",)).get_content()
            assert "Hoe ging “Bewonersavond avond-stil” (avond-stil)" in text
            assert "How did “Bewonersavond avond-stil” (avond-stil)" in text

            [flag] = mails(operations_mail)
            assert "avond-verslag" in str(flag["Subject"])
            assert "Terugkoppeling aan bewoners te laat" in str(flag["Subject"])
            assert hear_back_by.strftime("%d-%m-%Y") in flag.get_body(("plain",)).get_content()

            # the reach events again: the same records redelivered, and raised anew with other ids
            ours = [
                r
                for r in await read_topic(kafka_bootstrap, REACH_EVENTS)
                if json.loads(r.value)["data"]["organisation"] in (staedion, haagwonen)
            ]
            assert sorted(json.loads(r.value)["type"] for r in ours) == [
                "reach.promise_overdue",
                "reach.report_due",
                "reach.report_due",
            ]
            producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
            await producer.start()
            try:
                sent = []
                for record in ours:
                    sent.append(await producer.send_and_wait(REACH_EVENTS, record.value, key=record.key))
                    document = json.loads(record.value)
                    document["event_id"] = str(uuid.uuid4())
                    sent.append(
                        await producer.send_and_wait(
                            REACH_EVENTS, json.dumps(document).encode(), key=record.key
                        )
                    )
            finally:
                await producer.stop()
            group = f"{stack.notifications.runtime.consumer_group}-reach"
            offsets = {TopicPartition(m.topic, m.partition): m.offset + 1 for m in sent}
            await wait_until_committed(kafka_bootstrap, group, offsets)
            await wait_for(lambda: _all_sent(stack.notifications))

            assert len(receiver.unique()) == 1
            assert len(mails(haagwonen_mail)) == 1
            assert len(mails(operations_mail)) == 1
            assert not [
                m
                for m in smtp.messages
                if "avond-verslag" in str(m["Subject"]) and "Verslag" in str(m["Subject"])
            ]


async def _has(service: Any, wanted: int, table: Any) -> bool:
    return await _count(service, table) >= wanted


async def _all_sent(service: NotificationsService) -> bool:
    return await _count(service, NotificationRow, NotificationRow.status == "pending") == 0


async def test_subscribers_choose_reach_events_at_once_or_in_their_digest_and_a_neighbourhood_filter_excludes(
    kafka_bootstrap: str, database_url: str, unique: Callable[[str], str]
) -> None:
    organisation = unique("corp")
    clock = ShiftedClock(-timedelta(days=2))  # decisions in the past: the sender sends them at once
    at_once = f"{unique('officer')}@werkplaats.example"
    filtered = f"{unique('wijk')}@werkplaats.example"
    start = datetime.now(UTC) - timedelta(days=5)
    due = ReportDue(
        organisation=organisation,
        activity_id="avond-1",
        title="Buurtavond",
        occurrence_start=start,
        due_at=start,
    )
    late = PromiseOverdue(
        organisation=organisation,
        activity_id="avond-2",
        title="Inspraakavond",
        occurrence_start=start,
        residents_hear_back_by=start.date(),
    )
    with SmtpSink() as smtp:
        service = _notifications(kafka_bootstrap, database_url, smtp.port, unique("n"), clock)
        await service.runtime.start()
        try:
            async with WebhookReceiver() as receiver:
                await _until_consuming(kafka_bootstrap, service)
                digest_at = (datetime.now(AMSTERDAM) + timedelta(hours=12)).strftime("%H:%M")
                for fields in (
                    {
                        "email": at_once,
                        "event_types": ["reach.promise_overdue"],
                        "organisations": [organisation],
                    },
                    {
                        "webhook": {"url": receiver.url, "secret": SECRET},
                        "event_types": ["reach.report_due", "reach.promise_overdue"],
                        "organisations": [organisation],
                        "delivery": "digest",
                        "digest_at": digest_at,
                    },
                    {"email": filtered, "event_types": ["reach.report_due"], "neighbourhoods": ["WK051836"]},
                ):
                    request = subscriptions.SubscriptionRequest.model_validate(fields)
                    await subscriptions.add_subscription(service.runtime.database, request, created_by="ops")
                producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
                await producer.start()
                try:
                    for data in (due, late, due):  # the last raised anew: decided once
                        event = encode_event(new_event(data, source="reach"))
                        await producer.send_and_wait(REACH_EVENTS, event, key=organisation.encode())
                finally:
                    await producer.stop()

                await wait_for(lambda: [m for m in smtp.messages if str(m["To"]) == at_once])
                [mail] = [m for m in smtp.messages if str(m["To"]) == at_once]
                assert "Terugkoppeling aan bewoners te laat: avond-2" in str(mail["Subject"])
                assert not receiver.received  # the digest waits for its moment

                clock.shift = -timedelta(days=1)  # past the subscriber's digest moment
                await wait_for(lambda: receiver.received)
                [digest] = receiver.received
                assert digest["type"] == "digest"
                [section] = digest["groups"]
                lines = sorted(item["event_type"] for item in section["items"])
                assert lines == ["reach.promise_overdue", "reach.report_due"]
                named = sorted((item["activity"], item["conflict_id"]) for item in section["items"])
                assert named == [(f"{organisation}/avond-1", None), (f"{organisation}/avond-2", None)]
                assert any("Buurtavond" in item["explanation_nl"] for item in section["items"])
                await wait_for(lambda: _all_sent(service))
                assert not [m for m in smtp.messages if str(m["To"]) == filtered]
                assert len([m for m in smtp.messages if str(m["To"]) == at_once]) == 1
        finally:
            await service.runtime.stop()
