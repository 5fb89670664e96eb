"""End to end on the real broker: an initiative's activity meets a partner's plan in the real scheduler."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.topics import (
    SCHEDULING_CONFLICTS,
    SCHEDULING_PLACEMENTS,
    all_service_topics,
    partner_activities,
    partner_topics,
)
from initiatives_support import events_of, form, publish, running
from scheduling.main import create_runtime
from scheduling.settings import SchedulingSettings
from scheduling_support import activity, at, fresh_area, quiet_evening
from support.testing import wait_for
from werkplaats.topics_admin import ensure_topics


async def start_at_the_end(bootstrap: str, topic: str, group: str) -> None:
    """Commit ``group``'s offsets at the end of ``topic``, so a fresh consumer skips other tests' history."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        ends = await consumer.end_offsets(partitions)
        consumer.assign(partitions)
        await consumer.commit(dict(ends.items()))
    finally:
        await consumer.stop()


async def test_an_initiatives_evening_clashing_with_a_consultation_comes_back_to_the_initiative(
    kafka_bootstrap: str, unique: Callable[[str], str], tmp_path: Path
) -> None:
    area = fresh_area()
    corporation = unique("haag")
    scheduler_group, initiatives_group = unique("sched"), unique("ini")
    await ensure_topics(
        kafka_bootstrap, [*all_service_topics(), *partner_topics(corporation), *partner_topics("initiatives")]
    )
    await start_at_the_end(kafka_bootstrap, SCHEDULING_PLACEMENTS, f"{scheduler_group}-detector")
    await start_at_the_end(kafka_bootstrap, SCHEDULING_CONFLICTS, f"{initiatives_group}-conflicts")
    scheduler = create_runtime(
        SchedulingSettings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'scheduling.db'}",
            consumer_group=scheduler_group,
            partner_topic_pattern=rf"^partner\.({corporation}|initiatives)\.activities$",
        ),
        bootstrap_servers=kafka_bootstrap,
    )
    await scheduler.start()
    try:
        url = f"sqlite+aiosqlite:///{tmp_path / 'initiatives.db'}"
        async with running(kafka_bootstrap, url, initiatives_group) as service:
            submitted = await service.client.post(
                "/v1/submissions", json=form(neighbourhoods=[area.buurten[0]])
            )
            reference = submitted.json()["initiative_id"]
            evening = at(quiet_evening(), 19, 30)
            consultation = activity(f"renovatie-{uuid.uuid4().hex[:6]}", evening, 2, [area.buurten[0]])
            await publish(
                kafka_bootstrap, partner_activities(corporation), consultation, key=consultation.activity_id
            )
            meeting = {
                "title": "Bewonersavond over de buurtmaaltijd",
                "kind": "residents_meeting",
                "starts_at": (evening + timedelta(minutes=30)).isoformat(),
                "ends_at": (evening + timedelta(hours=2)).isoformat(),
            }
            planned = await service.client.put(
                f"/v1/initiatives/{reference}/activities/bewonersavond", json=meeting, headers=service.staff
            )
            assert planned.status_code == 202, planned.text

            async def attached() -> list[dict[str, object]]:
                detail = await service.client.get(f"/v1/initiatives/{reference}", headers=service.staff)
                return list(detail.json()["conflicts"])

            await wait_for(attached, timeout=90, interval=0.5)
            conflicts = await attached()
            assert {c["rule"] for c in conflicts} >= {"neighbourhood_overlap"}
            assert all(c["activity_id"] == f"{reference}.bewonersavond" for c in conflicts)
            kinds = [e.type for e in await events_of(kafka_bootstrap, {reference})]
            assert "initiative.conflict_attached" in kinds
    finally:
        await scheduler.stop()
