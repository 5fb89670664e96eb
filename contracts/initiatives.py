"""Initiative lifecycle events on ``initiatives.events`` (key ``initiative_id``); never personal data.

Topics carry ids, CBS codes, statuses, counts, amounts and dates. Titles, descriptions, the
initiator's name and contact data and every free-text note stay in the initiatives database.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.activities import NEIGHBOURHOOD_PATTERN, TargetGroup, Theme
from contracts.centres import SubsidyDeadline
from contracts.conflicts import Severity
from contracts.envelope import SLUG_PATTERN, EventData

INITIATIVE_ID_PATTERN = r"^INI-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$"
"""``INI-`` and two groups of four Crockford base-32 characters, e.g. ``INI-7K3M-9Q2X``."""
BUILDER_ID_PATTERN = r"^cb-[a-z0-9-]{1,40}$"
"""A community builder's pseudonymous id, e.g. ``cb-moerwijk-1``; never a name."""
WIJK_PATTERN = r"^WK\d{6}$"
INITIATIVES_ORGANISATION = "initiatives"
"""The organisation whose activities are the initiatives' planned activities in the shared agenda."""


class IntakeChannel(StrEnum):
    """How the initiative reached the Werkplaats."""

    ONLINE = "online"
    PHONE = "phone"
    COUNTER = "counter"
    EMAIL = "email"


class HelpKind(StrEnum):
    """What help the initiator asks for."""

    ADVICE = "advice"
    HANDS_ON = "hands_on"
    ROOM = "room"
    MONEY = "money"
    PROMOTION = "promotion"
    VOLUNTEERS = "volunteers"


class InitiativeStatus(StrEnum):
    """Where an initiative is in its lifecycle; the last four are closed."""

    SUBMITTED = "submitted"
    IN_INTAKE = "in_intake"
    SUPPORTED = "supported"
    RUNNING = "running"
    COMPLETED = "completed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


class StatusReason(StrEnum):
    """Why an initiative's status changed; the initiator reads the explanation through the API."""

    PROGRESS = "progress"
    NOT_FEASIBLE = "not_feasible"
    NOT_ALLOWED = "not_allowed"
    OVER_BUDGET = "over_budget"
    OUTSIDE_AREA = "outside_area"
    NOT_PUBLIC = "not_public"
    WITHDRAWN_BY_INITIATOR = "withdrawn_by_initiator"
    NO_RESPONSE = "no_response"
    DUPLICATE = "duplicate"
    JOINED_OTHER = "joined_other"
    OTHER = "other"


class AssignmentReason(StrEnum):
    """Why an initiative went to this community builder."""

    AUTOMATIC = "automatic"
    REASSIGNED = "reassigned"


class SupportKind(StrEnum):
    """What sort of support a log entry records."""

    FIRST_CONTACT = "first_contact"
    ADVICE = "advice"
    HANDS_ON = "hands_on"
    REFERRAL = "referral"


class ReferralTarget(StrEnum):
    """Where an initiator was referred to."""

    PEP = "pep"
    WELFARE = "welfare"
    CENTRE = "centre"
    SUBSIDY = "subsidy"
    MAEX = "maex"


class Missing(StrEnum):
    """What an initiative lacks for a regulation."""

    LEGAL_ENTITY = "legal_entity"
    PUBLIC_ACTIVITY = "public_activity"
    ONE_OFF = "one_off"
    AREA = "area"
    AUDIENCE_OVER_55 = "audience_over_55"
    PARTICIPANTS = "participants"
    MEETINGS = "meetings"
    BUDGET = "budget"
    ELIGIBLE_COSTS = "eligible_costs"
    DEADLINE_PASSED = "deadline_passed"
    NOT_VALID = "not_valid"


class _Initiative(EventData):
    initiative_id: str = Field(pattern=INITIATIVE_ID_PATTERN, description="The initiative (its reference).")


class InitiativeSubmitted(_Initiative):
    """A new initiative arrived: online from a resident, or registered on the resident's behalf."""

    event_type: ClassVar[str] = "initiative.submitted"

    channel: IntakeChannel = Field(description="online, phone, counter or email.")
    registered_by: str | None = Field(
        default=None,
        max_length=60,
        description="Who registered it for the resident: a builder id or an organisation slug; null online.",
    )
    neighbourhoods: list[Annotated[str, Field(pattern=NEIGHBOURHOOD_PATTERN)]] = Field(
        min_length=1, max_length=20, description="CBS codes of the wijk or buurten it is for."
    )
    wijk: str = Field(pattern=WIJK_PATTERN, description="The wijk that decides who picks it up.")
    themes: list[Theme] = Field(default_factory=list, max_length=6, description="Programme themes.")
    target_groups: list[TargetGroup] = Field(default_factory=list, max_length=8, description="For whom.")
    help_wanted: list[HelpKind] = Field(min_length=1, max_length=6, description="The help asked for.")
    estimated_budget_eur: float | None = Field(
        default=None, ge=0, le=1_000_000, description="Estimated budget in euros, if given."
    )
    legal_entity: bool = Field(description="Whether a stichting or vereniging stands behind it.")
    submitted_at: AwareDatetime = Field(description="When it was received.")


