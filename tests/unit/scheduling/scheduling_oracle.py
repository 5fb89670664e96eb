"""A brute-force oracle of the five rules: all pairs of activities, all occurrences, no index."""

from __future__ import annotations

from collections import defaultdict
from datetime import time

from contracts import ConflictRule, TargetGroup
from scheduling.domain import AMSTERDAM, Activity, Conflict, Occurrence, UnfavourableCalendar, expand
from scheduling.domain.rules import overload_conflict, pair_conflict, unfavourable_conflict


def codes_meet(x: str, y: str) -> bool:
    """Equal, or a wijk WKxxxxxx and a buurt BUxxxxxxyy that starts with the same digits."""
    return (
        x == y
        or (x[:2] == "WK" and y[:2] == "BU" and y[2:8] == x[2:])
        or (y[:2] == "WK" and x[:2] == "BU" and x[2:8] == y[2:])
    )


def share_neighbourhood(a: Activity, b: Activity) -> bool:
    return any(codes_meet(x, y) for x in a.neighbourhoods for y in b.neighbourhoods)


def evening_same_date(x: Occurrence, y: Occurrence) -> bool:
    lx, ly = x.starts_at.astimezone(AMSTERDAM), y.starts_at.astimezone(AMSTERDAM)
    return lx.date() == ly.date() and lx.time() >= time(17) and ly.time() >= time(17)


def oracle(
    activities: list[Activity], now: object, calendar: UnfavourableCalendar, threshold: int
) -> dict[str, Conflict]:
    """Every open conflict of ``activities`` at ``now``, computed the slow and obvious way."""
    occurrences = {a.key: expand(a, now) for a in activities}  # type: ignore[arg-type]
    found: dict[str, Conflict] = {}

    def add(conflict: Conflict) -> None:
        found[conflict.conflict_id] = conflict

    ordered = sorted(activities, key=lambda a: a.key)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            for x in occurrences[a.key]:
                for y in occurrences[b.key]:
                    overlap = x.start < y.end and y.start < x.end
                    if a.is_participation and b.is_participation and share_neighbourhood(a, b):
                        if overlap:
                            add(pair_conflict(ConflictRule.NEIGHBOURHOOD_OVERLAP, a, x, b, y))
                        elif evening_same_date(x, y):
                            add(pair_conflict(ConflictRule.SAME_EVENING, a, x, b, y))
                    rooms_clash = a.room is None or b.room is None or a.room == b.room
                    if a.venue_id is not None and a.venue_id == b.venue_id and overlap and rooms_clash:
                        add(pair_conflict(ConflictRule.VENUE_DOUBLE_BOOKING, a, x, b, y))
    buckets: dict[tuple[str, tuple[int, int]], list[tuple[Activity, Occurrence]]] = defaultdict(list)
    for a in ordered:
        if not a.is_participation:
            continue
        for x in occurrences[a.key]:
            reasons = calendar.reasons(x)
            if reasons:
                add(unfavourable_conflict(a, x, reasons))
            year, week, _ = x.starts_at.astimezone(AMSTERDAM).isocalendar()
            for wijk in {"WK" + code[2:8] for code in a.neighbourhoods}:
                buckets[(wijk, (year, week))].append((a, x))
    for (wijk, week), members in buckets.items():
        named = {g for a, _ in members for g in a.target_groups}
        for group in named:
            counted = [
                (a, x)
                for a, x in members
                if group in a.target_groups or TargetGroup.ALL_RESIDENTS in a.target_groups
            ]
            if len(counted) > threshold:
                add(overload_conflict(wijk, group, week, counted))
    return found
