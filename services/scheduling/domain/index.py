"""Per-key sorted interval lists (``bisect``) so a query touches only its neighbourhood or venue."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable, Iterator

from contracts.areas import is_wijk, wijk_of
from scheduling.domain.activities import Activity, ActivityKey
from scheduling.domain.clock import Occurrence

Entry = tuple[int, int, ActivityKey]
"""``(start, end, activity key)`` of one occurrence, sorted by start."""


class IntervalList:
    """Occurrences sorted by start; overlap queries are bounded by the longest duration held."""

    __slots__ = ("entries", "max_duration")

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.max_duration = 0

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, start: int, end: int, key: ActivityKey) -> None:
        """Insert one occurrence."""
        insort(self.entries, (start, end, key))
        self.max_duration = max(self.max_duration, end - start)

    def remove(self, start: int, end: int, key: ActivityKey) -> None:
        """Remove one occurrence that was added before."""
        entry = (start, end, key)
        position = bisect_left(self.entries, entry)
        if position < len(self.entries) and self.entries[position] == entry:
            del self.entries[position]
        if not self.entries:
            self.max_duration = 0

    def overlapping(self, start: int, end: int) -> Iterator[Entry]:
        """Return the occurrences overlapping ``[start, end)``."""
        for entry in self.starting_between(start - self.max_duration, end):
            if entry[1] > start:
                yield entry

    def starting_between(self, low: int, high: int) -> Iterator[Entry]:
        """Return the occurrences starting in ``[low, high)``."""
        entries = self.entries
        position = bisect_left(entries, (low,))
        while position < len(entries) and entries[position][0] < high:
            yield entries[position]
            position += 1


class KeyedIntervals:
    """One :class:`IntervalList` per key (a neighbourhood code or a venue id)."""

    def __init__(self) -> None:
        self.lists: dict[str, IntervalList] = {}

    def add(self, keys: Iterable[str], activity: Activity, occurrences: Iterable[Occurrence]) -> None:
        """Put the occurrences in the list of each key."""
        occurrences = tuple(occurrences)
        for key in keys:
            intervals = self.lists.get(key)
            if intervals is None:
                intervals = self.lists[key] = IntervalList()
                self._created(key)
            for occurrence in occurrences:
                intervals.add(occurrence.start, occurrence.end, activity.key)

    def remove(self, keys: Iterable[str], activity: Activity, occurrences: Iterable[Occurrence]) -> None:
        """Take the occurrences out of the list of each key."""
        occurrences = tuple(occurrences)
        for key in keys:
            intervals = self.lists.get(key)
            if intervals is None:
                continue
            for occurrence in occurrences:
                intervals.remove(occurrence.start, occurrence.end, activity.key)
            if not intervals:
                del self.lists[key]
                self._dropped(key)

    def get(self, key: str) -> IntervalList | None:
        """Return the list of ``key``, if any occurrence is held under it."""
        return self.lists.get(key)

    def _created(self, key: str) -> None:
        """Note that a list was created for ``key`` (hook for subclasses)."""

    def _dropped(self, key: str) -> None:
        """Note that the list of ``key`` became empty (hook for subclasses)."""


class NeighbourhoodIntervals(KeyedIntervals):
    """Participation occurrences per wijk or buurt code, knowing which buurten of each wijk are held."""

    def __init__(self) -> None:
        super().__init__()
        self._buurten: defaultdict[str, set[str]] = defaultdict(set)

    def meeting(self, codes: Iterable[str]) -> list[IntervalList]:
        """Return the lists whose code meets any of ``codes`` (same code, its wijk, or a buurt of it)."""
        found: set[str] = set()
        for code in codes:
            if is_wijk(code):
                found.add(code)
                found.update(self._buurten.get(code, ()))
            else:
                found.update((code, wijk_of(code)))
        return [self.lists[code] for code in sorted(found) if code in self.lists]

    def _created(self, key: str) -> None:
        if not is_wijk(key):
            self._buurten[wijk_of(key)].add(key)

    def _dropped(self, key: str) -> None:
        if not is_wijk(key):
            held = self._buurten[wijk_of(key)]
            held.discard(key)
            if not held:
                del self._buurten[wijk_of(key)]
