"""The two rules about registered centres: a room too small for the expected attendance, and closed doors."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from scheduling_factories import NOW, activity, at, quiet_calendar

from contracts import ConflictRule, Severity
from scheduling.domain import Agenda
from scheduling.domain.explain import explain, explain_resolved
from scheduling.domain.venues import OpeningPeriod, Venue
from scheduling.domain.zones import owner_zone

CENTRE = Venue(
    venue_id="wijkcentrum-moerwijk",
    name="Wijkcentrum Moerwijk",
    capacities={"Grote zaal": 80, "Spreekkamer 1": 8},
    opening_hours=tuple(OpeningPeriod(day, time(9), time(22)) for day in range(1, 6)),
)
VENUES = {CENTRE.venue_id: CENTRE}


def venue_agenda() -> Agenda:
    return Agenda(calendar=quiet_calendar(), venues=VENUES.get)


def meeting(
    attendance: int | None, room: str | None = "Grote zaal", hour: int = 19, hours: float = 2, **extra: object
):  # type: ignore[no-untyped-def]
    found = activity("avond", at(12, 8, hour), hours, venue=CENTRE.venue_id, room=room, **extra)  # a Tuesday
    return replace(found, expected_attendance=attendance)


def rules_of(agenda: Agenda) -> list[ConflictRule]:
    return sorted(conflict.rule for conflict in agenda.open_conflicts().values())


def test_more_people_than_the_room_holds_is_a_medium_conflict_owned_by_the_venue() -> None:
    agenda = venue_agenda()
    agenda.upsert(meeting(120), NOW)
    [conflict] = agenda.open_conflicts().values()
    assert conflict.rule is ConflictRule.ROOM_CAPACITY
    assert conflict.severity is Severity.MEDIUM
    assert owner_zone(conflict) == "venue:wijkcentrum-moerwijk"
    words = explain(conflict, venues={CENTRE.venue_id: CENTRE.name})
    assert "120" in words.nl
    assert "80" in words.nl
    assert "grotere zaal" in words.nl
    assert "120" in words.en
    assert "holds 80" in words.en


def test_a_room_that_fits_or_an_unknown_attendance_is_no_conflict() -> None:
    agenda = venue_agenda()
    agenda.upsert(meeting(80), NOW)
    assert rules_of(agenda) == []
    agenda.upsert(meeting(None), NOW)
    assert rules_of(agenda) == []


def test_without_a_room_the_largest_room_counts() -> None:
    agenda = venue_agenda()
    agenda.upsert(meeting(60, room=None), NOW)
    assert rules_of(agenda) == []
    agenda.upsert(meeting(81, room=None), NOW)
    assert rules_of(agenda) == [ConflictRule.ROOM_CAPACITY]


def test_an_unregistered_venue_has_no_facts_to_check() -> None:
    agenda = Agenda(calendar=quiet_calendar(), venues=lambda _: None)
    agenda.upsert(meeting(500, hour=23), NOW)
    assert rules_of(agenda) == []


def test_an_activity_running_past_closing_time_is_outside_opening_hours() -> None:
    agenda = venue_agenda()
    agenda.upsert(meeting(20, hour=21), NOW)
    [conflict] = agenda.open_conflicts().values()
    assert conflict.rule is ConflictRule.OUTSIDE_OPENING_HOURS
    words = explain(conflict, venues={CENTRE.venue_id: CENTRE.name})
    assert "09:00-22:00" in words.nl
    assert "openingstijden van Wijkcentrum Moerwijk" in words.nl
    assert "outside the opening hours" in words.en


def test_a_day_the_centre_is_closed_says_so() -> None:
    agenda = venue_agenda()
    saturday = replace(meeting(20), starts_at=at(12, 12, 10), ends_at=at(12, 12, 12))
    agenda.upsert(saturday, NOW)
    [conflict] = agenda.open_conflicts().values()
    assert "dan gesloten" in explain(conflict).nl
    assert "closed that day" in explain(conflict).en


def test_moving_into_the_opening_hours_resolves_the_conflict() -> None:
    agenda = venue_agenda()
    agenda.upsert(meeting(20, hour=21), NOW)
    [conflict] = agenda.open_conflicts().values()
    changes = agenda.upsert(meeting(20, hour=19), NOW)
    assert [c.conflict_id for c in changes.resolved] == [conflict.conflict_id]
    assert explain_resolved(conflict).en.startswith("Resolved:")


def test_every_occurrence_of_a_series_is_judged() -> None:
    agenda = venue_agenda()
    agenda.upsert(meeting(100, rrule="FREQ=WEEKLY;COUNT=3"), NOW)
    assert rules_of(agenda) == [ConflictRule.ROOM_CAPACITY] * 3


def test_a_wijk_zone_leaves_the_venue_rules_to_the_venue_zone() -> None:
    wijk = Agenda(calendar=quiet_calendar(), venues=VENUES.get, owner_zone="wijk:WK051836")
    wijk.upsert(meeting(120, hour=21), NOW)
    assert rules_of(wijk) == []
    venue = Agenda(calendar=quiet_calendar(), venues=VENUES.get, owner_zone="venue:wijkcentrum-moerwijk")
    venue.upsert(meeting(120, hour=21), NOW)
    assert rules_of(venue) == [ConflictRule.OUTSIDE_OPENING_HOURS, ConflictRule.ROOM_CAPACITY]
