"""Counters per (wijk, ISO week) of participation occurrences, grouped by the target groups they name."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass

from contracts import TargetGroup
from scheduling.domain.activities import Activity, ActivityKey
from scheduling.domain.clock import Occurrence, iso_week
from scheduling.domain.rules import counts_for, wijken_of

Bucket = tuple[str, tuple[int, int]]
"""``(wijk, (iso_year, iso_week))``."""
Ref = tuple[ActivityKey, Occurrence]
"""One occurrence of one activity."""


@dataclass(frozen=True, slots=True)
class Placement:
    """An occurrence placed in a bucket with the groups its activity targets."""

    bucket: Bucket
    groups: frozenset[TargetGroup]
    ref: Ref


def placements(activity: Activity, occurrences: Iterable[Occurrence]) -> list[Placement]:
    """Where each participation occurrence of an activity counts: each of its wijken, in its week."""
    if not activity.is_participation:
        return []
    wijken = sorted(wijken_of(activity))
    return [
        Placement((wijk, iso_week(occurrence.start)), activity.target_groups, (activity.key, occurrence))
        for occurrence in occurrences
        for wijk in wijken
    ]


class WeekBuckets:
    """Per (wijk, week): the occurrences counted, kept per set of target groups."""

    def __init__(self) -> None:
        self._buckets: dict[Bucket, dict[frozenset[TargetGroup], set[Ref]]] = {}

    def add(self, items: Iterable[Placement]) -> None:
        """Count the placed occurrences."""
        for item in items:
            by_groups = self._buckets.setdefault(item.bucket, {})
            by_groups.setdefault(item.groups, set()).add(item.ref)

    def remove(self, items: Iterable[Placement]) -> None:
        """Stop counting the placed occurrences."""
        for item in items:
            by_groups = self._buckets.get(item.bucket)
            if by_groups is None or item.groups not in by_groups:
                continue
            refs = by_groups[item.groups]
            refs.discard(item.ref)
            if not refs:
                del by_groups[item.groups]
            if not by_groups:
                del self._buckets[item.bucket]

    def contents(self, bucket: Bucket) -> Mapping[frozenset[TargetGroup], set[Ref]]:
        """Return the occurrences counted in ``bucket``, per set of target groups."""
        return self._buckets.get(bucket, {})


class Adjusted(Collection[Ref]):
    """A set of counted occurrences seen without some and with others, without copying it."""

    def __init__(
        self, base: Collection[Ref], removed: Collection[Ref] = (), added: Collection[Ref] = ()
    ) -> None:
        self._base, self._removed = base, [ref for ref in removed if ref in base]
        self._added = [ref for ref in added if ref not in base or ref in self._removed]

    def __len__(self) -> int:
        return len(self._base) - len(self._removed) + len(self._added)

    def __iter__(self) -> Iterator[Ref]:
        removed = set(self._removed)
        yield from (ref for ref in self._base if ref not in removed)
        yield from self._added

    def __contains__(self, ref: object) -> bool:
        return (ref in self._base and ref not in self._removed) or ref in self._added


def overloaded(
    contents: Mapping[frozenset[TargetGroup], Collection[Ref]],
    threshold: int,
    wanted: Callable[[TargetGroup], bool] = lambda group: True,
) -> dict[TargetGroup, list[Ref]]:
    """Return each group with more than ``threshold`` occurrences counting for it, with those occurrences."""
    named = {group for groups in contents for group in groups}
    everyone = sum(len(refs) for groups, refs in contents.items() if TargetGroup.ALL_RESIDENTS in groups)
    counts = dict.fromkeys(named, everyone)
    for groups, refs in contents.items():
        if TargetGroup.ALL_RESIDENTS not in groups:
            for group in groups:
                counts[group] += len(refs)
    return {
        group: [ref for groups, refs in contents.items() if counts_for(groups, group) for ref in refs]
        for group in sorted(named)
        if counts[group] > threshold and wanted(group)
    }


def affecting(group_sets: Iterable[frozenset[TargetGroup]]) -> Callable[[TargetGroup], bool]:
    """Return a test of whether an occurrence for any of ``group_sets`` counts for a group."""
    sets = tuple(group_sets)
    return lambda group: any(counts_for(groups, group) for groups in sets)
