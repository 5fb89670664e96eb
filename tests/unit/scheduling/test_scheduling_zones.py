"""Zones: where activities are placed and which zone owns each conflict."""

from dataclasses import replace

import pytest
from scheduling_factories import (
    MOERWIJK,
    MOERWIJK_OOST,
    MORGENSTOND,
    MORGENSTOND_ZUID,
    NOW,
    activity,
    at,
    quiet_calendar,
)

from contracts import ActivityKind
from scheduling.domain import Agenda, owner_zone, zones_of, zones_to_notify


def test_an_activity_is_placed_in_each_wijk_it_touches_and_its_venue() -> None:
    item = activity("a", at(12, 8, 19), codes=[MOERWIJK_OOST, MORGENSTOND], venue="allekanten")
    assert zones_of(item) == {"wijk:WK051836", "wijk:WK051834", "venue:allekanten"}


def test_a_move_is_sent_to_the_zones_of_both_versions() -> None:
    old = activity("a", at(12, 8, 19))
    new = replace(old, neighbourhoods=(MORGENSTOND_ZUID,))
    assert zones_to_notify(old, new) == {"wijk:WK051836", "wijk:WK051834"}
    assert zones_to_notify(None, new) == {"wijk:WK051834"}


def test_a_neighbourhood_conflict_is_owned_by_the_lowest_shared_wijk() -> None:
    agenda = Agenda(calendar=quiet_calendar())
    agenda.upsert(activity("a", at(12, 8, 19), codes=[MOERWIJK, MORGENSTOND]), NOW)
    agenda.upsert(activity("b", at(12, 8, 19), codes=[MORGENSTOND_ZUID, MOERWIJK_OOST]), NOW)
    (conflict,) = agenda.open_conflicts().values()
    assert owner_zone(conflict) == "wijk:WK051834"


def test_a_double_booking_is_owned_by_the_venue() -> None:
    agenda = Agenda(calendar=quiet_calendar())
    agenda.upsert(activity("a", at(12, 8, 19), kind=ActivityKind.SOCIAL, venue="v1"), NOW)
    agenda.upsert(activity("b", at(12, 8, 19), kind=ActivityKind.SOCIAL, venue="v1"), NOW)
    (conflict,) = agenda.open_conflicts().values()
    assert owner_zone(conflict) == "venue:v1"


def test_a_zone_scoped_agenda_holds_only_its_activities_and_reports_only_what_it_owns() -> None:
    moerwijk = Agenda(calendar=quiet_calendar(), owner_zone="wijk:WK051836")
    venue = Agenda(calendar=quiet_calendar(), owner_zone="venue:v1")
    items = [
        activity("a", at(12, 8, 19), venue="v1"),
        activity("b", at(12, 8, 20), venue="v1"),
        activity("c", at(12, 8, 19), codes=[MORGENSTOND_ZUID]),
    ]
    for item in items:
        moerwijk.upsert(item, NOW)
        venue.upsert(item, NOW)
    assert len(moerwijk) == 2
    assert len(venue) == 2
    assert [c.rule.value for c in moerwijk.open_conflicts().values()] == ["neighbourhood_overlap"]
    assert [c.rule.value for c in venue.open_conflicts().values()] == ["venue_double_booking"]


def test_an_activity_moving_out_of_a_zone_leaves_it_and_resolves_there() -> None:
    moerwijk = Agenda(calendar=quiet_calendar(), owner_zone="wijk:WK051836")
    moerwijk.upsert(activity("a", at(12, 8, 19)), NOW)
    b = activity("b", at(12, 8, 20))
    moerwijk.upsert(b, NOW)
    changes = moerwijk.upsert(replace(b, neighbourhoods=(MORGENSTOND_ZUID,)), NOW)
    assert len(changes.resolved) == 1
    assert len(moerwijk) == 1


def test_an_unknown_zone_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="zone"):
        Agenda(calendar=quiet_calendar(), owner_zone="city:den-haag")