class InitiativeAssigned(_Initiative):
    """A community builder picked up the initiative (automatically or reassigned)."""

    event_type: ClassVar[str] = "initiative.assigned"

    builder_id: str = Field(pattern=BUILDER_ID_PATTERN, description="Pseudonymous id of the builder.")
    previous_builder_id: str | None = Field(
        default=None, pattern=BUILDER_ID_PATTERN, description="The builder before, when reassigned."
    )
    reason: AssignmentReason = Field(description="automatic or reassigned.")
    wijk: str = Field(pattern=WIJK_PATTERN, description="The wijk of the initiative.")
    first_contact_due: date = Field(description="The last working day for the first contact.")


class InitiativeStatusChanged(_Initiative):
    """The initiative moved in its lifecycle; closing moves carry a reason."""

    event_type: ClassVar[str] = "initiative.status_changed"

    from_status: InitiativeStatus = Field(description="Status before.")
    to_status: InitiativeStatus = Field(description="Status now.")
    reason: StatusReason = Field(description="Why (a code; the explanation for the initiator stays inside).")
    merged_into: str | None = Field(
        default=None, pattern=INITIATIVE_ID_PATTERN, description="For `merged`: the initiative it joined."
    )
    changed_by: str = Field(max_length=60, description="A builder id or an organisation slug.")


class InitiativeSupportLogged(_Initiative):
    """Support was given: first contact, advice, hands-on help or a referral (never the notes)."""

    event_type: ClassVar[str] = "initiative.support_logged"

    entry_id: str = Field(max_length=40, description="Id of the log entry.")
    kind: SupportKind = Field(description="first_contact, advice, hands_on or referral.")
    hours: float = Field(ge=0, le=24, description="Hours spent, to the quarter hour.")
    by: str = Field(max_length=60, description="A builder id or an organisation slug.")
    referred_to: ReferralTarget | None = Field(default=None, description="For referrals: to whom.")
    on: date = Field(description="The day the support was given.")


class InitiativeOverdue(_Initiative):
    """The first-contact deadline passed without a first contact; raised once per deadline."""

    event_type: ClassVar[str] = "initiative.overdue"

    builder_id: str = Field(pattern=BUILDER_ID_PATTERN, description="The builder who should call back.")
    wijk: str = Field(pattern=WIJK_PATTERN, description="The wijk of the initiative.")
    due: date = Field(description="The last working day for the first contact.")
    submitted_at: AwareDatetime = Field(description="When the initiative was received.")


class RegulationFit(BaseModel):
    """How one subsidy regulation fits the initiative."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    regulation_id: str = Field(pattern=SLUG_PATTERN, description="Id of the regulation in the rules data.")
    fits: bool = Field(description="Whether nothing is missing.")
    maximum_eur: float = Field(ge=0, description="The most it can give this initiative, in euros.")
    missing: list[Missing] = Field(default_factory=list, description="What the initiative lacks.")
    deadline: date | None = Field(default=None, description="The application deadline, if there is one.")
    reminders: list[date] = Field(default_factory=list, description="When the builder is reminded.")


class InitiativeSubsidyChecked(_Initiative):
    """The initiative was checked against the subsidy regulations valid on the day."""

    event_type: ClassVar[str] = "initiative.subsidy_checked"

    checked_on: date = Field(description="The day the rules were applied.")
    best: str | None = Field(default=None, description="The fitting regulation giving the most, if any.")
    results: list[RegulationFit] = Field(description="Every regulation valid on the day.")


class InitiativeConflictAttached(_Initiative):
    """A conflict in the shared agenda concerns one of the initiative's planned activities."""

    event_type: ClassVar[str] = "initiative.conflict_attached"

    conflict_id: str = Field(max_length=200, description="The conflict on `scheduling.conflicts`.")
    activity_id: str = Field(max_length=100, description="The initiative's activity concerned.")
    severity: Severity = Field(description="high, medium or low.")
    builder_id: str | None = Field(
        default=None, pattern=BUILDER_ID_PATTERN, description="The builder to tell, if assigned."
    )
    resolved: bool = Field(default=False, description="True when the conflict no longer holds.")


class InitiativeSubsidyDeadlineApproaching(_Initiative):
    """A subsidy deadline of the initiative is near: the application, or the report after its activity.

    Raised once per reminder step; whoever is told (builder, initiator) is found by the initiative's id.
    """

    event_type: ClassVar[str] = "initiative.subsidy_deadline_approaching"

    regulation_id: str = Field(pattern=SLUG_PATTERN, description="Id of the regulation in the rules data.")
    deadline_kind: SubsidyDeadline = Field(
        description="`submission` (the application) or `report` (the verantwoording after the activity)."
    )
    deadline: date = Field(description="The last day.")
    days_left: int = Field(ge=0, description="Whole days from the reminder to the deadline.")
    step: int = Field(ge=0, description="The reminder step (days before the deadline) this reminder is.")
    builder_id: str | None = Field(
        default=None, pattern=BUILDER_ID_PATTERN, description="The builder supporting it, if assigned."
    )


INITIATIVE_EVENTS: tuple[type[EventData], ...] = (
    InitiativeSubmitted,
    InitiativeAssigned,
    InitiativeStatusChanged,
    InitiativeSupportLogged,
    InitiativeOverdue,
    InitiativeSubsidyChecked,
    InitiativeConflictAttached,
    InitiativeSubsidyDeadlineApproaching,
)

EXAMPLE_OVERDUE: dict[str, Any] = {
    "initiative_id": "INI-7K3M-9Q2X",
    "builder_id": "cb-moerwijk",
    "wijk": "WK051836",
    "due": "2026-03-09",
    "submitted_at": "2026-03-02T10:12:00+01:00",
}
"""An ``initiative.overdue`` payload for documentation."""
