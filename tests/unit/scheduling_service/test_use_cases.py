"""Intake and zone detection against the in-memory unit of work: what each stages and publishes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from benchmarks.scheduling.pipeline import published as as_published
from benchmarks.scheduling.synthetic import World
from contracts import ActivityPublished, ActivityWithdrawn, ConflictDetected, ConflictResolved
from contracts.areas import load_areas
from contracts.topics import SCHEDULING_AGENDA, SCHEDULING_CONFLICTS, SCHEDULING_PLACEMENTS
from scheduling.domain import Agenda, UnfavourableCalendar
from scheduling.domain.zones import zones_of
from scheduling.internal_events import PlacementChanged
from scheduling.service.acknowledge import ConflictResolvedError, acknowledge
from scheduling.service.detector import ZoneDetector
from scheduling.service.intake import Intake
from scheduling.service.placements import (
    Placement,
    publish_placement,
    zones_of_payload,
    zones_of_published,
)
from scheduling.store.memory import InMemorySchedulingUnitOfWork

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
START = datetime(2026, 12, 15, 19, 0, tzinfo=UTC)
MOERWIJK_OOST = "BU05183620"
HORIZON = timedelta(days=365)


def published(activity_id: str, start: datetime = START, **extra: Any) -> ActivityPublished:
    fields: dict[str, Any] = {
        "activity_id": activity_id,
        "title": f"Bewonersavond {activity_id}",
        "kind": "consultation",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "neighbourhoods": [MOERWIJK_OOST],
        "target_groups": ["tenants"],
    }
    return ActivityPublished.model_validate(fields | extra)


def types(unit: InMemorySchedulingUnitOfWork, topic: str) -> list[str]:
    return [envelope.type for envelope in unit.envelopes(topic)]


def detector() -> ZoneDetector:
    def new_agenda(zone: str | None) -> Agenda:
        calendar = UnfavourableCalendar((), public_holidays=False)
        return Agenda(calendar=calendar, horizon=HORIZON, owner_zone=zone)

    return ZoneDetector(new_agenda, load_areas(), clock=lambda: NOW)


def partitioned() -> Intake:
    return Intake(horizon=HORIZON, place=publish_placement)


async def test_a_new_activity_is_stored_put_on_the_agenda_and_placed_in_its_zones() -> None:
    unit = InMemorySchedulingUnitOfWork()
    assert await partitioned().publish(unit, "staedion", published("a-1"), correlation_id="c")
    await unit.commit()
    assert await unit.activities.get(("staedion", "a-1")) is not None
    assert types(unit, SCHEDULING_AGENDA) == ["agenda.activity_upserted"]
    zones = [envelope.data.zone for envelope in unit.envelopes(SCHEDULING_PLACEMENTS)]
    assert zones == ["wijk:WK051836"]
    assert {event.key for event in unit.published if event.topic == SCHEDULING_AGENDA} == {b"staedion/a-1"}


async def test_an_unchanged_activity_publishes_nothing() -> None:
    unit, intake = InMemorySchedulingUnitOfWork(), partitioned()
    await intake.publish(unit, "staedion", published("a-1"), correlation_id="c")
    await unit.commit()
    assert not await intake.publish(unit, "staedion", published("a-1"), correlation_id="c")
    assert unit.events == []


async def test_a_withdrawal_removes_the_activity_and_empties_its_zones() -> None:
    unit, intake = InMemorySchedulingUnitOfWork(), partitioned()
    await intake.publish(unit, "staedion", published("a-1"), correlation_id="c")
    withdrawn = ActivityWithdrawn(activity_id="a-1", reason="cancelled")
    assert await intake.withdraw(unit, "staedion", withdrawn, correlation_id="c")
    await unit.commit()
    assert await unit.activities.get(("staedion", "a-1")) is None
    assert types(unit, SCHEDULING_AGENDA) == ["agenda.activity_upserted", "agenda.activity_removed"]
    last = list(unit.envelopes(SCHEDULING_PLACEMENTS))[-1].data
    assert isinstance(last, PlacementChanged)
    assert last.activity is None


async def test_a_withdrawal_of_an_unknown_activity_changes_nothing() -> None:
    unit = InMemorySchedulingUnitOfWork()
    withdrawn = ActivityWithdrawn(activity_id="a-9", reason="cancelled")
    assert not await partitioned().withdraw(unit, "staedion", withdrawn, correlation_id="c")
    assert unit.events == []


async def place(
    unit: InMemorySchedulingUnitOfWork, zones: ZoneDetector, org: str, data: Any, seq: int
) -> None:
    placement = PlacementChanged(
        zone="wijk:WK051836",
        organisation=org,
        activity_id=data.activity_id if data else "a-1",
        activity=data,
        sequence=seq,
    )
    await zones.apply(unit, Placement.of(placement), correlation_id="c")
    await unit.commit()


async def test_two_overlapping_evenings_in_one_zone_are_one_detected_conflict() -> None:
    unit, zones = InMemorySchedulingUnitOfWork(), detector()
    await place(unit, zones, "staedion", published("a-1"), 1)
    await place(unit, zones, "gemeente-den-haag", published("b-1", START + timedelta(minutes=30)), 2)
    [event] = list(unit.envelopes(SCHEDULING_CONFLICTS))
    assert isinstance(event.data, ConflictDetected)
    assert {a.organisation for a in event.data.activities} == {"staedion", "gemeente-den-haag"}
    row = unit.conflicts.rows[event.data.conflict_id]
    assert (row.status, row.owner_zone) == ("open", "wijk:WK051836")


async def test_a_moved_evening_resolves_the_conflict_and_it_can_no_longer_be_accepted() -> None:
    unit, zones = InMemorySchedulingUnitOfWork(), detector()
    await place(unit, zones, "staedion", published("a-1"), 1)
    await place(unit, zones, "gemeente-den-haag", published("b-1", START + timedelta(minutes=30)), 2)
    await place(unit, zones, "gemeente-den-haag", published("b-1", START + timedelta(days=3)), 3)
    detected, resolved = (envelope.data for envelope in unit.envelopes(SCHEDULING_CONFLICTS))
    assert isinstance(resolved, ConflictResolved)
    assert resolved.conflict_id == detected.conflict_id
    with pytest.raises(ConflictResolvedError):
        await acknowledge(unit, detected.conflict_id, reason="known, agreed", by="gemeente-den-haag")


async def test_a_zone_rebuilt_from_its_members_announces_nothing_again() -> None:
    unit = InMemorySchedulingUnitOfWork()
    await place(unit, detector(), "staedion", published("a-1"), 1)
    await place(unit, detector(), "gemeente-den-haag", published("b-1", START + timedelta(minutes=30)), 2)
    await place(unit, detector(), "gemeente-den-haag", published("b-1", START + timedelta(minutes=30)), 3)
    assert types(unit, SCHEDULING_CONFLICTS) == ["conflict.detected"]


MORGENSTOND_ZUID = "BU05183480"


def inline() -> tuple[Intake, ZoneDetector]:
    zones = detector()
    return Intake(horizon=HORIZON, place=zones.apply), zones


async def test_inline_detection_announces_the_conflict_in_the_same_unit_of_work_without_placements() -> None:
    unit, (intake, _) = InMemorySchedulingUnitOfWork(), inline()
    await intake.publish(unit, "staedion", published("a-1"), correlation_id="c")
    await intake.publish(
        unit, "gemeente-den-haag", published("b-1", START + timedelta(minutes=30)), correlation_id="c"
    )
    await unit.commit()
    assert unit.commits == 1
    assert types(unit, SCHEDULING_PLACEMENTS) == []
    assert types(unit, SCHEDULING_CONFLICTS) == ["conflict.detected"]
    members = await unit.zones.members("wijk:WK051836")
    assert [organisation for organisation, _ in members] == ["staedion", "gemeente-den-haag"]


async def test_an_activity_moved_to_another_wijk_inline_leaves_its_old_zone_and_resolves_its_conflict() -> (
    None
):
    unit, (intake, _) = InMemorySchedulingUnitOfWork(), inline()
    await intake.publish(unit, "staedion", published("a-1"), correlation_id="c")
    await intake.publish(
        unit, "gemeente-den-haag", published("b-1", START + timedelta(minutes=30)), correlation_id="c"
    )
    moved = published("b-1", START + timedelta(minutes=30), neighbourhoods=[MORGENSTOND_ZUID])
    await intake.publish(unit, "gemeente-den-haag", moved, correlation_id="c")
    await unit.commit()
    assert types(unit, SCHEDULING_CONFLICTS) == ["conflict.detected", "conflict.resolved"]
    assert [o for o, _ in await unit.zones.members("wijk:WK051836")] == ["staedion"]
    assert [o for o, _ in await unit.zones.members("wijk:WK051834")] == ["gemeente-den-haag"]


async def test_an_inline_withdrawal_resolves_the_conflict_and_empties_the_zone() -> None:
    unit, (intake, _) = InMemorySchedulingUnitOfWork(), inline()
    await intake.publish(unit, "staedion", published("a-1"), correlation_id="c")
    await intake.publish(
        unit, "gemeente-den-haag", published("b-1", START + timedelta(minutes=30)), correlation_id="c"
    )
    withdrawn = ActivityWithdrawn(activity_id="b-1", reason="cancelled")
    await intake.withdraw(unit, "gemeente-den-haag", withdrawn, correlation_id="c")
    await unit.commit()
    assert types(unit, SCHEDULING_CONFLICTS) == ["conflict.detected", "conflict.resolved"]
    assert [o for o, _ in await unit.zones.members("wijk:WK051836")] == ["staedion"]


async def test_the_zones_a_batch_touches_are_those_of_the_stored_and_the_new_versions() -> None:
    unit, intake = InMemorySchedulingUnitOfWork(), partitioned()
    await intake.publish(unit, "staedion", published("a-1"), correlation_id="c")
    await unit.commit()
    moved = published("a-1", neighbourhoods=[MORGENSTOND_ZUID], venue={"venue_id": "allekanten"})
    new = published("c-1", neighbourhoods=["WK051833"])
    touched = await intake.zones_touched(
        unit,
        [
            ("staedion", moved),
            ("gemeente-den-haag", new),
            ("staedion", ActivityWithdrawn(activity_id="a-1")),
            ("staedion", ActivityWithdrawn(activity_id="never-published")),
        ],
    )
    assert touched == {"wijk:WK051836", "wijk:WK051834", "venue:allekanten", "wijk:WK051833"}


async def test_a_drained_placement_that_a_later_inline_change_superseded_is_skipped() -> None:
    unit, zones = InMemorySchedulingUnitOfWork(), detector()
    await partitioned().publish(unit, "staedion", published("a-1"), correlation_id="c")
    await unit.commit()
    [left_over] = [envelope.data for envelope in unit.envelopes(SCHEDULING_PLACEMENTS)]
    assert isinstance(left_over, PlacementChanged)
    later = Intake(horizon=HORIZON, place=zones.apply)
    await later.publish(unit, "staedion", published("a-1", START + timedelta(days=2)), correlation_id="c")
    await unit.commit()
    await zones.apply_placed(unit, left_over, correlation_id="c")
    await unit.commit()
    [(_, payload)] = await unit.zones.members("wijk:WK051836")
    assert payload["starts_at"] == (START + timedelta(days=2)).isoformat().replace("+00:00", "Z")


async def test_a_drained_withdrawal_older_than_the_member_is_skipped_and_a_current_one_applied() -> None:
    unit, zones = InMemorySchedulingUnitOfWork(), detector()
    intake = Intake(horizon=HORIZON, place=zones.apply)
    await intake.publish(unit, "staedion", published("a-1"), correlation_id="c")
    await unit.commit()
    [(stored, _)] = [(key, row) for key, row in unit.activities.rows.items()]
    sequence = int(unit.activities.rows[stored]["sequence"])
    gone = PlacementChanged(
        zone="wijk:WK051836", organisation="staedion", activity_id="a-1", activity=None, sequence=sequence - 1
    )
    await zones.apply_placed(unit, gone, correlation_id="c")
    assert len(await unit.zones.members("wijk:WK051836")) == 1
    await zones.apply_placed(unit, gone.model_copy(update={"sequence": sequence + 1}), correlation_id="c")
    assert await unit.zones.members("wijk:WK051836") == []


def test_the_zones_read_from_a_payload_are_the_zones_of_its_activity() -> None:
    world, rng = World(4, NOW.date()), random.Random(13)
    for index in range(300):
        activity = world.activity(rng, f"a{index}", venue_share=0.5)
        contract = as_published(activity)
        assert zones_of_published(contract) == zones_of(activity)
        assert zones_of_payload(contract.model_dump(mode="json")) == zones_of(activity)
