"""The scheduling operator commands against a real broker and an in-process scheduling service."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import typer
from aiokafka import AIOKafkaConsumer, TopicPartition
from typer.testing import CliRunner, Result

from contracts import (
    ActivityKind,
    ActivityPublished,
    ActivityWithdrawn,
    ConflictAcknowledged,
    ConflictDetected,
    ConflictResolved,
    ConflictRule,
    ContractError,
    Envelope,
    EventData,
    OrganisationRole,
    TargetGroup,
    decode_event,
)
from contracts.topics import SCHEDULING_CONFLICTS, SCHEDULING_PLACEMENTS, all_service_topics, partner_topics
from scheduling import cli as scheduling_cli
from scheduling.cli.console import ConflictFilter, Console
from scheduling.demo import publish_activities
from scheduling.domain import AMSTERDAM, load_calendar
from scheduling.domain.clock import Occurrence, to_us
from scheduling.main import create_runtime
from scheduling.settings import SchedulingSettings
from support.testing import read_topic, wait_for
from werkplaats.organisations import OrganisationExistsError, add_organisation
from werkplaats.topics_admin import ensure_topics

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    from werkplaats.cli import app

    scheduling_cli.register(app)
    return app


async def werkplaats(app: typer.Typer, *args: str) -> Result:
    """Run ``werkplaats <args>`` in a thread, so the service in this event loop keeps working."""
    return await asyncio.to_thread(runner.invoke, app, list(args))


@dataclass(frozen=True)
class Scenario:
    """Two organisations of this test only, in a neighbourhood code no other test uses."""

    token: str
    wijk: str

    @property
    def municipality(self) -> str:
        return f"clia-{self.token}"

    @property
    def corporation(self) -> str:
        return f"clib-{self.token}"

    @property
    def partner_pattern(self) -> str:
        return rf"^partner\.cli[ab]-{self.token}\.activities$"

    def consultation(self, activity_id: str, starts_at: datetime, group: TargetGroup) -> ActivityPublished:
        return ActivityPublished(
            activity_id=activity_id,
            title=f"Inspraakavond {activity_id}",
            kind=ActivityKind.CONSULTATION,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            neighbourhoods=[f"{self.wijk.replace('WK', 'BU')}01"],
            target_groups=[group],
        )


def bad_evening(day: date) -> bool:
    """Whether the shipped calendar objects to an evening meeting on ``day``."""
    start = datetime.combine(day, time(19), AMSTERDAM)
    return bool(load_calendar().reasons(Occurrence(to_us(start), to_us(start + timedelta(hours=3)))))


def quiet_evening(after: date) -> date:
    """The first date after ``after`` whose evening, and the evening a week later, are unobjectionable."""
    day = after + timedelta(days=1)
    while bad_evening(day) or bad_evening(day + timedelta(days=7)):
        day += timedelta(days=1)
    return day


async def start_at_the_end(bootstrap: str, topic: str, group: str) -> None:
    """Commit ``group``'s offsets at the end of ``topic``, so a fresh service skips other tests' history."""
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


@pytest.fixture
async def scenario(
    kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Scenario]:
    """The scheduling service running in this event loop, reading only this scenario's partner topics."""
    token = uuid.uuid4().hex[:10]
    scenario = Scenario(token, f"WK99{int(token[:6], 16) % 10_000:04d}")
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'scheduling.db'}"
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    monkeypatch.setenv("SCHEDULING_DATABASE_URL", database_url)
    group = f"cli-scheduling-{token}"
    settings = SchedulingSettings(
        database_url=database_url, consumer_group=group, partner_topic_pattern=scenario.partner_pattern
    )
    await ensure_topics(kafka_bootstrap, all_service_topics())
    await start_at_the_end(kafka_bootstrap, SCHEDULING_PLACEMENTS, f"{group}-detector")
    await ensure_topics(
        kafka_bootstrap, [*partner_topics(scenario.municipality), *partner_topics(scenario.corporation)]
    )
    runtime = create_runtime(settings, bootstrap_servers=kafka_bootstrap)
    await runtime.start()
    try:
        yield scenario
    finally:
        await runtime.stop()


async def conflict_events(bootstrap: str) -> list[Envelope[EventData]]:
    envelopes = []
    for record in await read_topic(bootstrap, SCHEDULING_CONFLICTS, timeout=30):
        with contextlib.suppress(ContractError):
            if record.value:
                envelopes.append(decode_event(record.value))
    return envelopes


async def overlaps_of(bootstrap: str, organisation: str) -> dict[str, ConflictDetected]:
    found = {}
    for envelope in await conflict_events(bootstrap):
        data = envelope.data
        if (
            isinstance(data, ConflictDetected)
            and data.rule is ConflictRule.NEIGHBOURHOOD_OVERLAP
            and any(activity.organisation == organisation for activity in data.activities)
        ):
            found[data.conflict_id] = data
    return found


async def has_event(bootstrap: str, kind: type[EventData], conflict_id: str) -> bool:
    return any(
        isinstance(e.data, kind) and getattr(e.data, "conflict_id", None) == conflict_id
        for e in await conflict_events(bootstrap)
    )


async def register_acknowledger(bootstrap: str) -> None:
    """The operations organisation that accepts conflicts, named in the organisations directory."""
    with contextlib.suppress(OrganisationExistsError):
        await add_organisation(
            bootstrap,
            "npzw",
            name="Nationaal Programma Den Haag Zuidwest",
            role=OrganisationRole.OPERATIONS,
        )


