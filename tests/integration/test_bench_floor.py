"""The domain floor benchmark at a tiny size: the shape burst taken in without database or Kafka."""

from __future__ import annotations

from datetime import datetime

from benchmarks.scheduling.floor import burst_records, markdown, measure, take_in
from contracts import decode_event
from scheduling.domain import AMSTERDAM


def test_the_burst_records_are_partner_activities_of_one_organisation() -> None:
    records = burst_records(300, datetime.now(AMSTERDAM))
    assert len(records) == 300
    events = [decode_event(value) for _, value in records]
    assert {event.type for event in events} == {"activity.published"}
    assert [key for key, _ in records] == [f"b{i}".encode() for i in range(300)]


async def test_the_floor_stages_an_agenda_event_per_activity_and_the_bursts_conflicts() -> None:
    records = burst_records(300, datetime.now(AMSTERDAM))
    loop = await take_in(records, batch=50)
    assert loop.activities == 300
    assert loop.events > 300  # one agenda event each, and the conflicts of a dense agenda
    assert loop.cpu_s > 0
    assert loop.wall_s > 0


async def test_the_floor_is_measured_against_the_raw_loop_on_the_same_records(kafka_bootstrap: str) -> None:
    loops = await measure(kafka_bootstrap, size=300, batch=50, rounds=1)
    raw, decoded, floor = loops
    assert [loop.activities for loop in loops] == [300, 300, 300]
    assert 0 < floor.ratio(raw) < decoded.ratio(raw)
    table = markdown(loops)
    assert f"| 1 | raw aiokafka consume loop | 300 | {raw.wall_s:.2f} |" in table
    assert f"| {floor.events:,} | {floor.ratio(raw):.3f} |" in table
