"""The scheduler on a real broker: partners publish, update and withdraw; conflicts open and resolve."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

from contracts.topics import SCHEDULING_AGENDA, partner_feedback
from scheduling.main import create_runtime
from scheduling.settings import SchedulingSettings
from scheduling_support import (
    Partners,
    activity,
    at,
    conflict_events,
    fresh_area,
    quiet_evening,
    settled,
    skip_history,
)
from support.testing import read_topic, wait_for
from werkplaats.runtime import ServiceRuntime


async def scheduler(
    database_url: str, bootstrap: str, group: str, partners: Partners | None = None
) -> ServiceRuntime:
    await skip_history(bootstrap, group)
    settings = SchedulingSettings(database_url=database_url, consumer_group=group, outbox_idle_poll_s=0.2)
    if partners is not None:
        settings.partner_topic_pattern = partners.topic_pattern()
    return create_runtime(settings, bootstrap_servers=bootstrap)


async def events_of(bootstrap: str, partners: Partners, count: int) -> list[tuple[str, str | None]]:
    slugs = set(partners.slugs.values())

    async def enough() -> bool:
        return len(await conflict_events(bootstrap, slugs)) >= count

    await wait_for(enough, timeout=60, interval=0.5)
    return await conflict_sequence(bootstrap, partners)


async def conflict_sequence(bootstrap: str, partners: Partners) -> list[tuple[str, str | None]]:
    return [(e.type, e.rule) for e in await conflict_events(bootstrap, set(partners.slugs.values()))]


async def test_publish_update_withdraw_yields_the_exact_conflict_sequence(
    kafka_bootstrap: str, unique, database_url: str
) -> None:
    area, day = fresh_area(), quiet_evening()
    partners = Partners(kafka_bootstrap, "gemeente", "staedion", "welzijn")
    runtime = await scheduler(database_url, kafka_bootstrap, unique("sched"), partners)
    await runtime.start()
    try:
        async with partners:
            wijk_consultation = activity("herinrichting", at(day, 19), 2, [area.wijk])
            await partners.publish("gemeente", wijk_consultation)
            await partners.publish("staedion", activity("renovatie", at(day, 20), 2, [area.buurten[0]]))
            assert await events_of(kafka_bootstrap, partners, 1) == [
                ("conflict.detected", "neighbourhood_overlap")
            ]

            await partners.publish(
                "welzijn", activity("taalcafe", at(day, 21, 30), 1, [area.buurten[1]], kind="workshop")
            )
            assert (await events_of(kafka_bootstrap, partners, 2))[1] == ("conflict.detected", "same_evening")

            await partners.publish("gemeente", wijk_consultation)  # unchanged: nothing happens
            moved = activity("renovatie", at(day + timedelta(days=1), 20), 2, [area.buurten[0]])
            await partners.publish("staedion", moved)
            assert (await events_of(kafka_bootstrap, partners, 3))[2] == (
                "conflict.resolved",
                "neighbourhood_overlap",
            )

            await partners.withdraw("gemeente", "herinrichting")
            await settled(runtime, kafka_bootstrap, partners)  # nothing more can follow
            assert await conflict_sequence(kafka_bootstrap, partners) == [
                ("conflict.detected", "neighbourhood_overlap"),
                ("conflict.detected", "same_evening"),
                ("conflict.resolved", "neighbourhood_overlap"),
                ("conflict.resolved", "same_evening"),
            ]
            agenda = [json.loads(r.value) for r in await read_topic(kafka_bootstrap, SCHEDULING_AGENDA)]
            ours = [e for e in agenda if e["data"]["organisation"] in partners.slugs.values()]
            assert Counter(e["type"] for e in ours) == {
                "agenda.activity_upserted": 4,
                "agenda.activity_removed": 1,
            }
    finally:
        await runtime.stop()


async def test_rejected_message_reaches_the_partner_feedback_topic(
    kafka_bootstrap: str, unique, tmp_path: Path
) -> None:
    runtime = await scheduler(f"sqlite+aiosqlite:///{tmp_path / 's.db'}", kafka_bootstrap, unique("sched"))
    await runtime.start()
    try:
        async with Partners(kafka_bootstrap, "hofwonen") as partners:
            broken = activity("kapot", at(quiet_evening(), 19), 2, ["BU05183620"]).model_dump(mode="json")
            broken["neighbourhoods"] = ["Moerwijk"]
            document = {
                "event_id": "7d7c8f36-0c55-4a4e-9b41-1f0f1f0f1f0f",
                "type": "activity.published",
                "version": 1,
                "occurred_at": "2026-11-26T10:00:00+01:00",
                "source": "x",
                "data": broken,
            }
            await partners.producer.send_and_wait(
                f"partner.{partners.slugs['hofwonen']}.activities",
                json.dumps(document).encode(),
                key=b"kapot",
            )
            feedback_topic = partner_feedback(partners.slugs["hofwonen"])

            async def feedback_arrived() -> bool:
                return bool(await read_topic(kafka_bootstrap, feedback_topic))

            await wait_for(feedback_arrived, timeout=60, interval=0.5)
            [record] = await read_topic(kafka_bootstrap, feedback_topic)
            rejected = json.loads(record.value)
            assert rejected["type"] == "activity.rejected"
            assert rejected["data"]["activity_id"] == "kapot"
            assert rejected["data"]["problems"][0]["field"] == "data.neighbourhoods"
            assert "Bewonersavond kapot" not in record.value.decode()  # why, without a copy of the payload
    finally:
        await runtime.stop()
