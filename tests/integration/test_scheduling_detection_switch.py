"""A switch from partitioned to inline detection loses nothing: the idle placements consumer drains it."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.topics import SCHEDULING_PLACEMENTS, partner_activities
from scheduling.main import create_runtime
from scheduling.settings import DetectionMode, SchedulingSettings
from scheduling.subscribers import IDLE_FETCH_WAIT_MS, PLACEMENTS_CONSUMER
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
from support.testing import wait_for, wait_until_consumed
from werkplaats.runtime import ServiceRuntime


def scheduler(
    database_url: str, bootstrap: str, group: str, partners: Partners, mode: DetectionMode
) -> ServiceRuntime:
    settings = SchedulingSettings(
        database_url=database_url,
        consumer_group=group,
        outbox_idle_poll_s=0.2,
        detection=mode,
        partner_topic_pattern=partners.topic_pattern(),
    )
    return create_runtime(settings, bootstrap_servers=bootstrap)


def without_placements_consumer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runtimes made now register no placements consumer: a partitioned run stopped before detecting."""
    consume = ServiceRuntime.consume

    def only_others(self: ServiceRuntime, *topics: str, name: str, **options: Any) -> Any:
        return None if name == PLACEMENTS_CONSUMER else consume(self, *topics, name=name, **options)

    monkeypatch.setattr(ServiceRuntime, "consume", only_others)


def placements_fetch_wait(runtime: ServiceRuntime) -> int:
    """How long the placements consumer's fetches wait at the broker for a first byte."""
    (subscriber,) = [s for s in runtime.broker.subscribers if SCHEDULING_PLACEMENTS in str(s.topics)]
    return int(subscriber._connection_args["fetch_max_wait_ms"])  # type: ignore[attr-defined]


async def test_placements_left_by_a_partitioned_run_are_detected_by_the_inline_run_after_it(
    kafka_bootstrap: str, unique: Any, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    area, day, group = fresh_area(), quiet_evening(), unique("switch")
    partners = Partners(kafka_bootstrap, "gemeente", "staedion")
    await skip_history(kafka_bootstrap, group)
    async with partners:
        with monkeypatch.context() as patched:
            without_placements_consumer(patched)
            partitioned = scheduler(database_url, kafka_bootstrap, group, partners, DetectionMode.PARTITIONED)
        await partitioned.start()
        try:
            await partners.publish("gemeente", activity("inspraak", at(day, 19), 2, [area.wijk]))
            await partners.publish("staedion", activity("renovatie", at(day, 20), 2, [area.buurten[0]]))
            sent = [partner_activities(slug) for slug in partners.slugs.values()]
            await wait_until_consumed(kafka_bootstrap, f"{group}-intake", sent)

            async def placements_published() -> bool:
                return await partitioned.relay.pending() == 0

            await wait_for(placements_published, timeout=30, interval=0.1)
        finally:
            await partitioned.stop()
        slugs = set(partners.slugs.values())
        assert await conflict_events(kafka_bootstrap, slugs) == []

        inline = scheduler(database_url, kafka_bootstrap, group, partners, DetectionMode.INLINE)
        assert placements_fetch_wait(inline) == IDLE_FETCH_WAIT_MS
        await inline.start()
        try:
            await settled(inline, kafka_bootstrap, partners)
        finally:
            await inline.stop()
    detected = await conflict_events(kafka_bootstrap, slugs)
    assert [(e.type, e.rule) for e in detected] == [("conflict.detected", "neighbourhood_overlap")]
