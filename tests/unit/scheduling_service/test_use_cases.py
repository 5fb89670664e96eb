"""Intake and zone detection against the in-memory unit of work: what each stages and publishes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts import ActivityPublished, ActivityWithdrawn, ConflictDetected, ConflictResolved
from contracts.areas import load_areas
from contracts.topics import SCHEDULING_AGENDA, SCHEDULING_CONFLICTS, SCHEDULING_PLACEMENTS
from scheduling.domain import Agenda, UnfavourableCalendar
from scheduling.internal_events import PlacementChanged
from scheduling.service.acknowledge import ConflictResolvedError, acknowledge
from scheduling.service.detector import ZoneDetector
from scheduling.service.intake import Intake
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


async def test_a_new_activity_is_stored_put_on_the_agenda_and_placed_in_its_zones() -> None:
    unit = InMemorySchedulingUnitOfWork()
    assert await Intake(horizon=HORIZON).publish(unit, "staedion", published("a-1"), correlation_id="c")
    await unit.commit()
    assert await unit.activities.get(("staedion", "a-1")) is not None
    assert types(unit, SCHEDULING_AGENDA) == ["agenda.activity_upserted"]
    zones = [envelope.data.zone for envelope in unit.envelopes(SCHEDULING_PLACEMENTS)]
    assert zones == ["wijk:WK051836"]
    assert {event.key for event in unit.published if event.topic == SCHEDULING_AGENDA} == {b"staedion/a-1"}


async def test_an_unchanged_activity_publishes_nothing() -> None:
    unit, intake = InMemorySchedulingUnitOfWork(), Intake(horizon=HORIZON)
    await intake.publish(unit, "staedion", published("a-1"), correlation_id="c")
    await unit.commit()
    assert not await intake.publish(unit, "staedion", published("a-1"), correlation_id="c")
    assert unit.events == []


async def test_a_withdrawal_removes_the_activity_and_empties_its_zones() -> None:
    unit, intake = InMemorySchedulingUnitOfWork(), Intake(horizon=HORIZON)
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
    assert not await Intake(horizon=HORIZON).withdraw(unit, "staedion", withdrawn, correlation_id="c")
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
    await zones.apply(unit, placement, correlation_id="c")
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
