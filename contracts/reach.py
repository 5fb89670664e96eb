"""Outcome reports partners publish on ``partner.<org>.reports``, and what the reach service announces.

Reports carry counts and methods only. Their free-text fields are refused when they contain an e-mail
address or a phone number: residents' personal data never travels on a topic.
"""

from __future__ import annotations

import re
from datetime import UTC, date
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from contracts.activities import ACTIVITY_ID_PATTERN, ActivityKind, TargetGroup
from contracts.envelope import SLUG_PATTERN, EventData

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE_CANDIDATE = re.compile(r"(?<![\w+])(?:\+|00|0)\d[\d \t().\-/]{6,}\d(?!\w)")
DATE_LIKE = re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 9, 14


class ReachMethod(StrEnum):
    """A way residents were told about or invited to an activity."""

    FLYER = "flyer"
    POSTER = "poster"
    DOOR_TO_DOOR = "door_to_door"
    SOCIAL_MEDIA = "social_media"
    WHATSAPP_GROUP = "whatsapp_group"
    VIA_CENTRE = "via_centre"
    VIA_SCHOOL = "via_school"
    VIA_SELF_ORGANISATION = "via_self_organisation"
    KEY_FIGURE = "key_figure"
    LOCAL_NEWSPAPER = "local_newspaper"
    LETTER = "letter"


class TimeOfDay(StrEnum):
    """Part of the day an occurrence started (Europe/Amsterdam): before 12, before 17, or later."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


def personal_data_in(text: str) -> str | None:
    """What personal data ``text`` seems to contain (``e-mail address``, ``phone number``), or None."""
    if EMAIL.search(text):
        return "an e-mail address"
    for candidate in PHONE_CANDIDATE.finditer(text):
        digits = sum(character.isdigit() for character in candidate.group())
        if MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS and not DATE_LIKE.match(candidate.group()):
            return "a phone number"
    return None


def _no_personal_data(text: str | None) -> str | None:
    if text is None:
        return None
    found = personal_data_in(text)
    if found is not None:
        raise ValueError(
            f"contains {found}; reports carry no personal data, describe the input without contact details"
        )
    return text


class FollowUpPromise(BaseModel):
    """What will be done with residents' input, and when they hear back (participation kinds)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    action: str = Field(
        min_length=1,
        max_length=1000,
        description="What will be done with the input, in one or two sentences.",
    )
    residents_hear_back_by: date = Field(description="The date by which residents hear what came of it.")

    @field_validator("action")
    @classmethod
    def _check_action(cls, text: str) -> str | None:
        return _no_personal_data(text)


