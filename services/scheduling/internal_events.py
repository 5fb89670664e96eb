"""The internal ``scheduling.placements`` event: an agenda change delivered to one zone."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from contracts import ActivityPublished, EventData, register
from contracts.envelope import SLUG_PATTERN


class PlacementChanged(EventData):
    """An activity as it now stands in one zone (``wijk:<code>`` or ``venue:<id>``), or gone from it."""

    event_type: ClassVar[str] = "placement.changed"

    zone: str = Field(description="The zone; also the record key, so one zone is handled in one place.")
    organisation: str = Field(pattern=SLUG_PATTERN, description="The organiser.")
    activity_id: str = Field(description="The organiser's id of the activity.")
    activity: ActivityPublished | None = Field(description="The activity, or null when it left the zone.")
    sequence: int = Field(description="Publish order on the shared agenda; later is larger.")


register(PlacementChanged)
