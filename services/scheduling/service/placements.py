"""Placements: an activity as it stands in one zone, applied inline or published for partitioned detection."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from contracts import ActivityPublished, CentreVenue, new_event
from contracts.areas import wijk_of
from contracts.topics import SCHEDULING_PLACEMENTS
from scheduling import NAME
from scheduling.domain import Activity, ActivityKey, Occurrence
from scheduling.domain.zones import venue_zone, wijk_zone
from scheduling.internal_events import PlacementChanged
from scheduling.store import SchedulingUnitOfWork


@dataclass(frozen=True, slots=True)
class Expansion:
    """An activity's occurrences as the intake expanded them: at ``now``, up to ``horizon`` ahead."""

    now: datetime
    horizon: timedelta
    occurrences: tuple[Occurrence, ...]


@dataclass(frozen=True, slots=True)
class PlacedActivity:
    """An activity placed in a zone: its domain view, its contract and its stored payload (one decode)."""

    activity: Activity
    published: ActivityPublished
    payload: dict[str, Any]
    expansion: Expansion | None = None
    """Its occurrences as the intake expanded them (inline detection; none from the placements topic)."""


@dataclass(frozen=True, slots=True)
class Placement:
    """An activity as it now stands in one zone (``placed``), or gone from it (``placed`` None)."""

    zone: str
    key: ActivityKey
    sequence: int
    """Publish order on the shared agenda (the intake's); later is larger."""
    placed: PlacedActivity | None

    @classmethod
    def of(cls, changed: PlacementChanged) -> Placement:
        """The placement a ``placement.changed`` event of ``scheduling.placements`` carries."""
        key = (changed.organisation, changed.activity_id)
        if changed.activity is None:
            return cls(changed.zone, key, changed.sequence, None)
        activity = Activity.from_published(changed.organisation, changed.activity)
        placed = PlacedActivity(activity, changed.activity, changed.activity.model_dump(mode="json"))
        return cls(changed.zone, key, changed.sequence, placed)


class Place(Protocol):
    """Where the intake sends each zone's placement: the detector itself, or the placements topic."""

    async def __call__(
        self, unit: SchedulingUnitOfWork, placement: Placement, *, correlation_id: str
    ) -> None:
        """Take ``placement`` in the transaction of ``unit``."""


async def publish_placement(unit: SchedulingUnitOfWork, placement: Placement, *, correlation_id: str) -> None:
    """Publish ``placement`` on ``scheduling.placements`` (keyed by zone) for partitioned detection."""
    organisation, activity_id = placement.key
    changed = PlacementChanged(
        zone=placement.zone,
        organisation=organisation,
        activity_id=activity_id,
        activity=placement.placed.published if placement.placed is not None else None,
        sequence=placement.sequence,
    )
    unit.publish(
        SCHEDULING_PLACEMENTS,
        new_event(changed, source=NAME, correlation_id=correlation_id),
        key=placement.zone,
    )


def zones_named(neighbourhoods: Iterable[str], venue_id: str | None) -> set[str]:
    """The zones of an activity in these neighbourhoods at this venue (as ``zones_of`` gives them)."""
    zones = {wijk_zone(wijk_of(code)) for code in neighbourhoods}
    if venue_id is not None:
        zones.add(venue_zone(venue_id))
    return zones


def zones_of_published(published: ActivityPublished) -> set[str]:
    """The zones of a published activity, without building its domain view."""
    venue = published.venue
    return zones_named(published.neighbourhoods, venue.venue_id if isinstance(venue, CentreVenue) else None)


def zones_of_payload(payload: dict[str, Any]) -> set[str]:
    """The zones of a stored activity payload, without decoding it."""
    venue = payload.get("venue")
    venue_id = venue.get("venue_id") if isinstance(venue, dict) else None
    return zones_named(payload.get("neighbourhoods", ()), venue_id)
