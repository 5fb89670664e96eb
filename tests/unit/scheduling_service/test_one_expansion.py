"""Inline detection places the occurrences the intake expanded, without expanding the activity again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts import ActivityPublished, AgendaActivityUpserted
from contracts.areas import load_areas
from contracts.topics import SCHEDULING_AGENDA
from scheduling.domain import Agenda, UnfavourableCalendar
from scheduling.domain import agenda as agenda_module
from scheduling.domain.clock import from_us
from scheduling.service.detector import ZoneDetector
from scheduling.service.intake import Intake
from scheduling.store.memory import InMemorySchedulingUnitOfWork

HORIZON = timedelta(days=365)
ORGANISATION = "staedion"


def weekly_series() -> ActivityPublished:
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    return ActivityPublished.model_validate(
        {
            "activity_id": "series-1",
            "title": "Spreekuur",
            "kind": "consultation",
            "starts_at": start,
            "ends_at": start + timedelta(hours=1),
            "recurrence": "FREQ=WEEKLY;COUNT=8",
            "neighbourhoods": ["BU05183620"],
            "target_groups": ["tenants"],
        }
    )


class Zones:
    """The detector's agendas, kept to look at."""

    def __init__(self, horizon: timedelta = HORIZON) -> None:
        self.horizon = horizon
        self.agendas: list[Agenda] = []

    def new_agenda(self, zone: str | None) -> Agenda:
        calendar = UnfavourableCalendar((), public_holidays=False)
        agenda = Agenda(calendar=calendar, horizon=self.horizon, owner_zone=zone)
        self.agendas.append(agenda)
        return agenda


@pytest.fixture
def expansions(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The activities the agenda expands itself."""
    seen: list[Any] = []
    real = agenda_module.expand

    def counted(activity: Any, *args: Any) -> Any:
        seen.append(activity.key)
        return real(activity, *args)

    monkeypatch.setattr(agenda_module, "expand", counted)
    return seen


async def take_in(detector: ZoneDetector, published: ActivityPublished) -> InMemorySchedulingUnitOfWork:
    unit = InMemorySchedulingUnitOfWork()
    intake = Intake(horizon=HORIZON, place=detector.apply)
    assert await intake.publish(unit, ORGANISATION, published, correlation_id="c")
    await unit.commit()
    return unit


def announced_spans(unit: InMemorySchedulingUnitOfWork) -> list[tuple[datetime, datetime]]:
    (envelope,) = unit.envelopes(SCHEDULING_AGENDA)
    assert isinstance(envelope.data, AgendaActivityUpserted)
    return [(o.starts_at, o.ends_at) for o in envelope.data.occurrences]


def held_spans(agenda: Agenda) -> list[tuple[datetime, datetime]]:
    held = agenda.get((ORGANISATION, "series-1"))
    assert held is not None
    return [(from_us(o.start), from_us(o.end)) for o in held.occurrences]


async def test_the_agenda_holds_the_occurrences_the_agenda_event_announced_expanded_once(
    expansions: list[Any],
) -> None:
    zones = Zones()
    unit = await take_in(ZoneDetector(zones.new_agenda, load_areas()), weekly_series())
    (agenda,) = zones.agendas
    assert held_spans(agenda) == announced_spans(unit)
    assert len(held_spans(agenda)) == 8
    assert expansions == []


async def test_an_agenda_with_another_horizon_expands_the_activity_itself(expansions: list[Any]) -> None:
    zones = Zones(horizon=timedelta(days=20))
    unit = await take_in(ZoneDetector(zones.new_agenda, load_areas()), weekly_series())
    (agenda,) = zones.agendas
    assert expansions == [(ORGANISATION, "series-1")]
    assert len(held_spans(agenda)) == 3
    assert len(announced_spans(unit)) == 8


async def test_a_detector_with_a_clock_of_its_own_expands_at_its_own_moment(expansions: list[Any]) -> None:
    zones = Zones()
    later = datetime.now(UTC) + timedelta(days=22)
    unit = await take_in(ZoneDetector(zones.new_agenda, load_areas(), clock=lambda: later), weekly_series())
    (agenda,) = zones.agendas
    assert expansions == [(ORGANISATION, "series-1")]
    assert held_spans(agenda) == announced_spans(unit)[3:]
