"""Registered centres as the scheduler knows them, and the rules about them: room capacity, opening hours."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import time

from contracts import ConflictRule
from scheduling.domain.activities import Activity
from scheduling.domain.clock import Occurrence, local
from scheduling.domain.conflicts import Conflict
from scheduling.domain.identity import occurrences_id
from scheduling.domain.rules import member

CAP = ConflictRule.ROOM_CAPACITY
OPN = ConflictRule.OUTSIDE_OPENING_HOURS
VENUE_FACT_RULES = frozenset({CAP, OPN})


@dataclass(frozen=True)
class OpeningPeriod:
    """Open on ISO ``weekday`` (1 is Monday) from ``opens`` to ``closes``, local time."""

    weekday: int
    opens: time
    closes: time


@dataclass(frozen=True)
class Venue:
    """A registered centre: its name, room capacities and opening hours (empty: not known)."""

    venue_id: str
    name: str
    capacities: Mapping[str, int]
    opening_hours: tuple[OpeningPeriod, ...] = ()


VenueLookup = Callable[[str], Venue | None]
"""Finds a registered centre by id; None when it is not registered."""


def too_small(activity: Activity, venue: Venue) -> int | None:
    """The capacity of the activity's room when its expected attendance exceeds it, else None.

    Without a room the largest room counts: the activity may use any of them.
    """
    if activity.expected_attendance is None or not venue.capacities:
        return None
    if activity.room is None:
        capacity = max(venue.capacities.values())
    elif activity.room in venue.capacities:
        capacity = venue.capacities[activity.room]
    else:
        return None  # an unknown room: nothing to compare with
    return capacity if activity.expected_attendance > capacity else None


def is_open(venue: Venue, occurrence: Occurrence) -> bool:
    """Whether the whole occurrence lies within one opening period of its local day (unknown hours: open)."""
    if not venue.opening_hours:
        return True
    start, end = local(occurrence.start), local(occurrence.end)
    ends_at_midnight = end.time() == time(0) and (end.date() - start.date()).days == 1
    if start.date() != end.date() and not ends_at_midnight:
        return False
    end_time = time.max if ends_at_midnight else end.time()
    return any(
        period.weekday == start.isoweekday() and period.opens <= start.time() and end_time <= period.closes
        for period in venue.opening_hours
    )


def venue_fact_conflicts(
    activity: Activity, occurrences: Iterable[Occurrence], lookup: VenueLookup
) -> Iterator[Conflict]:
    """A conflict per occurrence in a room too small for its attendance, and per one outside opening hours."""
    venue = lookup(activity.venue_id) if activity.venue_id is not None else None
    if venue is None:
        return
    capacity = too_small(activity, venue)
    for occurrence in occurrences:
        if capacity is not None:
            yield _conflict(CAP, activity, occurrence, (str(activity.expected_attendance), str(capacity)))
        if not is_open(venue, occurrence):
            yield _conflict(OPN, activity, occurrence, _hours_of_day(venue, occurrence))


def _hours_of_day(venue: Venue, occurrence: Occurrence) -> tuple[str, ...]:
    weekday = local(occurrence.start).isoweekday()
    return tuple(
        f"{period.opens:%H:%M}-{period.closes:%H:%M}"
        for period in venue.opening_hours
        if period.weekday == weekday
    )


def _conflict(
    rule: ConflictRule, activity: Activity, occurrence: Occurrence, facts: tuple[str, ...]
) -> Conflict:
    only = member(activity, occurrence)
    return Conflict(
        conflict_id=occurrences_id(rule, [(only.organisation, only.activity_id, only.occurrence_start)]),
        rule=rule,
        members=(only,),
        neighbourhoods=activity.neighbourhoods,
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        venue_id=activity.venue_id,
        room=activity.room,
        facts=facts,
    )
