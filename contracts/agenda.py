"""Events of the normalised shared agenda on ``scheduling.agenda``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.activities import ActivityPublished
from contracts.envelope import SLUG_PATTERN, EventData


class Occurrence(BaseModel):
    """One occurrence of a (possibly recurring) activity."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    starts_at: AwareDatetime = Field(description="Start of this occurrence.")
    ends_at: AwareDatetime = Field(description="End of this occurrence.")


class AgendaActivityUpserted(EventData):
    """An activity as it now stands on the shared agenda, organiser stamped, occurrences expanded."""

    event_type: ClassVar[str] = "agenda.activity_upserted"

    organisation: str = Field(
        pattern=SLUG_PATTERN, description="The organiser: whose topic or key published it."
    )
    activity: ActivityPublished = Field(description="The activity as its organiser last published it.")
    occurrences: list[Occurrence] = Field(description="Occurrences up to the scheduler's horizon.")
    venue_known: bool | None = Field(
        default=None, description="False when `venue_id` names no registered centre; null when not checked."
    )


class AgendaActivityRemoved(EventData):
    """An activity is no longer on the shared agenda."""

    event_type: ClassVar[str] = "agenda.activity_removed"

    organisation: str = Field(pattern=SLUG_PATTERN, description="The organiser.")
    activity_id: str = Field(description="The organiser's id of the activity.")
    reason: str | None = Field(default=None, description="Why it was withdrawn, if the organiser said.")
