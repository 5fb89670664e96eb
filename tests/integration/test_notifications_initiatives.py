"""Initiative alerts through notifications: an overdue first contact reaches builder and operations once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from contracts import (
    InitiativeConflictAttached,
    InitiativeOverdue,
    InitiativeSubmitted,
    OrganisationRole,
    Severity,
)
from contracts.initiatives import HelpKind, IntakeChannel
from contracts.topics import INITIATIVES_EVENTS, NOTIFICATIONS_DELIVERIES
from initiatives.domain.identity import new_initiative_id
from initiatives_support import publish, send_raw
from notifications.main import create_service
from notifications.settings import NotificationsSettings
from notifications.subscribers import INITIATIVES_CONSUMER
from support.testing import read_topic, wait_for
from test_notifications_support import SmtpSink
from werkplaats.inbox import InboxRow
from werkplaats.organisations import add_organisation


async def test_an_overdue_initiative_is_mailed_to_its_builder_and_operations_once_however_often_it_arrives(
    kafka_bootstrap: str, database_url: str, unique: Callable[[str], str]
) -> None:
    builder = f"cb-{uuid.uuid4().hex[:8]}"
    builder_mail = f"{builder}@werkplaats.example"
    operations = unique("ops")
    operations_mail = f"{operations}@werkplaats.example"
    await add_organisation(
        kafka_bootstrap,
        operations,
        name="Werkplaats",
        role=OrganisationRole.OPERATIONS,
        contact_email=operations_mail,
    )
    late, conflicted = new_initiative_id(), new_initiative_id()
    with SmtpSink() as smtp:
        settings = NotificationsSettings(
            database_url=database_url,
            consumer_group=unique("notif"),
            start_from="latest",
            smtp_port=smtp.port,
            sender_poll_s=0.1,
            builder_contacts={builder: builder_mail},
        )
        service = create_service(settings, bootstrap_servers=kafka_bootstrap)
        await service.runtime.start()
        try:
            await _until_consuming(kafka_bootstrap, service.runtime)
            overdue = InitiativeOverdue(
                initiative_id=late,
                builder_id=builder,
                wijk="WK051836",
                due=date(2026, 3, 9),
                submitted_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
            )
            payload = await publish(kafka_bootstrap, INITIATIVES_EVENTS, overdue, key=late)
            await send_raw(kafka_bootstrap, INITIATIVES_EVENTS, payload, key=late)  # redelivered
            await publish(
                kafka_bootstrap, INITIATIVES_EVENTS, overdue, key=late
            )  # raised again, new event id
            attached = InitiativeConflictAttached(
                initiative_id=conflicted,
                conflict_id=f"c-{uuid.uuid4().hex}",
                activity_id=f"{conflicted}.feest",
                severity=Severity.HIGH,
                builder_id=builder,
            )
            await publish(kafka_bootstrap, INITIATIVES_EVENTS, attached, key=conflicted)
            resolved = attached.model_copy(update={"resolved": True})
            await publish(kafka_bootstrap, INITIATIVES_EVENTS, resolved, key=conflicted)

            def ours() -> list[tuple[str, str]]:
                return [
                    (str(m["To"]), str(m["Subject"]))
                    for m in smtp.messages
                    if (late in str(m["Subject"]) or conflicted in str(m["Subject"]))
                    and str(m["To"]) in (builder_mail, operations_mail)
                ]

            await wait_for(lambda: len(ours()) >= 3)
            assert sorted(ours()) == sorted(
                [
                    (builder_mail, f"Werkplaats — Eerste contact te laat: {late} / First contact overdue"),
                    (operations_mail, f"Werkplaats — Eerste contact te laat: {late} / First contact overdue"),
                    (
                        builder_mail,
                        f"Werkplaats — Conflict bij een activiteit van een initiatief: {conflicted} "
                        "/ Conflict with an initiative's activity",
                    ),
                ]
            )
            body = next(
                m for m in smtp.messages if str(m["To"]) == builder_mail and late in str(m["Subject"])
            )
            assert "09-03-2026" in body.get_body(("plain",)).get_content()

            async def outcomes() -> list[str]:
                records = await read_topic(kafka_bootstrap, NOTIFICATIONS_DELIVERIES)
                return [r.value.decode() for r in records if f'"builder:{builder}"' in r.value.decode()]

            await wait_for(lambda: _count(outcomes, 2))
            assert all(builder_mail not in text for text in await outcomes())
        finally:
            await service.runtime.stop()


async def _until_consuming(bootstrap: str, runtime: Any) -> None:
    """Publish harmless events until the initiatives consumer has processed one (it starts at the end)."""
    probe = new_initiative_id()
    submitted = InitiativeSubmitted(
        initiative_id=probe,
        channel=IntakeChannel.ONLINE,
        neighbourhoods=["BU05183620"],
        wijk="WK051836",
        help_wanted=[HelpKind.ADVICE],
        legal_entity=False,
        submitted_at=datetime.now(UTC),
    )

    async def consumed() -> bool:
        await publish(bootstrap, INITIATIVES_EVENTS, submitted, key=probe)
        async with runtime.database.sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(InboxRow).where(InboxRow.consumer == INITIATIVES_CONSUMER)
            )
        return bool(count)

    await wait_for(consumed, interval=0.5)


async def _count(read: Callable[[], object], wanted: int) -> bool:
    return len(await read()) >= wanted  # type: ignore[misc, arg-type]
