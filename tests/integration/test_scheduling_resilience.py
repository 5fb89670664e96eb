"""The scheduler survives kills, redelivery and scale-out: every conflict exactly once, none missed."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections import defaultdict
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

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
    groups_settled,
    outbox_empty_in,
    quiet_evening,
    skip_history,
)
from support.testing import committed_offsets, wait_for

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


def start_scheduler(
    bootstrap: str,
    database_url: str,
    group: str,
    log: Path,
    partners: Partners,
    *,
    detection: str = "inline",
    port: int | None = None,
) -> subprocess.Popen[bytes]:
    environment = os.environ | {
        "SCHEDULING_PARTNER_TOPIC_PATTERN": partners.topic_pattern(),
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SCHEDULING_DATABASE_URL": database_url,
        "SCHEDULING_CONSUMER_GROUP": group,
        "SCHEDULING_HTTP_PORT": str(port or free_port()),
        "SCHEDULING_BATCH_SIZE": "20",
        "SCHEDULING_DETECTION": detection,
        "WERKPLAATS_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "werkplaats", "run", "scheduling"]
    return subprocess.Popen(command, env=environment, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def detected_once_each(
    bootstrap: str, partners: Partners, expected: set[str], *, overlaps: int, group: str, database_url: str
) -> None:
    """Wait until ``group`` has done all it will do; then every expected conflict once, and no other.

    ``overlaps`` is the number of neighbourhood overlaps the plans hold by construction (one per pair),
    counted without the domain under test.
    """
    await settled(bootstrap, partners, group, database_url)
    event_ids: dict[str, set[str]] = defaultdict(set)
    rules: dict[str, str | None] = {}
    for event in await conflict_events(bootstrap, set(partners.slugs.values())):
        assert event.type == "conflict.detected", event
        event_ids[event.conflict_id].add(event.event_id)
        rules[event.conflict_id] = event.rule
    assert set(event_ids) == expected
    assert sum(rule == "neighbourhood_overlap" for rule in rules.values()) == overlaps
    assert all(len(ids) == 1 for ids in event_ids.values()), "a conflict was announced twice"


async def settled(bootstrap: str, partners: Partners, group: str, database_url: str) -> None:
    """Intake committed every partner record, the detector every placement, the outbox is empty."""
    own = [partner_activities(slug) for slug in partners.slugs.values()]
    await groups_settled(
        bootstrap, group, own, lambda: outbox_empty_in(database_url), timeout=180, interval=0.2
    )


async def _intake_committed(bootstrap: str, group: str, partners: Partners) -> int:
    own = {partner_activities(slug) for slug in partners.slugs.values()}
    committed = await committed_offsets(bootstrap, f"{group}-intake")
    return sum(offset for tp, offset in committed.items() if tp.topic in own)


async def test_scheduler_killed_mid_stream_announces_every_conflict_once(
    kafka_bootstrap: str, unique, tmp_path: Path, database_url: str
) -> None:
    area, group = fresh_area(), unique("sched")
    await skip_history(kafka_bootstrap, group)
    partners = Partners(kafka_bootstrap, "gemeente", "staedion")
    process = start_scheduler(kafka_bootstrap, database_url, group, tmp_path / "scheduler.log", partners)
    try:
        async with partners:
            published = plans(area)
            # The stream arrives in three parts; each kill waits for work done on the part so far, and
            # the rest of the stream is not even published yet: every kill lands mid-stream.
            parts = (published[:40], published[40:80], published[80:])
            for threshold, part in zip((20, 60), parts, strict=False):  # records are read 20 at a time
                for name, item in part:
                    await partners.publish(name, item)
                await wait_for(
                    lambda t=threshold: _reached(_intake_committed(kafka_bootstrap, group, partners), t),
                    timeout=120,
                    interval=0.1,
                )
                process.send_signal(signal.SIGKILL)
                assert process.wait(timeout=10) == -signal.SIGKILL
                committed = await _intake_committed(kafka_bootstrap, group, partners)
                assert threshold <= committed < len(published), "killed mid-stream, after doing some work"
                process = start_scheduler(
                    kafka_bootstrap, database_url, group, tmp_path / "scheduler.log", partners
                )
            for name, item in parts[-1]:
                await partners.publish(name, item)
            await detected_once_each(
                kafka_bootstrap,
                partners,
                expected_conflicts(partners, published),
                overlaps=PAIRS,
                group=group,
                database_url=database_url,
            )
    finally:
        process.terminate()
        process.wait(timeout=30)


async def _some_conflicts(bootstrap: str, partners: Partners) -> bool:
    return bool(await conflict_events(bootstrap, set(partners.slugs.values())))


async def _reached(count: Awaitable[int], at_least: int) -> bool:
    return await count >= at_least


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
                SchedulingSettings(
                    database_url=database_url,
                    consumer_group=group,
                    partner_topic_pattern=partners.topic_pattern(),
                ),
                bootstrap_servers=kafka_bootstrap,
            )
            await runtime.start()
            try:
                await detected_once_each(  # waits until this group has read the partners' topics anew
                    kafka_bootstrap,
                    partners,
                    expected_conflicts(partners, published),
                    overlaps=len(published) // 2,
                    group=group,
                    database_url=database_url,
                )
                assert await _intake_committed(kafka_bootstrap, group, partners) == len(published)
            finally:
                await runtime.stop()


@pytest.mark.parametrize("detection", ["inline", "partitioned"])
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_instances_find_the_same_conflicts_as_one_even_when_one_is_killed(
    kafka_bootstrap: str, unique, tmp_path: Path, database_url: str, detection: str
) -> None:
    area, group = fresh_area(), unique("sched")
    log = tmp_path / "schedulers.log"
    await skip_history(kafka_bootstrap, group)
    partners = Partners(kafka_bootstrap, "gemeente", "staedion")
    first = start_scheduler(kafka_bootstrap, database_url, group, log, partners, detection=detection)
    second = start_scheduler(kafka_bootstrap, database_url, group, log, partners, detection=detection)
    try:
        async with partners:
            published = plans(area)
            for name, item in published[: len(published) // 2]:
                await partners.publish(name, item)
            await wait_for(lambda: _some_conflicts(kafka_bootstrap, partners), timeout=120, interval=0.2)
            second.send_signal(signal.SIGKILL)
            second.wait(timeout=10)
            for name, item in published[len(published) // 2 :]:
                await partners.publish(name, item)
            await detected_once_each(
                kafka_bootstrap,
                partners,
                expected_conflicts(partners, published),
                overlaps=PAIRS,
                group=group,
                database_url=database_url,
            )
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_inline_instances_on_one_postgres_database_announce_the_oracles_conflicts_once_each(
    kafka_bootstrap: str, unique, tmp_path: Path, database_url: str
) -> None:
    """Both instances take in activities of one zone at once; each sees the other's (zone locks, tokens)."""
    area, group = fresh_area(), unique("sched")
    log = tmp_path / "schedulers.log"
    await skip_history(kafka_bootstrap, group)
    partners = Partners(kafka_bootstrap, "gemeente", "staedion")
    ports = free_port(), free_port()
    processes = [
        start_scheduler(kafka_bootstrap, database_url, group, log, partners, port=port) for port in ports
    ]
    try:
        async with partners:
            await wait_for(lambda: _members(kafka_bootstrap, f"{group}-intake", 2), timeout=120, interval=0.2)
            published = plans(area)  # one wijk: every activity in one zone; each pair split over two topics
            for name, item in published:
                await partners.publish(name, item)
            await detected_once_each(
                kafka_bootstrap,
                partners,
                expected_conflicts(partners, published),
                overlaps=PAIRS,
                group=group,
                database_url=database_url,
            )
            taken_in = [await _taken_in(port) for port in ports]
            assert sum(taken_in) == len(published)
            assert all(taken_in), f"both instances took activities in: {taken_in}"
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


async def _members(bootstrap: str, group: str, wanted: int) -> bool:
    """Whether ``group`` is stable with ``wanted`` members."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    [(_, _, state, _, _, members, *_)] = described.groups
    return state == "Stable" and len(members) == wanted


async def _taken_in(port: int) -> int:
    """Partner records one scheduler process took in, from its ``/metrics``."""
    async with httpx.AsyncClient(timeout=30) as client:
        text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    pattern = (
        r'^werkplaats_messages_total\{[^}]*consumer="scheduling-intake"[^}]*outcome="processed"[^}]*\} (\S+)$'
    )
    return round(sum(float(value) for value in re.findall(pattern, text, flags=re.MULTILINE)))
