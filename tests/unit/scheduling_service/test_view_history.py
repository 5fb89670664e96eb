"""The agenda view's history: kept by key as it is read, decoded once per activity when read to its end."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import TopicPartition

from benchmarks.scheduling.pipeline import published
from benchmarks.scheduling.synthetic import World
from contracts import AgendaActivityRemoved, AgendaActivityUpserted, encode_event, new_event
from contracts.topics import SCHEDULING_AGENDA
from scheduling.domain import Activity, Agenda, load_areas
from scheduling.service import agenda_view
from scheduling.service.agenda_view import AgendaView
from support.fake_consumer import FakeConsumer
from werkplaats.follower import FollowerState

NOW = datetime.now(UTC)


class TopicOf(FakeConsumer):
    """A partition holding ``records`` (a few per fetch), then nothing new."""

    def __init__(self, records: list[SimpleNamespace]) -> None:
        super().__init__(history=len(records))
        self.topic, self.partition = SCHEDULING_AGENDA, TopicPartition(SCHEDULING_AGENDA, 0)
        self.records = records

    async def getmany(self, timeout_ms: int = 0) -> dict[TopicPartition, list[Any]]:
        if self.position_ >= self.history:
            await asyncio.sleep(timeout_ms / 1000)
            return {}
        start, self.position_ = self.position_, min(self.position_ + 7, self.history)
        return {self.partition: self.records[start : self.position_]}


def upsert_record(activity: Activity, offset: int) -> SimpleNamespace:
    data = AgendaActivityUpserted(
        organisation=activity.organisation, activity=published(activity), occurrences=[]
    )
    return _record(
        activity.organisation, activity.activity_id, encode_event(new_event(data, source="s")), offset
    )


def removal_record(activity: Activity, offset: int) -> SimpleNamespace:
    data = AgendaActivityRemoved(organisation=activity.organisation, activity_id=activity.activity_id)
    return _record(
        activity.organisation, activity.activity_id, encode_event(new_event(data, source="s")), offset
    )


def _record(organisation: str, activity_id: str, value: bytes, offset: int) -> SimpleNamespace:
    return SimpleNamespace(key=f"{organisation}/{activity_id}".encode(), value=value, offset=offset)


def history(seed: int, activities: int = 300) -> tuple[list[SimpleNamespace], World]:
    """Activities published, some published again (changed) or removed, as the topic holds them."""
    world = World.for_size(activities, NOW.date())
    rng = random.Random(seed)
    current = [world.activity(rng, f"a{i}", organisation=f"org-{i % 3}") for i in range(activities)]
    records = [upsert_record(activity, offset) for offset, activity in enumerate(current)]
    for _ in range(activities):
        index = rng.randrange(activities)
        offset = len(records)
        if rng.random() < 0.2:
            records.append(removal_record(current[index], offset))
            continue
        again = world.activity(rng, f"a{index}", organisation=f"org-{index % 3}")
        records.append(upsert_record(again, offset))
    return records, world


def new_view() -> AgendaView:
    return AgendaView("unused:9092", lambda zone: Agenda(owner_zone=zone), load_areas(), clock=lambda: NOW)


async def loaded_from(records: list[SimpleNamespace]) -> AgendaView:
    """A view that has read ``records`` as its topic's history and holds them."""
    view = new_view()
    view.follower.new_consumer = lambda: TopicOf(records)  # type: ignore[assignment,return-value]
    await view.start()
    await asyncio.wait_for(view.wait_loaded(), 10)
    await view.stop()
    return view


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every record value the view decodes, in order."""
    seen: list[bytes] = []
    decode = agenda_view.decode_event

    def counting(value: bytes, **options: Any) -> Any:
        seen.append(value)
        return decode(value, **options)

    monkeypatch.setattr(agenda_view, "decode_event", counting)
    return seen


async def test_the_history_is_decoded_once_per_activity_however_often_the_topic_holds_it(
    decodes: list[bytes],
) -> None:
    records, _ = history(seed=1)
    latest = {record.key: record.value for record in records}

    view = await loaded_from(records)

    assert len(records) > len(latest)
    assert sorted(decodes) == sorted(latest.values())
    assert len(view.entries) == len(decodes) - sum(b"activity_removed" in value for value in decodes)


@pytest.mark.parametrize("seed", [2, 3, 4])
async def test_a_view_loaded_from_its_history_answers_as_one_that_applied_every_record(seed: int) -> None:
    records, world = history(seed)
    every_record = new_view()
    for record in records:
        every_record.apply([SimpleNamespace(key=None, value=record.value, offset=record.offset)])

    view = await loaded_from(records)

    assert view.entries == every_record.entries
    for draft in world.drafts(40, seed):
        expected = [c.model_dump() for c in every_record.check(draft.organisation, published(draft), NOW)]
        assert [c.model_dump() for c in view.check(draft.organisation, published(draft), NOW)] == expected


async def test_the_view_is_loading_until_its_whole_history_is_held(monkeypatch: pytest.MonkeyPatch) -> None:
    records, _ = history(seed=5, activities=40)
    seen: list[tuple[bool, FollowerState, FollowerState]] = []
    view = new_view()
    upsert = view._upsert

    def noting(upserted: AgendaActivityUpserted, now: datetime) -> None:
        seen.append((view.loading, view.state, view.follower.state))
        upsert(upserted, now)

    monkeypatch.setattr(view, "_upsert", noting)
    view.follower.new_consumer = lambda: TopicOf(records)  # type: ignore[assignment,return-value]
    await view.start()
    await asyncio.wait_for(view.wait_loaded(), 10)
    try:
        assert seen
        assert all(loading and state is FollowerState.LOADING for loading, state, _ in seen)
        assert {reading for _, _, reading in seen} == {FollowerState.FOLLOWING}  # read to its end first
        assert not view.loading
        assert view.state is FollowerState.FOLLOWING
    finally:
        await view.stop()


async def test_waiting_for_a_view_stopped_before_its_history_is_held_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records, _ = history(seed=7, activities=40)
    view = new_view()
    holding = asyncio.Event()

    async def never_done(slice_size: int = 0) -> None:
        holding.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(view, "catch_up", never_done)
    view.follower.new_consumer = lambda: TopicOf(records)  # type: ignore[assignment,return-value]
    await view.start()
    await asyncio.wait_for(holding.wait(), 5)
    waiting = asyncio.create_task(view.wait_loaded())
    await asyncio.sleep(0)
    assert view.loading
    await view.stop()

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(waiting, 5)
    assert not view.loading
