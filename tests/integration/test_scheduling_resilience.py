"""The scheduler survives kills, redelivery and scale-out: every conflict exactly once, none missed."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contracts import ActivityPublished
from contracts.topics import partner_activities
from scheduling.domain import Activity, Agenda
from scheduling.main import create_runtime
from scheduling.settings import SchedulingSettings
from scheduling_support import (
    Area,
    Partners,
    activity,
    at,
    conflict_events,
    fresh_area,
    quiet_evening,
    skip_history,
)
from support.testing import wait_for

PAIRS = 60


def plans(area: Area) -> list[tuple[str, ActivityPublished]]:
    """Pairs of overlapping evenings in one wijk, spread over weeks: one overlap conflict per pair."""
    first = quiet_evening(days_ahead=14)
    published = []
    for n in range(PAIRS):
        day = first + timedelta(days=7 * (n // 3), hours=0)
        start = at(day, 9 + 3 * (n % 3))  # three pairs a day, in the morning, afternoon and evening
        buurt = area.buurten[n % len(area.buurten)]
        published.append(("gemeente", activity(f"g-{n}", start, 2, [buurt], target_groups=["seniors"])))
        published.append(
            ("staedion", activity(f"s-{n}", start + timedelta(hours=1), 2, [buurt], target_groups=["youth"]))
        )
    return published


def expected_conflicts(partners: Partners, published: list[tuple[str, ActivityPublished]]) -> set[str]:
    agenda = Agenda()
    now = datetime.now(UTC)
    for name, item in published:
        agenda.upsert(Activity.from_published(partners.slugs[name], item), now)
    return set(agenda.open_conflicts())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_scheduler(bootstrap: str, database_url: str, group: str, log: Path) -> subprocess.Popen[bytes]:
    environment = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SCHEDULING_DATABASE_URL": database_url,
        "SCHEDULING_CONSUMER_GROUP": group,
        "SCHEDULING_HTTP_PORT": str(free_port()),
        "SCHEDULING_BATCH_SIZE": "20",
        "WERKPLAATS_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "werkplaats", "run", "scheduling"]
    return subprocess.Popen(command, env=environment, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def detected_once_each(bootstrap: str, partners: Partners, expected: set[str]) -> None:
    """Wait until every expected conflict was detected; then no other, and none with two event ids."""
    slugs = set(partners.slugs.values())

    async def all_detected() -> bool:
        seen = {
            e.conflict_id for e in await conflict_events(bootstrap, slugs) if e.type == "conflict.detected"
        }
        return seen >= expected

    await wait_for(all_detected, timeout=180, interval=1.0)
    await asyncio.sleep(2.0)
    event_ids: dict[str, set[str]] = defaultdict(set)
    for event in await conflict_events(bootstrap, slugs):
        assert event.type == "conflict.detected", event
        event_ids[event.conflict_id].add(event.event_id)
    assert set(event_ids) == expected
    assert all(len(ids) == 1 for ids in event_ids.values()), "a conflict was announced twice"


async def test_scheduler_killed_mid_stream_announces_every_conflict_once(
    kafka_bootstrap: str, unique, tmp_path: Path
) -> None:
    area, group = fresh_area(), unique("sched")
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'scheduling.db'}"
    await skip_history(kafka_bootstrap, group)
    process = start_scheduler(kafka_bootstrap, database_url, group, tmp_path / "scheduler.log")
    try:
        async with Partners(kafka_bootstrap, "gemeente", "staedion") as partners:
            published = plans(area)
            for name, item in published:
                await partners.publish(name, item)
            for _ in range(2):
                await wait_for(lambda: _some_conflicts(kafka_bootstrap, partners), timeout=120, interval=0.2)
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
                process = start_scheduler(kafka_bootstrap, database_url, group, tmp_path / "scheduler.log")
            await detected_once_each(kafka_bootstrap, partners, expected_conflicts(partners, published))
    finally:
        process.terminate()
        process.wait(timeout=30)


async def _some_conflicts(bootstrap: str, partners: Partners) -> bool:
    return bool(await conflict_events(bootstrap, set(partners.slugs.values())))


async def test_redelivery_of_everything_announces_nothing_again(
    kafka_bootstrap: str, unique, tmp_path: Path
) -> None:
    area = fresh_area()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'scheduling.db'}"
    async with Partners(kafka_bootstrap, "gemeente", "staedion") as partners:
        published = plans(area)[:20]
        for name, item in published:
            await partners.publish(name, item)
        own_topics = {partner_activities(slug) for slug in partners.slugs.values()}
        for _ in range(2):  # the second run reads the partners' topics again from the start under a new group
            group = unique("sched")
            await skip_history(kafka_bootstrap, group, keep=own_topics)
            runtime = create_runtime(
                SchedulingSettings(database_url=database_url, consumer_group=group),
                bootstrap_servers=kafka_bootstrap,
            )
            await runtime.start()
            try:
                await detected_once_each(kafka_bootstrap, partners, expected_conflicts(partners, published))
            finally:
                await runtime.stop()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_instances_find_the_same_conflicts_as_one_even_when_one_is_killed(
    kafka_bootstrap: str, unique, tmp_path: Path, database_url: str
) -> None:
    area, group = fresh_area(), unique("sched")
    log = tmp_path / "schedulers.log"
    await skip_history(kafka_bootstrap, group)
    first = start_scheduler(kafka_bootstrap, database_url, group, log)
    second = start_scheduler(kafka_bootstrap, database_url, group, log)
    try:
        async with Partners(kafka_bootstrap, "gemeente", "staedion") as partners:
            published = plans(area)
            for name, item in published[: len(published) // 2]:
                await partners.publish(name, item)
            await wait_for(lambda: _some_conflicts(kafka_bootstrap, partners), timeout=120, interval=0.2)
            second.send_signal(signal.SIGKILL)
            second.wait(timeout=10)
            for name, item in published[len(published) // 2 :]:
                await partners.publish(name, item)
            await detected_once_each(kafka_bootstrap, partners, expected_conflicts(partners, published))
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
