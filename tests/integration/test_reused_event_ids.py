"""A partner that reuses an event_id for other content is told so; a redelivery stays a silent duplicate."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from contracts import encode_event, new_event
from contracts.topics import partner_activities, partner_feedback
from scheduling.main import create_app
from scheduling.settings import SchedulingSettings
from scheduling.store import ActivityRow
from scheduling_support import Partners, activity, at, fresh_area, quiet_evening, skip_history
from support.testing import read_topic, wait_for
from werkplaats.runtime import ServiceRuntime


@pytest.fixture
async def scheduler(
    kafka_bootstrap: str, database_url: str
) -> AsyncIterator[tuple[ServiceRuntime, Partners]]:
    partners = Partners(kafka_bootstrap, "corp")
    await skip_history(kafka_bootstrap, group := f"reuse-{uuid.uuid4().hex[:6]}")
    settings = SchedulingSettings(
        database_url=database_url, consumer_group=group, partner_topic_pattern=partners.topic_pattern()
    )
    runtime: ServiceRuntime = create_app(settings, bootstrap_servers=kafka_bootstrap).state.runtime
    async with partners:
        await runtime.start()
        try:
            yield runtime, partners
        finally:
            await runtime.stop()


async def test_a_reused_event_id_is_rejected_with_feedback_and_a_redelivery_is_silent(
    kafka_bootstrap: str, scheduler: tuple[ServiceRuntime, Partners]
) -> None:
    runtime, partners = scheduler
    slug, day, area = partners.slugs["corp"], quiet_evening(), fresh_area()
    first = new_event(activity("een", at(day, 19), 2, [area.wijk], title="Eerste avond"), source=slug)
    other = first.model_copy(
        update={"data": activity("een", at(day, 20), 2, [area.wijk], title="Een andere avond")}
    )
    for event in (first, first, other):  # the first again is a redelivery; the other reuses its id
        await partners.producer.send_and_wait(partner_activities(slug), encode_event(event), key=b"een")
    await partners.publish("corp", activity("twee", at(day, 10), 1, [area.wijk]))

    async def feedback() -> list[dict[str, Any]]:
        return [json.loads(r.value) for r in await read_topic(kafka_bootstrap, partner_feedback(slug))]

    async def taken_in() -> dict[str, str]:
        async with runtime.database.sessions() as session:
            rows = await session.scalars(select(ActivityRow).where(ActivityRow.organisation == slug))
            return {row.activity_id: row.payload["title"] for row in rows}

    await wait_for(lambda: _has(taken_in, "twee"), timeout=60)
    await wait_for(feedback, timeout=60)
    (told,) = await feedback()
    assert told["type"] == "activity.rejected"
    assert told["data"]["activity_id"] == "een"
    assert told["data"]["rejected_event_id"] == str(first.event_id)
    assert f"event_id {first.event_id} was already used for a different event" in told["data"]["reason"]
    assert (await taken_in())["een"] == "Eerste avond"
    dead = await read_topic(kafka_bootstrap, partner_activities(slug) + ".dlq")
    assert [json.loads(r.value)["data"]["title"] for r in dead] == ["Een andere avond"]


async def _has(taken_in: Any, activity_id: str) -> bool:
    return activity_id in await taken_in()
