"""Zones for scale-out: where an activity is placed and which zone owns (reports) each conflict."""

from __future__ import annotations

from contracts import ConflictRule
from contracts.areas import wijk_of
from scheduling.domain.activities import Activity
from scheduling.domain.conflicts import Conflict
from scheduling.domain.rules import ALL_RULES

WIJK_PREFIX = "wijk:"
VENUE_PREFIX = "venue:"


def wijk_zone(wijk: str) -> str:
    """Return the zone of a wijk, ``wijk:WK051836``."""
    return WIJK_PREFIX + wijk


def venue_zone(venue_id: str) -> str:
    """Return the zone of a venue, ``venue:<venue_id>``."""
    return VENUE_PREFIX + venue_id


def zones_of(activity: Activity) -> set[str]:
    """Return the zones an activity is placed in: each wijk its neighbourhoods touch, plus its venue."""
    zones = {wijk_zone(wijk_of(code)) for code in activity.neighbourhoods}
    if activity.venue_id is not None:
        zones.add(venue_zone(activity.venue_id))
    return zones


def zones_to_notify(old: Activity | None, new: Activity | None) -> set[str]:
    """Return the zones that must see a change from ``old`` to ``new`` (None if absent), so moves resolve."""
    return (zones_of(old) if old else set()) | (zones_of(new) if new else set())


VENUE_RULES = frozenset(
    {ConflictRule.VENUE_DOUBLE_BOOKING, ConflictRule.ROOM_CAPACITY, ConflictRule.OUTSIDE_OPENING_HOURS}
)
"""The rules about a venue: their conflicts are reported by the venue's zone."""


def owner_zone(conflict: Conflict) -> str:
    """Return the one zone that reports ``conflict``."""
    if conflict.rule in VENUE_RULES:
        assert conflict.venue_id is not None
        return venue_zone(conflict.venue_id)
    return wijk_zone(min(wijk_of(code) for code in conflict.neighbourhoods))


def rules_of_zone(zone: str | None) -> frozenset[ConflictRule]:
    """Return the rules whose conflicts a zone can own (all of them when not zone-scoped)."""
    if zone is None:
        return ALL_RULES
    if zone.startswith(VENUE_PREFIX):
        return VENUE_RULES
    if zone.startswith(WIJK_PREFIX):
        return ALL_RULES - VENUE_RULES
    raise ValueError(f"a zone is 'wijk:<WKcode>' or 'venue:<venue_id>', not {zone!r}")
