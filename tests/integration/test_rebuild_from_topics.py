"""The dashboard's read model rebuilt from the topics equals the one the running service built."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import select
from sqlalchemy.engine import make_url

from contracts import Envelope, EventData, encode_event
from contracts.topics import SCHEDULING_AGENDA, SCHEDULING_CONFLICTS, all_service_topics
from dashboard.main import SERVICE, create_runtime
from dashboard.settings import DashboardSettings
from dashboard.store import ActivityRow, ConflictActivityRow, ConflictEventRow, ConflictRow, OccurrenceRow
from dashboard_support import START, acknowledged, detected, resolved, upserted
from support.testing import next_offsets, wait_until_committed
from werkplaats.db import Database
from werkplaats.recovery import rebuild_service
from werkplaats.topics_admin import ensure_topics

SETTINGS = {"password_memory_kib": 1024, "password_time_cost": 1, "password_parallelism": 1}


@pytest.fixture
async def second_database(database_url: str) -> AsyncIterator[str]:
    """Another empty database on the same server (or an SQLite file beside the first)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield database_url.replace(".db", "-rebuilt.db")
        return
    name = f"test_{uuid.uuid4().hex[:12]}"
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(plain)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    yield url.set(database=name).render_as_string(hide_password=False)
    connection = await asyncpg.connect(plain)
    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await connection.close()


def history(organisations: tuple[str, str]) -> list[tuple[str, Envelope[EventData]]]:
    """Two activities, three conflicts between them: one acknowledged, one resolved, one open."""
    first, second = organisations
    events: list[tuple[str, Envelope[EventData]]] = [
        (SCHEDULING_AGENDA, upserted(first, "avond-1")),
        (SCHEDULING_AGENDA, upserted(second, "avond-2", start=START + timedelta(minutes=30))),
        (SCHEDULING_AGENDA, upserted(first, "avond-1", title="Bewonersavond, verplaatst")),
    ]
    conflicts = [detected((first, "avond-1"), (second, "avond-2")) for _ in range(3)]
    events += [(SCHEDULING_CONFLICTS, event) for event in conflicts]
    ids = [str(event.data.conflict_id) for event in conflicts]  # type: ignore[attr-defined]
    events += [(SCHEDULING_CONFLICTS, acknowledged(ids[0])), (SCHEDULING_CONFLICTS, resolved(ids[1]))]
    return events


def key_of(topic: str, event: Envelope[EventData]) -> bytes:
    data: Any = event.data
    if topic == SCHEDULING_AGENDA:
        return f"{data.organisation}/{data.activity.activity_id}".encode()
    return str(data.conflict_id).encode()


async def state(database_url: str, organisations: tuple[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    """The read model's rows about ``organisations`` (the live feed's transient changes aside)."""
    database = Database(database_url)
    try:
        async with database.sessions() as session:
            conflicts = (await session.scalars(select(ConflictRow).order_by(ConflictRow.conflict_id))).all()
            ours = [row for row in conflicts if set(row.organisations) & set(organisations)]
            ids = [row.conflict_id for row in ours]
            joined = await session.scalars(
                select(ConflictActivityRow).where(ConflictActivityRow.conflict_id.in_(ids))
            )
            events = await session.scalars(
                select(ConflictEventRow)
                .where(ConflictEventRow.conflict_id.in_(ids))
                .order_by(ConflictEventRow.conflict_id, ConflictEventRow.occurred_at)
            )
            activities = await session.scalars(
                select(ActivityRow).where(ActivityRow.organisation.in_(organisations))
            )
            occurrences = await session.scalars(
                select(OccurrenceRow).where(OccurrenceRow.organisation.in_(organisations))
            )
            return {
                "conflicts": [
                    (
                        r.conflict_id,
                        r.rule,
                        r.status,
                        r.detected,
                        r.starts_at,
                        r.first_detected_at,
                        r.updated_at,
                        r.acknowledged_by,
                        r.acknowledged_reason,
                        r.resolved_at,
                    )
                    for r in ours
                ],
                "joined": sorted((r.conflict_id, r.organisation, r.activity_id) for r in joined),
                "history": [(r.conflict_id, r.event_type, r.occurred_at, r.detail) for r in events],
                "activities": sorted(
                    (r.organisation, r.activity_id, r.title, r.kind, r.data, r.updated_at) for r in activities
                ),
                "occurrences": sorted(
                    (r.organisation, r.activity_id, r.starts_at, r.ends_at) for r in occurrences
                ),
            }
    finally:
        await database.dispose()


async def test_a_read_model_rebuilt_from_the_topics_equals_the_live_one(
    kafka_bootstrap: str, unique: Callable[[str], str], database_url: str, second_database: str
) -> None:
    organisations = (unique("org"), unique("org"))
    await ensure_topics(kafka_bootstrap, all_service_topics())
    settings = DashboardSettings(
        database_url=database_url, consumer_group=unique("dashboard"), start_from="earliest", **SETTINGS
    )
    live = create_runtime(settings, bootstrap_servers=kafka_bootstrap)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await live.start()
    await producer.start()
    try:
        sent = [
            await producer.send_and_wait(topic, encode_event(event), key=key_of(topic, event))
            for topic, event in history(organisations)
        ]
        group = f"{settings.consumer_group}-read-model"
        await wait_until_committed(kafka_bootstrap, group, next_offsets(sent), timeout=60)
    finally:
        await producer.stop()
        await live.stop()
    report = await rebuild_service(
        SERVICE, DashboardSettings(database_url=second_database, **SETTINGS), bootstrap=kafka_bootstrap
    )
    expected = await state(database_url, organisations)
    assert len(expected["conflicts"]) == 3
    assert {row[2] for row in expected["conflicts"]} == {"acknowledged", "resolved", "open"}
    assert len(expected["activities"]) == 2
    assert await state(second_database, organisations) == expected
    assert report.events >= len(sent)
