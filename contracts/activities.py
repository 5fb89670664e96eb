"""Events partners publish on ``partner.<org>.activities``, and the feedback they receive."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from contracts import recurrence
from contracts.envelope import EventData

ACTIVITY_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,100}$"
NEIGHBOURHOOD_PATTERN = r"^(WK\d{6}|BU\d{8})$"


class ActivityKind(StrEnum):
    """What sort of activity it is; the first five are participation kinds."""

    CONSULTATION = "consultation"
    INFORMATION_MEETING = "information_meeting"
    RESIDENTS_MEETING = "residents_meeting"
    WORKSHOP = "workshop"
    WALK = "walk"
    OFFICE_HOURS = "office_hours"
    SOCIAL = "social"
    SURVEY = "survey"

    @property
    def is_participation(self) -> bool:
        """Whether residents are asked to take part in decisions (the conflict rules' concern)."""
        return self in PARTICIPATION_KINDS


PARTICIPATION_KINDS = frozenset(
    {
        ActivityKind.CONSULTATION,
        ActivityKind.INFORMATION_MEETING,
        ActivityKind.RESIDENTS_MEETING,
        ActivityKind.WORKSHOP,
        ActivityKind.WALK,
    }
)


class TargetGroup(StrEnum):
    """Who an activity is for; ``all_residents`` shares a group with every group."""

    ALL_RESIDENTS = "all_residents"
    TENANTS = "tenants"
    HOMEOWNERS = "homeowners"
    YOUTH = "youth"
    SENIORS = "seniors"
    PARENTS = "parents"
    ENTREPRENEURS = "entrepreneurs"
    NEWCOMERS = "newcomers"


class Theme(StrEnum):
    """Programme themes of NPZW."""

    SOCIAL_COHESION = "social_cohesion"
    HOUSING_ENVIRONMENT = "housing_environment"
    WORK_ECONOMY = "work_economy"
    SAFETY = "safety"
    HEALTH_VITALITY = "health_vitality"
    EDUCATION = "education"


class ActivityStatus(StrEnum):
    """Whether the activity is settled or still tentative."""

    PLANNED = "planned"
    TENTATIVE = "tentative"


class CentreVenue(BaseModel):
    """A community centre registered in the centres service, optionally one room of it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    venue_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="Id of the centre in the centres service.")
    room: str | None = Field(default=None, min_length=1, max_length=100, description="Room within the venue.")


class AddressVenue(BaseModel):
    """Any other place, given by its address."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    address: str = Field(min_length=1, max_length=300, description="Street address of the place.")


Venue = CentreVenue | AddressVenue

MAX_EXCEPTIONS = 500
"""At most this many cancelled occurrences, extra dates and moved occurrences each, per series."""


class OccurrenceOverride(BaseModel):
    """One occurrence of a series moved to another time (RFC 5545: a VEVENT with RECURRENCE-ID)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    occurrence_start: AwareDatetime = Field(
        description="Start of the occurrence as the series schedules it (its RECURRENCE-ID); must be an "
        "occurrence of the series, neither cancelled in `exdates` nor moved by another override."
    )
    starts_at: AwareDatetime = Field(description="Where the occurrence now starts, with offset.")
    ends_at: AwareDatetime = Field(
        description="Where it now ends; after `starts_at`, less than 7 days later."
    )

    @model_validator(mode="after")
    def _check_times(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if (self.ends_at - self.starts_at).days >= 7:
            raise ValueError("ends_at must be less than 7 days after starts_at")
        return self


class ActivityPublished(EventData):
    """An activity is created or fully replaced by its organiser."""

    event_type: ClassVar[str] = "activity.published"

    activity_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The partner's own id of the activity.")
    title: str = Field(min_length=1, max_length=200, description="Title shown to residents.")
    kind: ActivityKind = Field(description="Sort of activity; the first five kinds are participation kinds.")
    starts_at: AwareDatetime = Field(description="Start of the (first) occurrence, with offset.")
    ends_at: AwareDatetime = Field(description="End of the (first) occurrence; after `starts_at`.")
    recurrence: str | None = Field(
        default=None,
        max_length=500,
        description="RFC 5545 RRULE, e.g. `FREQ=WEEKLY;BYDAY=TU;COUNT=10`; occurrences keep the duration.",
    )
    neighbourhoods: list[str] = Field(
        min_length=1,
        max_length=100,
        description="CBS codes: wijk `WK0518dd` (covers its buurten) or buurt `BU0518dddd`.",
    )
    venue: CentreVenue | AddressVenue | None = Field(
        default=None, description="A registered centre (with optional room) or an address."
    )
    target_groups: list[TargetGroup] = Field(max_length=8, description="Who the activity is for.")
    themes: list[Theme] = Field(default_factory=list, max_length=6, description="Programme themes.")
    expected_attendance: int | None = Field(default=None, ge=0, le=100_000, description="Expected visitors.")
    languages: list[str] = Field(
        default_factory=lambda: ["nl"], min_length=1, max_length=20, description="ISO 639-1 language codes."
    )
    status: ActivityStatus = Field(default=ActivityStatus.PLANNED, description="Planned or tentative.")
    exdates: list[AwareDatetime] = Field(
        default_factory=list,
        max_length=MAX_EXCEPTIONS,
        description="Cancelled occurrences (RFC 5545 EXDATE): the start of each as the series schedules "
        "it; each must be an occurrence of the series (`starts_at`, `recurrence` or `rdates`).",
    )
    rdates: list[AwareDatetime] = Field(
        default_factory=list,
        max_length=MAX_EXCEPTIONS,
        description="Extra occurrences (RFC 5545 RDATE): the start of each, lasting as long as the first "
        "occurrence; a date the series already has counts once.",
    )
    overrides: list[OccurrenceOverride] = Field(
        default_factory=list,
        max_length=MAX_EXCEPTIONS,
        description="Occurrences moved to another time (RFC 5545 RECURRENCE-ID), at most one per occurrence.",
    )

    @field_validator("neighbourhoods")
    @classmethod
    def _check_neighbourhoods(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if not _matches(NEIGHBOURHOOD_PATTERN, code):
                raise ValueError(f"{code!r} is not a CBS wijk (WK + 6 digits) or buurt (BU + 8 digits) code")
        return sorted(set(codes))

    @field_validator("languages")
    @classmethod
    def _check_languages(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if not _matches(r"^[a-z]{2}$", code):
                raise ValueError(f"{code!r} is not an ISO 639-1 code (two lower-case letters)")
        return codes

    @field_validator("recurrence")
    @classmethod
    def _check_recurrence(cls, rule: str | None, info: ValidationInfo) -> str | None:
        if rule is None:
            return None
        rule = rule.strip().removeprefix("RRULE:")
        if "UNTIL=" not in rule and "COUNT=" not in rule and "FREQ=" not in rule:
            raise ValueError("must be an RFC 5545 RRULE such as FREQ=WEEKLY;BYDAY=TU;COUNT=10")
        if any(
            part.startswith(("FREQ=SECONDLY", "FREQ=MINUTELY", "FREQ=HOURLY")) for part in rule.split(";")
        ):
            raise ValueError("may repeat at most daily (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY)")
        starts_at = info.data.get("starts_at")
        if starts_at is not None and (problem := recurrence.problem(rule, starts_at)):
            raise ValueError(problem)
        return rule

    @field_validator("exdates", "rdates")
    @classmethod
    def _unique_starts(cls, starts: list[datetime]) -> list[datetime]:
        return sorted({start.timestamp(): start for start in starts}.values())

    @field_validator("overrides")
    @classmethod
    def _one_override_per_occurrence(
        cls, overrides: list[OccurrenceOverride], info: ValidationInfo
    ) -> list[OccurrenceOverride]:
        cancelled = {start.timestamp() for start in info.data.get("exdates", [])}
        seen: set[float] = set()
        for override in overrides:
            instant, named = override.occurrence_start.timestamp(), override.occurrence_start.isoformat()
            if instant in seen:
                raise ValueError(f"occurrence {named} is moved more than once")
            if instant in cancelled:
                raise ValueError(f"occurrence {named} is both cancelled (in exdates) and moved")
            seen.add(instant)
        return sorted(overrides, key=lambda override: override.occurrence_start)

    @model_validator(mode="after")
    def _check_times(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if (self.ends_at - self.starts_at).days >= 7:
            raise ValueError("ends_at must be less than 7 days after starts_at; use recurrence for series")
        return self


class ActivityWithdrawn(EventData):
    """An activity is cancelled by its organiser."""

    event_type: ClassVar[str] = "activity.withdrawn"

    activity_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The partner's own id of the activity.")
    reason: str | None = Field(default=None, max_length=500, description="Why it was withdrawn.")


class FieldProblem(BaseModel):
    """One thing wrong with a rejected message."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    field: str = Field(description="Dotted path of the field, or `(message)` for the whole message.")
    problem: str = Field(description="What is wrong with it.")


class ActivityRejected(EventData):
    """A partner's message was not accepted; it says why, without copying the payload."""

    event_type: ClassVar[str] = "activity.rejected"

    activity_id: str | None = Field(default=None, description="The activity, when it could be read.")
    rejected_event_id: str | None = Field(default=None, description="`event_id` of the rejected message.")
    reason: str = Field(description="Summary of why the message was rejected.")
    problems: list[FieldProblem] = Field(default_factory=list, description="Each problem found.")
    topic: str = Field(description="Topic of the rejected message.")
    partition: int = Field(description="Partition of the rejected message.")
    offset: int = Field(description="Offset of the rejected message.")


def _matches(pattern: str, value: str) -> bool:
    return re.match(pattern, value) is not None


EXAMPLE_ACTIVITY: dict[str, Any] = {
    "activity_id": "moerwijk-oost-2026-03-24",
    "title": "Inspraakavond renovatie Moerwijk-Oost",
    "kind": "consultation",
    "starts_at": "2026-03-24T19:30:00+01:00",
    "ends_at": "2026-03-24T21:30:00+01:00",
    "neighbourhoods": ["BU05183620"],
    "venue": {"venue_id": "wijkcentrum-moerwijk", "room": "zaal 1"},
    "target_groups": ["tenants"],
    "themes": ["housing_environment"],
    "expected_attendance": 60,
    "languages": ["nl", "tr"],
    "status": "planned",
}
"""An ``activity.published`` payload for documentation (OpenAPI, AsyncAPI)."""
