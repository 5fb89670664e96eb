"""Queries of the indexes that find the conflicts one activity takes part in."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping

from contracts import ConflictRule, TargetGroup
from scheduling.domain.activities import Activity, ActivityKey
from scheduling.domain.calendar import UnfavourableCalendar
from scheduling.domain.clock import Occurrence, evening_window, overlaps
from scheduling.domain.conflicts import Conflict
from scheduling.domain.index import Entry, IntervalList, KeyedIntervals, NeighbourhoodIntervals
from scheduling.domain.overload import Bucket, Ref, overloaded, placements
from scheduling.domain.rules import overload_conflict, pair_conflict, rooms_clash, unfavourable_conflict

NBO = ConflictRule.NEIGHBOURHOOD_OVERLAP
SEV = ConflictRule.SAME_EVENING
VDB = ConflictRule.VENUE_DOUBLE_BOOKING
TGO = ConflictRule.TARGET_GROUP_OVERLOAD
UNF = ConflictRule.UNFAVOURABLE_DATE

Lookup = Callable[[ActivityKey], Activity]
"""Finds a held activity by its key."""


def neighbourhood_conflicts(
    activity: Activity,
    occurrences: Iterable[Occurrence],
    index: NeighbourhoodIntervals,
    lookup: Lookup,
    rules: Collection[ConflictRule],
) -> Iterator[Conflict]:
    """Overlaps and same evenings with other participation activities that share a neighbourhood."""
    if not activity.is_participation or not ({NBO, SEV} & set(rules)):
        return
    lists = index.meeting(activity.neighbourhoods)
    for occurrence in occurrences:
        if NBO in rules:
            for other, other_occurrence in _others(activity, _overlapping(lists, occurrence), lookup):
                yield pair_conflict(NBO, activity, occurrence, other, other_occurrence)
        if SEV in rules:
            for other, other_occurrence in _others(activity, _same_evening(lists, occurrence), lookup):
                yield pair_conflict(SEV, activity, occurrence, other, other_occurrence)


def venue_conflicts(
    activity: Activity, occurrences: Iterable[Occurrence], index: KeyedIntervals, lookup: Lookup
) -> Iterator[Conflict]:
    """Overlapping bookings of the same venue whose rooms clash."""
    intervals = index.get(activity.venue_id) if activity.venue_id is not None else None
    if intervals is None:
        return
    for occurrence in occurrences:
        entries = intervals.overlapping(occurrence.start, occurrence.end)
        for other, other_occurrence in _others(activity, entries, lookup):
            if rooms_clash(activity.room, other.room):
                yield pair_conflict(VDB, activity, occurrence, other, other_occurrence)


def date_conflicts(
    activity: Activity, occurrences: Iterable[Occurrence], calendar: UnfavourableCalendar
) -> Iterator[Conflict]:
    """One conflict per participation occurrence on an unfavourable date."""
    if not activity.is_participation:
        return
    for occurrence in occurrences:
        reasons = calendar.reasons(occurrence)
        if reasons:
            yield unfavourable_conflict(activity, occurrence, reasons)


def bucket_conflicts(
    bucket: Bucket,
    contents: Mapping[frozenset[TargetGroup], Collection[Ref]],
    threshold: int,
    lookup: Lookup,
    wanted: Callable[[TargetGroup], bool] = lambda group: True,
    involving: ActivityKey | None = None,
) -> list[Conflict]:
    """Return the overload conflicts of one (wijk, week) bucket, for the groups ``wanted``.

    With ``involving``, only those that count an occurrence of that activity (the others are never built).
    """
    wijk, week = bucket
    return [
        overload_conflict(wijk, group, week, [(lookup(key), occurrence) for key, occurrence in refs])
        for group, refs in overloaded(contents, threshold, wanted).items()
        if involving is None or any(key == involving for key, _ in refs)
    ]


def draft_buckets(activity: Activity, occurrences: Iterable[Occurrence]) -> dict[Bucket, list[Ref]]:
    """Return the (wijk, week) buckets a draft would count in, with its occurrences there."""
    found: dict[Bucket, list[Ref]] = {}
    for placement in placements(activity, occurrences):
        found.setdefault(placement.bucket, []).append(placement.ref)
    return found


def _overlapping(lists: Iterable[IntervalList], occurrence: Occurrence) -> Iterator[Entry]:
    for intervals in lists:
        yield from intervals.overlapping(occurrence.start, occurrence.end)


def _same_evening(lists: Iterable[IntervalList], occurrence: Occurrence) -> Iterator[Entry]:
    window = evening_window(occurrence)
    if window is None:
        return
    for intervals in lists:
        for entry in intervals.starting_between(*window):
            if not overlaps(occurrence, Occurrence(entry[0], entry[1])):
                yield entry


def _others(
    activity: Activity, entries: Iterable[Entry], lookup: Lookup
) -> Iterator[tuple[Activity, Occurrence]]:
    """Each other activity's occurrence once, never the activity itself."""
    seen: set[tuple[ActivityKey, int]] = set()
    for start, end, key in entries:
        if key != activity.key and (key, start) not in seen:
            seen.add((key, start))
            yield lookup(key), Occurrence(start, end)