async def test_operators_list_follow_and_acknowledge_conflicts(
    scenario: Scenario, kafka_bootstrap: str, app: typer.Typer
) -> None:
    await register_acknowledger(kafka_bootstrap)
    first = quiet_evening(datetime.now(AMSTERDAM).date() + timedelta(days=14))
    evening = datetime.combine(first, time(19), AMSTERDAM)
    week_later = evening + timedelta(days=7)
    plans = [
        (scenario.municipality, scenario.consultation("a-1", evening, TargetGroup.TENANTS)),
        (
            scenario.corporation,
            scenario.consultation("b-1", evening + timedelta(minutes=30), TargetGroup.TENANTS),
        ),
        (scenario.municipality, scenario.consultation("a-2", week_later, TargetGroup.YOUTH)),
        (
            scenario.corporation,
            scenario.consultation("b-2", week_later + timedelta(hours=1), TargetGroup.YOUTH),
        ),
    ]
    await publish_activities(kafka_bootstrap, plans)

    async def two_overlaps() -> bool:
        return len(await overlaps_of(kafka_bootstrap, scenario.municipality)) == 2

    await wait_for(two_overlaps, timeout=90, interval=0.5)
    detected = sorted(
        (await overlaps_of(kafka_bootstrap, scenario.municipality)).values(), key=lambda d: d.starts_at
    )
    accepted_id, withdrawn_id = detected[0].conflict_id, detected[1].conflict_id

    listed = await werkplaats(app, "conflicts", "--neighbourhood", scenario.wijk)
    assert listed.exit_code == 0, listed.output
    assert accepted_id in listed.stdout
    assert withdrawn_id in listed.stdout
    assert "HOOG · overlap in de buurt · open" in listed.stdout
    assert "2 conflicten: 2 open, 0 opgelost" in listed.stdout

    in_english = await werkplaats(
        app, "conflicts", "--neighbourhood", scenario.wijk, "--lang", "en", "--severity", "high"
    )
    assert "HIGH · neighbourhood overlap · open" in in_english.stdout
    assert "2 conflicts: 2 open, 0 resolved" in in_english.stdout

    followed: list[str] = []
    chosen = ConflictFilter(neighbourhood=scenario.wijk)
    follower = asyncio.create_task(
        scheduling_cli.show_conflicts(
            kafka_bootstrap, chosen, Console("nl"), follow=True, emit=followed.append
        )
    )
    try:
        await wait_for(lambda: followed, timeout=30)

        acknowledged = await werkplaats(app, "conflicts-ack", accepted_id, "--reason", "Bewust samen gepland")
        assert acknowledged.exit_code == 0, acknowledged.output
        await wait_for(
            lambda: has_event(kafka_bootstrap, ConflictAcknowledged, accepted_id), timeout=30, interval=0.5
        )
        await wait_for(lambda: any(f"geaccepteerd: {accepted_id}" in line for line in followed), timeout=30)

        await publish_activities(
            kafka_bootstrap, [(scenario.municipality, ActivityWithdrawn(activity_id="a-2"))]
        )
        await wait_for(
            lambda: has_event(kafka_bootstrap, ConflictResolved, withdrawn_id), timeout=60, interval=0.5
        )
        await wait_for(lambda: any(f"opgelost: {withdrawn_id}" in line for line in followed), timeout=30)
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower

    everything = await werkplaats(app, "conflicts", "--neighbourhood", scenario.wijk, "--status", "all")
    assert "open, geaccepteerd" in everything.stdout
    assert "door Nationaal Programma Den Haag Zuidwest: Bewust samen gepland" in everything.stdout
    assert "2 conflicten: 1 open, 1 opgelost" in everything.stdout

    refused = await werkplaats(app, "conflicts-ack", withdrawn_id, "--reason", "te laat")
    assert refused.exit_code == 1
    assert "resolved" in refused.stderr

    unknown = await werkplaats(
        app, "conflicts-ack", "nbo-000000000000000000000000", "--reason", "bestaat niet"
    )
    assert unknown.exit_code == 1
    assert "no conflict 'nbo-000000000000000000000000'" in unknown.stderr


def test_dates_added_by_operations_are_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app: typer.Typer
) -> None:
    monkeypatch.setenv("SCHEDULING_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'dates.db'}")
    days = ["--first", "2031-06-12", "--last", "2031-06-13", "--evening"]
    names = ["--nl", "Wijkfeest Moerwijk", "--en", "Moerwijk street party"]
    added = runner.invoke(
        app, ["dates", "add", *days, *names, "--source", "wijkagenda Moerwijk", "--id", "wijkfeest-2031"]
    )
    assert added.exit_code == 0, added.output

    listed = runner.invoke(app, ["dates", "list", "--lang", "en", "--all"])
    assert listed.exit_code == 0, listed.output
    assert "2031-06-12 - 2031-06-13 Moerwijk street party (from 17:00)" in listed.stdout
    assert "wijkfeest-2031 · wijkagenda Moerwijk" in listed.stdout
    assert "· holidays.NL" in listed.stdout


def test_a_date_that_ends_before_it_starts_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app: typer.Typer
) -> None:
    monkeypatch.setenv("SCHEDULING_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'dates.db'}")
    refused = runner.invoke(
        app,
        [
            "dates",
            "add",
            "--first",
            "2031-06-12",
            "--last",
            "2031-06-11",
            "--nl",
            "x",
            "--en",
            "y",
            "--source",
            "z",
        ],
    )

    assert refused.exit_code == 2
    assert "last must not be before first" in refused.stderr
