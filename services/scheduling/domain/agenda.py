"""The indexed in-memory agenda: incremental conflict detection with a diff, optionally zone-scoped."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain

from contracts import ConflictRule, TargetGroup
from scheduling.domain.activities import Activity, ActivityKey
from scheduling.domain.calendar import UnfavourableCalendar, load_calendar
from scheduling.domain.clock import Occurrence
from scheduling.domain.conflicts import Conflict, ConflictChanges, diff
from scheduling.domain.detection import (
    NBO,
    SEV,
    TGO,
    UNF,
    VDB,
    bucket_conflicts,
    date_conflicts,
    draft_buckets,
    neighbourhood_conflicts,
    venue_conflicts,
)
from scheduling.domain.index import KeyedIntervals, NeighbourhoodIntervals
from scheduling.domain.occurrences import DEFAULT_HORIZON, MAX_OCCURRENCES, expand
from scheduling.domain.overload import Adjusted, Bucket, Ref, WeekBuckets, affecting, placements
from scheduling.domain.rules import ALL_RULES, DEFAULT_OVERLOAD_THRESHOLD
from scheduling.domain.venues import VENUE_FACT_RULES, VenueLookup, venue_fact_conflicts
from scheduling.domain.zones import owner_zone as owner_of
from scheduling.domain.zones import rules_of_zone, wijk_zone, zones_of


@dataclass(frozen=True, slots=True)
class HeldActivity:
    """An activity on the agenda with its expanded occurrences and its publish sequence number."""

    activity: Activity
    occurrences: tuple[Occurrence, ...]
    sequence: int


class Agenda:
    """The shared agenda in memory: holds activities, keeps their open conflicts, reports changes.

    ``upsert`` and ``withdraw`` return a :class:`ConflictChanges` diff (by conflict id); ``check`` is a dry
    run; ``open_conflicts`` is the current state. With ``owner_zone`` (``wijk:<WKcode>`` or
    ``venue:<venue_id>``) the agenda keeps only activities placed in that zone (an upsert of one outside it
    removes it) and reports only the conflicts that zone owns; route each change to
    ``zones_to_notify(old, new)``. Time is always passed in: occurrences are expanded at ``now``.
    """

    def __init__(
        self,
        *,
        calendar: UnfavourableCalendar | None = None,
        overload_threshold: int = DEFAULT_OVERLOAD_THRESHOLD,
        horizon: timedelta = DEFAULT_HORIZON,
        max_occurrences: int = MAX_OCCURRENCES,
        owner_zone: str | None = None,
        venues: VenueLookup | None = None,
    ) -> None:
        self.calendar = calendar if calendar is not None else load_calendar()
        self.overload_threshold = overload_threshold
        self.horizon = horizon
        self.max_occurrences = max_occurrences
        self.owner_zone = owner_zone
        self.venues: VenueLookup = venues or (lambda _: None)
        self.rules = rules_of_zone(owner_zone)
        self._held: dict[ActivityKey, HeldActivity] = {}
        self._neighbourhoods = NeighbourhoodIntervals()
        self._venues = KeyedIntervals()
        self._weeks = WeekBuckets()
        self._conflicts: dict[str, Conflict] = {}
        self._by_activity: dict[ActivityKey, set[str]] = {}
        self._by_bucket: dict[Bucket, set[str]] = {}
        self._sequence = 0

    def __len__(self) -> int:
        return len(self._held)

    def __contains__(self, key: object) -> bool:
        return key in self._held

    def get(self, key: ActivityKey) -> HeldActivity | None:
        """Return the held activity with its occurrences, or ``None``."""
        return self._held.get(key)

    def holds(self, activity: Activity) -> bool:
        """Whether this agenda keeps ``activity``: always, or when it is placed in the owner zone."""
        return self.owner_zone is None or self.owner_zone in zones_of(activity)

    def open_conflicts(self) -> dict[str, Conflict]:
        """Every open conflict (of the owner zone, when scoped), by id."""
        return dict(self._conflicts)

    def occurrences_of(self, activity: Activity, now: datetime) -> tuple[Occurrence, ...]:
        """Return the occurrences this agenda would hold for ``activity`` at ``now``."""
        return expand(activity, now, self.horizon, self.max_occurrences)

    def upsert(
        self, activity: Activity, now: datetime, occurrences: tuple[Occurrence, ...] | None = None
    ) -> ConflictChanges:
        """Create or replace an activity; the conflicts detected, resolved and changed by it.

        ``occurrences`` are the activity's as this agenda expands them at ``now``, when already known.
        """
        if not self.holds(activity):
            return self.withdraw(activity.key)
        if occurrences is None:
            occurrences = self.occurrences_of(activity, now)
        old = self._held.get(activity.key)
        if old is not None and old.activity == activity and old.occurrences == occurrences:
            return ConflictChanges()
        self._sequence += 1
        new = HeldActivity(activity, occurrences, self._sequence)
        buckets = self._buckets(old) | self._buckets(new)
        before = self._touching(activity.key, buckets)
        if old is not None:
            self._unplace(old)
        self._place(new)
        for conflict in self._conflicts_of(new, self.rules):
            self._store(conflict)
        self._recount(buckets, affecting(_group_sets(old, new)))
        return diff(before, self._touching(activity.key, buckets))

    def withdraw(self, key: ActivityKey) -> ConflictChanges:
        """Remove an activity; the conflicts it resolved (and overloads it changed)."""
        old = self._held.get(key)
        if old is None:
            return ConflictChanges()
        buckets = self._buckets(old)
        before = self._touching(key, buckets)
        self._unplace(old)
        self._recount(buckets, affecting(_group_sets(old)))
        return diff(before, self._touching(key, buckets))

    def hold(
        self, activity: Activity, now: datetime, occurrences: tuple[Occurrence, ...] | None = None
    ) -> None:
        """Create or replace an activity without detecting conflicts, for an agenda that only ``check``s.

        ``occurrences`` are the activity's as expanded at ``now`` when already known. Never mixed with
        ``upsert`` and ``withdraw`` on one agenda (they keep the open conflicts it skips).
        """
        old = self._held.get(activity.key)
        if old is not None:
            self._unplace(old)
        if self.holds(activity):
            self._sequence += 1
            expanded = self.occurrences_of(activity, now) if occurrences is None else occurrences
            self._place(HeldActivity(activity, expanded, self._sequence))

    def release(self, key: ActivityKey) -> None:
        """Remove an activity held by ``hold``."""
        old = self._held.get(key)
        if old is not None:
            self._unplace(old)

    def check(
        self, draft: Activity, now: datetime, rules: Collection[ConflictRule] = ALL_RULES
    ) -> list[Conflict]:
        """Dry run: the conflicts ``draft`` would take part in (replacing its own key); nothing changes."""
        found = {conflict.conflict_id: conflict for conflict in self.draft_conflicts(draft, now, rules)}
        return [found[conflict_id] for conflict_id in sorted(found)]

    def draft_conflicts(
        self, draft: Activity, now: datetime, rules: Collection[ConflictRule] = ALL_RULES
    ) -> Iterator[Conflict]:
        """The conflicts of ``check``, found one by one (a conflict may come twice; unsorted).

        For a question one conflict answers (is this draft free?): found lazily, it stops at the first.
        """
        if not self.holds(draft):
            return
        rules = frozenset(rules) & self.rules
        held = HeldActivity(draft, self.occurrences_of(draft, now), self._sequence + 1)
        yield from self._each_conflict_of(held, rules)
        if TGO in rules:
            yield from self._draft_overloads(held)

    def _conflicts_of(self, held: HeldActivity, rules: Collection[ConflictRule]) -> list[Conflict]:
        return list(self._each_conflict_of(held, rules))

    def _each_conflict_of(self, held: HeldActivity, rules: Collection[ConflictRule]) -> Iterator[Conflict]:
        activity, occurrences = held.activity, held.occurrences
        found: Iterable[Conflict] = neighbourhood_conflicts(
            activity, occurrences, self._neighbourhoods, self._lookup, rules
        )
        if VDB in rules:
            found = chain(found, venue_conflicts(activity, occurrences, self._venues, self._lookup))
        if UNF in rules:
            found = chain(found, date_conflicts(activity, occurrences, self.calendar))
        if VENUE_FACT_RULES & set(rules):
            facts = venue_fact_conflicts(activity, occurrences, self.venues)
            found = chain(found, (conflict for conflict in facts if conflict.rule in rules))
        return (conflict for conflict in found if self._owns(conflict))

    def _draft_overloads(self, held: HeldActivity) -> Iterator[Conflict]:
        key = held.activity.key
        for bucket, refs in draft_buckets(held.activity, held.occurrences).items():
            if not self._owns_bucket(bucket):
                continue
            contents = self._contents_with(bucket, held.activity.target_groups, key, refs)
            lookup = self._lookup_with(held.activity)
            yield from bucket_conflicts(bucket, contents, self.overload_threshold, lookup, involving=key)

    def _contents_with(
        self, bucket: Bucket, groups: frozenset[TargetGroup], key: ActivityKey, refs: list[Ref]
    ) -> dict[frozenset[TargetGroup], Collection[Ref]]:
        """Return the bucket's contents with ``key``'s occurrences replaced by ``refs``, copying nothing."""
        contents: dict[frozenset[TargetGroup], Collection[Ref]] = dict(self._weeks.contents(bucket))
        old = self._held.get(key)
        if old is not None and old.activity.target_groups in contents:
            old_groups = old.activity.target_groups
            old_refs = [(key, occurrence) for occurrence in old.occurrences]
            contents[old_groups] = Adjusted(contents[old_groups], removed=old_refs)
        contents[groups] = Adjusted(contents.get(groups, ()), added=refs)
        return {groups: refs for groups, refs in contents.items() if refs}

    def _lookup(self, key: ActivityKey) -> Activity:
        return self._held[key].activity

    def _lookup_with(self, draft: Activity) -> Callable[[ActivityKey], Activity]:
        return lambda key: draft if key == draft.key else self._lookup(key)

    def _place(self, held: HeldActivity) -> None:
        activity = held.activity
        self._held[activity.key] = held
        if activity.is_participation and self.rules & {NBO, SEV}:
            self._neighbourhoods.add(activity.neighbourhoods, activity, held.occurrences)
        if TGO in self.rules:
            self._weeks.add(placements(activity, held.occurrences))
        if activity.venue_id is not None and VDB in self.rules:
            self._venues.add((activity.venue_id,), activity, held.occurrences)

    def _unplace(self, held: HeldActivity) -> None:
        activity = held.activity
        del self._held[activity.key]
        self._neighbourhoods.remove(activity.neighbourhoods, activity, held.occurrences)
        self._weeks.remove(placements(activity, held.occurrences))
        if activity.venue_id is not None:
            self._venues.remove((activity.venue_id,), activity, held.occurrences)
        for conflict_id in self._by_activity.pop(activity.key, set()):
            conflict = self._conflicts.pop(conflict_id)
            for other in conflict.keys - {activity.key}:
                self._forget(other, conflict_id)

    def _forget(self, key: ActivityKey, conflict_id: str) -> None:
        ids = self._by_activity.get(key)
        if ids is not None:
            ids.discard(conflict_id)
            if not ids:
                del self._by_activity[key]

    def _store(self, conflict: Conflict) -> None:
        self._conflicts[conflict.conflict_id] = conflict
        for key in conflict.keys:
            self._by_activity.setdefault(key, set()).add(conflict.conflict_id)

    def _buckets(self, held: HeldActivity | None) -> set[Bucket]:
        if held is None or TGO not in self.rules:
            return set()
        return {
            item.bucket
            for item in placements(held.activity, held.occurrences)
            if self._owns_bucket(item.bucket)
        }

    def _recount(self, buckets: Iterable[Bucket], affected: Callable[[TargetGroup], bool]) -> None:
        """Recount the overloads of ``buckets`` for the groups the change affected; keep the others."""
        for bucket in buckets:
            ids = self._by_bucket.pop(bucket, set())
            kept = {cid for cid in ids if not affected(self._group_of(cid))}
            for conflict_id in ids - kept:
                del self._conflicts[conflict_id]
            contents = self._weeks.contents(bucket)
            for conflict in bucket_conflicts(
                bucket, contents, self.overload_threshold, self._lookup, affected
            ):
                self._conflicts[conflict.conflict_id] = conflict
                kept.add(conflict.conflict_id)
            if kept:
                self._by_bucket[bucket] = kept

    def _group_of(self, conflict_id: str) -> TargetGroup:
        group = self._conflicts[conflict_id].target_group
        assert group is not None
        return group

    def _touching(self, key: ActivityKey, buckets: Iterable[Bucket]) -> dict[str, Conflict]:
        ids = set(self._by_activity.get(key, ()))
        for bucket in buckets:
            ids |= self._by_bucket.get(bucket, set())
        return {conflict_id: self._conflicts[conflict_id] for conflict_id in ids}

    def _owns(self, conflict: Conflict) -> bool:
        return self.owner_zone is None or owner_of(conflict) == self.owner_zone

    def _owns_bucket(self, bucket: Bucket) -> bool:
        return self.owner_zone is None or wijk_zone(bucket[0]) == self.owner_zone


def _group_sets(*versions: HeldActivity | None) -> list[frozenset[TargetGroup]]:
    return [held.activity.target_groups for held in versions if held is not None]
