"""Request and response bodies of the scheduling HTTP API (their JSON Schemas fill the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from contracts import ActivityPublished, AdviceUpdated, ConflictDetected, Occurrence
from contracts.activities import ACTIVITY_ID_PATTERN, EXAMPLE_ACTIVITY


class ActivityBody(ActivityPublished):
    """An activity as a partner publishes it over HTTP; the organiser is always the key's organisation."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_ACTIVITY]})

    activity_id: str | None = Field(  # type: ignore[assignment]
        default=None,
        pattern=ACTIVITY_ID_PATTERN,
        description="May be left out; when given it must equal the `activity_id` in the path.",
    )


class CheckBody(ActivityPublished):
    """A draft activity to check; nothing is published."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_ACTIVITY]})


class OccurrenceMove(BaseModel):
    """Where one occurrence of a series now lies."""

    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime = Field(description="New start of the occurrence, with offset.")
    ends_at: AwareDatetime = Field(description="New end of the occurrence; after `starts_at`.")

    @model_validator(mode="after")
    def _check_times(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if (self.ends_at - self.starts_at).days >= 7:
            raise ValueError("ends_at must be less than 7 days after starts_at")
        return self


class Accepted(BaseModel):
    """The change was stored and will be published; the scheduler takes it in within moments."""

    event_id: str = Field(description="`event_id` of the event published on the organisation's topic.")


class CheckResult(BaseModel):
    """What publishing the draft would do."""

    conflicts: list[ConflictDetected] = Field(
        description="Every conflict the draft would take part in, as `conflict.detected` would carry it "
        "(conflicts already open with its earlier version included)."
    )
    reach_advice: list[AdviceUpdated] = Field(
        default_factory=list,
        description="What earlier reports say about reaching each of the draft's target groups in each "
        "of its wijken with its kind, as the reach service published it: methods that reached them, "
        "languages attendees spoke, earlier activities to ask about. Empty where nothing was reported yet.",
    )


class AgendaItem(BaseModel):
    """One activity on the shared agenda."""

    organisation: str = Field(description="The organiser (whose key or topic published it).")
    activity: ActivityPublished = Field(
        description="As its organiser published it; `expected_attendance` is only shown to the organiser "
        "and to operations."
    )
    occurrences: list[Occurrence] = Field(
        description="Its occurrences up to the scheduler's horizon (the first one when all are past)."
    )
    venue_known: bool | None = Field(
        default=None, description="False when `venue_id` names no registered centre; null when not checked."
    )


class AgendaPage(BaseModel):
    """One page of the agenda, in order of first matching occurrence, organisation and activity id."""

    items: list[AgendaItem] = Field(description="The activities on this page.")
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )


class ConflictStatus(StrEnum):
    """Where a conflict stands."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Acknowledgement(BaseModel):
    """Operations accepted the conflict."""

    by: str = Field(description="The operations organisation.")
    reason: str = Field(description="Why it is acceptable.")
    at: datetime | None = Field(default=None, description="When it was accepted.")


class ConflictRecord(BaseModel):
    """A conflict as the scheduler recorded it."""

    conflict: ConflictDetected = Field(description="As `conflict.detected` announced it (kept current).")
    status: ConflictStatus = Field(
        description="`open` needs attention, `acknowledged` was accepted, `resolved` no longer holds."
    )
    detected_at: datetime = Field(description="When it was (last) detected.")
    resolved_at: datetime | None = Field(default=None, description="When it stopped holding.")
    acknowledgement: Acknowledgement | None = Field(default=None, description="Set when accepted.")


class ConflictPage(BaseModel):
    """One page of conflicts, in order of start and conflict id."""

    items: list[ConflictRecord] = Field(description="The conflicts on this page.")
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )


class AcknowledgeBody(BaseModel):
    """Why operations accept a conflict."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"reason": "Both evenings serve different streets; agreed by phone."}]
        }
    )

    reason: str = Field(min_length=1, max_length=1000, description="Why the conflict is acceptable.")


class Acknowledged(BaseModel):
    """The acknowledgement, recorded and announced on `scheduling.conflicts`."""

    conflict_id: str = Field(description="The conflict accepted.")
    reason: str = Field(description="Why it is acceptable.")
    acknowledged_by: str = Field(description="The operations organisation.")


class Problem(BaseModel):
    """An error: what went wrong, in one sentence."""

    detail: str = Field(description="What went wrong.")


class FieldIssue(BaseModel):
    """One problem with one field."""

    loc: list[str | int] = Field(description="Where: `body`, `query`, `path` or `header`, then the field.")
    msg: str = Field(description="What is wrong with it.")
    type: str = Field(description="Machine-readable kind of problem.")


class ValidationProblem(BaseModel):
    """The request was understood but a field is wrong."""

    detail: list[FieldIssue] = Field(description="Each problem found.")