class FollowUpDone(BaseModel):
    """How and when residents heard back: the promise kept."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    on: date = Field(description="The date residents heard back.")
    summary: str = Field(
        min_length=1, max_length=1000, description="What was done with the input, as residents were told."
    )

    @field_validator("summary")
    @classmethod
    def _check_summary(cls, text: str) -> str | None:
        return _no_personal_data(text)


class ActivityReported(EventData):
    """An organiser reports how an occurrence of its activity went: counts and methods, no people.

    A later report for the same occurrence replaces the earlier one (the record key is
    ``<activity_id>/<occurrence_start>``), so a follow-up is reported by sending the report again with
    ``follow_up_done`` filled in.
    """

    event_type: ClassVar[str] = "activity.reported"

    activity_id: str = Field(
        pattern=ACTIVITY_ID_PATTERN, description="The organiser's own id of the activity."
    )
    occurrence_start: AwareDatetime = Field(
        description="Start of the occurrence reported on, as on the agenda (with offset)."
    )
    attendance: int = Field(ge=0, le=100_000, description="How many residents came (a count, no names).")
    reach_methods: list[ReachMethod] = Field(
        max_length=11, description="Every way residents were reached; may be empty when none was used."
    )
    languages: list[str] = Field(
        default_factory=lambda: ["nl"],
        min_length=1,
        max_length=20,
        description="ISO 639-1 codes of the languages the activity was offered in (hosts, materials).",
    )
    attendee_languages: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="ISO 639-1 codes of languages attendees spoke among themselves, as far as noticed.",
    )
    interpreter: bool = Field(default=False, description="Whether an interpreter was present.")
    childcare: bool = Field(default=False, description="Whether childcare was offered.")
    accessible: bool = Field(
        default=False, description="Whether the place was step-free and had an accessible toilet."
    )
    time_of_day: TimeOfDay | None = Field(
        default=None,
        description="Part of the day; when left out it is derived from `occurrence_start` "
        "(Europe/Amsterdam: before 12 morning, before 17 afternoon, else evening).",
    )
    input_summary: str | None = Field(
        default=None,
        max_length=2000,
        description="What residents brought in, in general terms: no names, e-mails or phone numbers.",
    )
    follow_up: FollowUpPromise | None = Field(
        default=None,
        description="Required for participation kinds: what will be done with the input, and by when "
        "residents hear back.",
    )
    follow_up_done: FollowUpDone | None = Field(
        default=None, description="Set when residents have heard back: the promise kept."
    )

    @field_validator("languages", "attendee_languages")
    @classmethod
    def _check_languages(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if not re.match(r"^[a-z]{2}$", code):
                raise ValueError(f"{code!r} is not an ISO 639-1 code (two lower-case letters)")
        return sorted(set(codes))

    @field_validator("reach_methods")
    @classmethod
    def _distinct_methods(cls, methods: list[ReachMethod]) -> list[ReachMethod]:
        return sorted(set(methods))

    @field_validator("input_summary")
    @classmethod
    def _check_summary(cls, text: str | None) -> str | None:
        return _no_personal_data(text)


def report_key(report: ActivityReported) -> str:
    """The record key of a report: one per activity occurrence, so compaction keeps the latest."""
    started = report.occurrence_start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{report.activity_id}/{started}"


class ReportDue(EventData):
    """An occurrence ended some days ago and its organiser has not reported on it yet."""

    event_type: ClassVar[str] = "reach.report_due"

    organisation: str = Field(pattern=SLUG_PATTERN, description="The organiser who should report.")
    activity_id: str = Field(description="The organiser's id of the activity.")
    title: str = Field(description="Title of the activity, as on the agenda.")
    occurrence_start: AwareDatetime = Field(description="Start of the occurrence the report is due for.")
    due_at: AwareDatetime = Field(description="When the report became due.")


class PromiseOverdue(EventData):
    """Residents were promised to hear back by a date that passed without a follow-up report."""

    event_type: ClassVar[str] = "reach.promise_overdue"

    organisation: str = Field(pattern=SLUG_PATTERN, description="The organiser who made the promise.")
    activity_id: str = Field(description="The organiser's id of the activity.")
    title: str = Field(description="Title of the activity, as on the agenda.")
    occurrence_start: AwareDatetime = Field(description="Start of the occurrence the promise was made at.")
    residents_hear_back_by: date = Field(description="The promised date.")


class MethodAdvice(BaseModel):
    """A reach method and how turnout went where it was used."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    method: ReachMethod = Field(description="The method.")
    reports: int = Field(description="Reports that used it (never fewer than the minimum).")
    turnout_ratio: float | None = Field(
        description="Attendance over expected attendance, summed over those reports that had an expectation."
    )
    reached_expected_share: float | None = Field(
        description="Share of those reports whose attendance reached the expected attendance."
    )
    reached_expected_low: float | None = Field(description="Lower end of its 95% Wilson interval.")
    reached_expected_high: float | None = Field(description="Upper end of its 95% Wilson interval.")


class LanguageAdvice(BaseModel):
    """A language attendees spoke, and in how many reports."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    language: str = Field(description="ISO 639-1 code.")
    reports: int = Field(description="Reports in which attendees spoke it.")


class AdviceExample(BaseModel):
    """An earlier activity to ask about: who organised it, and when."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    organisation: str = Field(pattern=SLUG_PATTERN, description="The organiser, to ask.")
    activity_id: str = Field(description="The organiser's id of the activity.")
    title: str = Field(description="Its title.")
    occurrence_start: AwareDatetime = Field(description="When it took place.")
    attendance: int = Field(description="How many came.")
    expected_attendance: int | None = Field(description="How many were expected.")
    reach_methods: list[ReachMethod] = Field(description="How residents were reached.")


class AdviceUpdated(EventData):
    """What earlier reports say about reaching one target group with one kind of activity in one wijk.

    Keyed ``<wijk>/<target_group>/<kind>`` on the compacted ``reach.advice`` topic: the last one holds.
    """

    event_type: ClassVar[str] = "reach.advice_updated"

    wijk: str = Field(pattern=r"^WK\d{6}$", description="CBS wijk code.")
    target_group: TargetGroup = Field(description="The target group.")
    kind: ActivityKind = Field(description="The kind of activity.")
    reports: int = Field(description="How many reports the advice rests on.")
    minimum_reports: int = Field(description="Below this many reports no figure is given.")
    sufficient: bool = Field(description="Whether there are at least `minimum_reports` reports.")
    turnout_ratio: float | None = Field(
        default=None,
        description="Attendance over expected attendance over all these reports (when sufficient).",
    )
    methods: list[MethodAdvice] = Field(
        default_factory=list,
        description="Methods used in at least `minimum_reports` reports, best turnout ratio first.",
    )
    languages: list[LanguageAdvice] = Field(
        default_factory=list, description="Languages attendees spoke, most often first (when sufficient)."
    )
    examples: list[AdviceExample] = Field(
        default_factory=list,
        description="Up to three earlier activities with the best turnout, to ask about.",
    )
