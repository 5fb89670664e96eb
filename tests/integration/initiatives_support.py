"""Helpers for initiatives tests: the service in-process with a settable clock, forms, topic reading."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from cryptography.fernet import Fernet

from contracts import EventData, OrganisationRole, decode_event, encode_event, new_event
from contracts.topics import INITIATIVES_EVENTS
from initiatives.main import create_app
from initiatives.settings import InitiativesSettings
from support.testing import read_topic
from werkplaats.organisations import add_organisation


@dataclass
class Clock:
    """A clock the test moves."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Running:
    """The service under test and what it needs."""

    client: httpx.AsyncClient
    app: Any
    clock: Clock
    staff_key: str
    bootstrap: str

    @property
    def staff(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.staff_key}"}

    @property
    def database(self) -> Any:
        return self.app.state.runtime.database

    @property
    def service(self) -> Any:
        return self.app.state.service


def form(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "title": "Buurtmaaltijd Moerwijk-Oost",
        "description": "Een maaltijd voor de hele straat in het buurthuis, iedereen kookt mee.",
        "neighbourhoods": ["BU05183620"],
        "scale": "buurt",
        "for_whom": "Alle buren",
        "target_groups": ["all_residents"],
        "themes": ["social_cohesion"],
        "help_wanted": ["money", "promotion"],
        "estimated_budget_eur": 600,
        "legal_entity": False,
        "initiator": {"name": "A. Bewoner", "email": "bewoner@example.org", "phone": "06 1234 5678"},
    }
    return document | overrides


def settings_for(database_url: str, group: str, **extra: Any) -> InitiativesSettings:
    return InitiativesSettings(
        database_url=database_url,
        consumer_group=group,
        encryption_keys=[Fernet.generate_key().decode()],
        overdue_check_s=3600,
        **extra,
    )


@asynccontextmanager
async def running(
    bootstrap: str, database_url: str, group: str, *, clock: Clock | None = None, **extra: Any
) -> AsyncIterator[Running]:
    staff = await add_organisation(
        bootstrap, f"{group}-ops", name="Werkplaats", role=OrganisationRole.OPERATIONS
    )
    clock = clock or Clock(datetime.now(UTC))
    app = create_app(settings_for(database_url, group, **extra), bootstrap_servers=bootstrap, clock=clock)
    runtime = app.state.runtime
    await runtime.start()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://initiatives")
    try:
        yield Running(client, app, clock, staff.secret, bootstrap)
    finally:
        await client.aclose()
        await runtime.stop()


async def events_of(bootstrap: str, initiative_ids: set[str], topic: str = INITIATIVES_EVENTS) -> list[Any]:
    """The decoded events on ``topic`` whose key is one of ``initiative_ids`` (in topic order)."""
    records = await read_topic(bootstrap, topic)
    return [decode_event(r.value) for r in records if r.key and r.key.decode() in initiative_ids]


def types_of(events: list[Any]) -> list[str]:
    return [event.type for event in events]


async def publish(bootstrap: str, topic: str, data: EventData, *, key: str, event_id: Any = None) -> bytes:
    """Publish one event as another service would; returns the bytes sent (to send again)."""
    payload = encode_event(new_event(data, source="scheduling", event_id=event_id))
    await send_raw(bootstrap, topic, payload, key=key)
    return payload


async def send_raw(bootstrap: str, topic: str, payload: bytes, *, key: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, payload, key=key.encode())
    finally:
        await producer.stop()


def tmp_sqlite(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'initiatives.db'}"


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def records_since(bootstrap: str, since_ms: int) -> list[Any]:
    """Every record of every topic on the broker written at or after ``since_ms``."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=4 << 20
    )
    await consumer.start()
    try:
        topics = sorted((await consumer._client.fetch_all_metadata()).topics())
        consumer._client.set_topics(topics)
        await consumer._client.force_metadata_update()
        cluster = consumer._client.cluster
        partitions = [
            TopicPartition(t, p) for t in topics for p in sorted(cluster.partitions_for_topic(t) or ())
        ]
        starts = await consumer.offsets_for_times({tp: since_ms for tp in partitions})
        ends = await consumer.end_offsets(partitions)
        wanted = {
            tp: found.offset for tp, found in starts.items() if found is not None and found.offset < ends[tp]
        }
        records: list[Any] = []
        if not wanted:
            return records
        consumer.assign(list(wanted))
        for tp, offset in wanted.items():
            consumer.seek(tp, offset)
        remaining = dict(wanted)
        while remaining:
            batches = await consumer.getmany(timeout_ms=1000)
            for tp, batch in batches.items():
                records.extend(r for r in batch if r.offset < ends[tp])
                if batch and batch[-1].offset >= ends[tp] - 1:
                    remaining.pop(tp, None)
            if not batches:
                for tp in list(remaining):
                    if await consumer.position(tp) >= ends[tp]:
                        remaining.pop(tp)
        return records
    finally:
        await consumer.stop()
