"""Conflict warnings on ``scheduling.conflicts``."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.activities import TargetGroup
from contracts.envelope import SLUG_PATTERN, EventData


class ConflictRule(StrEnum):
    """The rule that found the conflict."""

    NEIGHBOURHOOD_OVERLAP = "neighbourhood_overlap"
    VENUE_DOUBLE_BOOKING = "venue_double_booking"
    SAME_EVENING = "same_evening"
    TARGET_GROUP_OVERLOAD = "target_group_overload"
    UNFAVOURABLE_DATE = "unfavourable_date"
    ROOM_CAPACITY = "room_capacity"
    """The expected attendance exceeds the capacity of the room (centres registered in `centres`)."""
    OUTSIDE_OPENING_HOURS = "outside_opening_hours"
    """The activity lies (partly) outside the centre's opening hours."""


class Severity(StrEnum):
    """How urgently someone should act."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


RULE_SEVERITY: dict[ConflictRule, Severity] = {
    ConflictRule.NEIGHBOURHOOD_OVERLAP: Severity.HIGH,
    ConflictRule.VENUE_DOUBLE_BOOKING: Severity.HIGH,
    ConflictRule.SAME_EVENING: Severity.MEDIUM,
    ConflictRule.TARGET_GROUP_OVERLOAD: Severity.MEDIUM,
    ConflictRule.UNFAVOURABLE_DATE: Severity.LOW,
    ConflictRule.ROOM_CAPACITY: Severity.MEDIUM,
    ConflictRule.OUTSIDE_OPENING_HOURS: Severity.MEDIUM,
}


class ConflictingActivity(BaseModel):
    """One occurrence of an activity taking part in a conflict."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    organisation: str = Field(pattern=SLUG_PATTERN, description="The organiser.")
    activity_id: str = Field(description="The organiser's id of the activity.")
    occurrence_start: AwareDatetime = Field(description="Start of the occurrence concerned.")


class Explanation(BaseModel):
    """One plain sentence a coordinator understands, in Dutch and English."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    nl: str = Field(description="In Dutch.")
    en: str = Field(description="In English.")


class ConflictDetected(EventData):
    """Plans collide: a conflict was found."""

    event_type: ClassVar[str] = "conflict.detected"

    conflict_id: str = Field(description="Deterministic id derived from the rule and what it joins.")
    rule: ConflictRule = Field(description="The rule that found it.")
    severity: Severity = Field(description="high, medium or low.")
    activities: list[ConflictingActivity] = Field(description="The occurrences concerned.")
    neighbourhoods: list[str] = Field(description="The neighbourhoods (CBS codes) concerned.")
    starts_at: AwareDatetime = Field(description="Start of the period concerned.")
    ends_at: AwareDatetime = Field(description="End of the period concerned.")
    explanation: Explanation = Field(description="What collides, for people.")
    suggestions: list[AwareDatetime] = Field(
        default_factory=list,
        description="For high severity: up to 3 alternative start times for the most recently published "
        "activity, same time of day and duration, within 14 days, causing no high or medium conflict.",
    )
    target_group: TargetGroup | None = Field(
        default=None, description="For target_group_overload: the group."
    )
    iso_week: str | None = Field(default=None, description="For target_group_overload: ISO week, `2026-W48`.")
    reasons: list[str] = Field(
        default_factory=list, description="For unfavourable_date: the names of every reason the date is bad."
    )


class ConflictResolved(EventData):
    """A conflict no longer holds: an activity moved, changed or was withdrawn."""

    event_type: ClassVar[str] = "conflict.resolved"

    conflict_id: str = Field(description="The conflict that no longer holds.")
    rule: ConflictRule = Field(description="The rule that had found it.")
    explanation: Explanation = Field(description="Why it no longer holds, for people.")


class ConflictAcknowledged(EventData):
    """Operations accepted a conflict; it stays quiet until one of its activities changes."""

    event_type: ClassVar[str] = "conflict.acknowledged"

    conflict_id: str = Field(description="The conflict accepted.")
    reason: str = Field(min_length=1, max_length=1000, description="Why it is acceptable.")
    acknowledged_by: str = Field(pattern=SLUG_PATTERN, description="The operations organisation.")
