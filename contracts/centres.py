"""Events on ``centres.events``: centres, bookings, coaching, budgets, subsidies, volunteer allowances.

No personal data travels here: coordinators, coaches and volunteers appear only by pseudonymous id;
coaching notes, names, addresses of people and dates of birth stay in the centres service's database.
Money is a decimal string in euros (two decimals), never a float.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from contracts.activities import ACTIVITY_ID_PATTERN, NEIGHBOURHOOD_PATTERN
from contracts.envelope import SLUG_PATTERN, EventData

PSEUDONYM_PATTERN = r"^[a-z]{2,12}-[a-z0-9]{6,40}$"
"""A pseudonymous id such as ``vol-3f9a0c2b1d``: random, meaningless outside the centres service."""

Money = Annotated[
    Decimal, Field(max_digits=12, decimal_places=2, description="An amount in euros, e.g. `210.00`.")
]
Hours = Annotated[Decimal, Field(ge=0, max_digits=6, decimal_places=2, description="Hours, e.g. `3.50`.")]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Weekday(IntEnum):
    """ISO weekday: 1 is Monday, 7 is Sunday."""

    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7


class Accessibility(_Part):
    """What makes a room usable for people with a disability."""

    step_free: bool = Field(default=False, description="Reachable without steps (level entry or lift).")
    hearing_loop: bool = Field(default=False, description="An induction loop for hearing aids.")
    accessible_toilet: bool = Field(default=False, description="An accessible toilet on the same floor.")


class Room(_Part):
    """One room of a centre; `room_id` is what activities name as `venue.room`."""

    room_id: str = Field(min_length=1, max_length=100, description="The room's id within the centre.")
    name: str = Field(min_length=1, max_length=200, description="Display name, e.g. `Grote zaal`.")
    capacity: int = Field(ge=1, le=10_000, description="Most people the room holds.")
    accessibility: Accessibility = Field(default_factory=Accessibility, description="Accessibility features.")


class OpeningHours(_Part):
    """The centre is open on `weekday` from `opens` to `closes` (Europe/Amsterdam local time)."""

    weekday: Weekday = Field(description="ISO weekday, 1 (Monday) to 7 (Sunday).")
    opens: time = Field(description="Opening time, `HH:MM`.")
    closes: time = Field(description="Closing time, `HH:MM`; after `opens` (no opening past midnight).")

    @model_validator(mode="after")
    def _check_order(self) -> Self:
        if self.closes <= self.opens:
            raise ValueError("closes must be after opens")
        return self


class _CentreState(EventData):
    """A centre as it now stands (a full replacement, like `activity.published`)."""

    centre_id: str = Field(
        pattern=ACTIVITY_ID_PATTERN, description="The centre's id; activities name it as `venue.venue_id`."
    )
    organisation: str = Field(
        pattern=SLUG_PATTERN,
        description="Slug of the organisation that runs the centre; its programme and bookings are "
        "published on `partner.<organisation>.activities`.",
    )
    name: str = Field(min_length=1, max_length=200, description="Public name, e.g. `Wijkcentrum Moerwijk`.")
    address: str = Field(min_length=1, max_length=300, description="The building's public street address.")
    neighbourhoods: list[Annotated[str, Field(pattern=NEIGHBOURHOOD_PATTERN)]] = Field(
        min_length=1, max_length=10, description="CBS wijk (`WK0518dd`) and buurt (`BU0518dddd`) codes."
    )
    rooms: list[Room] = Field(default_factory=list, max_length=100, description="Every bookable room.")
    opening_hours: list[OpeningHours] = Field(
        default_factory=list,
        max_length=50,
        description="When the building is open; an empty list means the hours are not known.",
    )
    coordinator_id: str | None = Field(
        default=None, pattern=PSEUDONYM_PATTERN, description="Pseudonymous id of the coordinator."
    )
    active: bool = Field(default=True, description="False once the centre no longer takes bookings.")

    @model_validator(mode="after")
    def _check_parts(self) -> Self:
        room_ids = [room.room_id for room in self.rooms]
        if len(room_ids) != len(set(room_ids)):
            raise ValueError("room ids must be unique within a centre")
        return self


class CentreRegistered(_CentreState):
    """A centre joined Werkplaats: its address, area, rooms and opening hours."""

    event_type: ClassVar[str] = "centre.registered"


class CentreUpdated(_CentreState):
    """A centre's details changed; the payload is the whole new state."""

    event_type: ClassVar[str] = "centre.updated"


class BookingUse(StrEnum):
    """Regular use (part of the programme, weekly or so) goes before incidental use."""

    REGULAR = "regular"
    INCIDENTAL = "incidental"


class Tariff(StrEnum):
    """Which price list applies."""

    NON_COMMERCIAL = "non_commercial"
    COMMERCIAL = "commercial"
    PROGRAMME = "programme"
    """The centre's own programme: no rent."""


class BookingStatus(StrEnum):
    """Where a booking stands."""

    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class _Booking(EventData):
    """What every booking event says about one booking."""

    booking_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The booking's id.")
    centre_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The centre booked.")
    room_id: str = Field(min_length=1, max_length=100, description="The room booked.")
    booked_by: str = Field(
        pattern=SLUG_PATTERN,
        description="Organisation that uses the room (the centre's own for its programme).",
    )
    starts_at: AwareDatetime = Field(description="Start of the (first) use.")
    ends_at: AwareDatetime = Field(description="End of the (first) use.")
    recurrence: str | None = Field(default=None, max_length=500, description="RFC 5545 RRULE for series.")
    use: BookingUse = Field(description="`regular` or `incidental`.")
    tariff: Tariff = Field(description="`non_commercial`, `commercial` or `programme`.")
    expected_attendance: int | None = Field(default=None, ge=0, description="Expected number of people.")
    activity_id: str = Field(
        pattern=ACTIVITY_ID_PATTERN,
        description="Id of the activity published for it on the centre organisation's activities topic.",
    )


class BookingRequested(_Booking):
    """A partner asked for a room; the coordinator has still to confirm it."""

    event_type: ClassVar[str] = "booking.requested"

    conflicts_found: int = Field(ge=0, description="Conflicts the dry run found when it was requested.")


class BookingConfirmed(_Booking):
    """The coordinator confirmed a booking (or the centre booked its own programme)."""

    event_type: ClassVar[str] = "booking.confirmed"

    rent: Money = Field(description="Rent for the first use, by the tariff.")
    deposit: Money = Field(description="Deposit asked (returned after the use).")


class BookingDeclined(_Booking):
    """The coordinator declined a requested booking."""

    event_type: ClassVar[str] = "booking.declined"

    reason: str = Field(max_length=500, description="Why (no personal data).")


class BookingCancelled(_Booking):
    """A confirmed booking was cancelled; a late cancellation keeps (part of) the deposit."""

    event_type: ClassVar[str] = "booking.cancelled"

    cancellation_fee: Money = Field(description="What the booker still pays (0.00 when in time).")


class CoachingTopic(StrEnum):
    """What a coaching trajectory works on."""

    MARKETING = "marketing"
    BUDGET = "budget"
    SUBSIDY_APPLICATIONS = "subsidy_applications"
    PROGRAMMING = "programming"
    PERSONAL_GROWTH = "personal_growth"
    PEER_GROUP = "peer_group"
    """Intervisie: coordinators of several centres learning from each other."""


class CoachingTrajectoryStarted(EventData):
    """A coordinator started a coaching trajectory with a coach."""

    event_type: ClassVar[str] = "coaching.trajectory_started"

    trajectory_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The trajectory's id.")
    centre_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The coordinator's centre.")
    coordinator_id: str = Field(pattern=PSEUDONYM_PATTERN, description="Pseudonymous id of the coordinator.")
    coach_id: str = Field(pattern=PSEUDONYM_PATTERN, description="Pseudonymous id of the coach.")
    topics: list[CoachingTopic] = Field(min_length=1, description="What the trajectory works on.")
    started_on: date = Field(description="First day.")


class CoachingSessionLogged(EventData):
    """A coaching or peer-group session took place: topic and duration only, never the notes."""

    event_type: ClassVar[str] = "coaching.session_logged"

    session_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The session's id.")
    trajectory_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The trajectory it belongs to.")
    centre_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The coordinator's centre.")
    topic: CoachingTopic = Field(description="What the session was about.")
    held_on: date = Field(description="When it took place.")
    duration_minutes: int = Field(ge=1, le=24 * 60, description="How long it lasted.")


class BudgetLineKind(StrEnum):
    """Whether a budget line is money coming in or going out."""

    INCOME = "income"
    EXPENSE = "expense"


class BudgetThresholdReached(EventData):
    """The actuals of a budget line reached 90 % or 100 % of what was budgeted."""

    event_type: ClassVar[str] = "budget.threshold_reached"

    centre_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The centre.")
    year: int = Field(ge=2000, le=2100, description="The budget year.")
    line_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The budget line.")
    category: str = Field(min_length=1, max_length=100, description="The line's category, e.g. `energie`.")
    kind: BudgetLineKind = Field(description="`income` or `expense`.")
    threshold_percent: int = Field(description="90 or 100.")
    budgeted: Money = Field(description="Amount budgeted for the line.")
    actual: Money = Field(description="Actuals so far.")


class SubsidyStatus(StrEnum):
    """The life of a subsidy application."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    GRANTED = "granted"
    REFUSED = "refused"


class SubsidyDeadline(StrEnum):
    """Which date is coming."""

    SUBMISSION = "submission"
    REPORT = "report"


class SubsidyStatusChanged(EventData):
    """A subsidy application was created or moved on (submitted, granted, refused, paid)."""

    event_type: ClassVar[str] = "subsidy.status_changed"

    application_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The application's id.")
    centre_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The centre applying.")
    regulation: str = Field(min_length=1, max_length=200, description="The subsidy regulation applied under.")
    status: SubsidyStatus = Field(description="`draft`, `submitted`, `granted` or `refused`.")
    amount_requested: Money = Field(description="Amount asked.")
    amount_granted: Money | None = Field(default=None, description="Amount granted, once granted.")
    amount_paid: Money = Field(default=Decimal("0.00"), description="Amount received so far.")
    deadline: date | None = Field(default=None, description="Last day to submit.")
    report_due: date | None = Field(default=None, description="Last day for the report, once granted.")


class SubsidyDeadlineApproaching(EventData):
    """A subsidy deadline (submission or report) is near and the work is not done."""

    event_type: ClassVar[str] = "subsidy.deadline_approaching"

    application_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The application.")
    centre_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The centre.")
    regulation: str = Field(min_length=1, max_length=200, description="The regulation.")
    deadline_kind: SubsidyDeadline = Field(description="`submission` or `report`.")
    deadline: date = Field(description="The date itself.")
    days_left: int = Field(
        ge=0, description="Whole days from the reminder to the deadline; one reminder per step."
    )


class VolunteerHoursLogged(EventData):
    """A volunteer worked hours for a centre."""

    event_type: ClassVar[str] = "volunteer.hours_logged"

    entry_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The hours entry's id.")
    volunteer_id: str = Field(pattern=PSEUDONYM_PATTERN, description="Pseudonymous id of the volunteer.")
    centre_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The centre worked for.")
    worked_on: date = Field(description="The date of the work.")
    hours: Hours = Field(description="Hours worked.")


class AllowanceRoute(StrEnum):
    """How a volunteer is paid: the capped tax-free allowance, or actual costs with receipts (uncapped)."""

    ALLOWANCE = "allowance"
    COST_REIMBURSEMENT = "cost_reimbursement"


class AllowanceCap(StrEnum):
    """The three maxima of the tax-free volunteer allowance."""

    HOURLY = "hourly"
    MONTHLY = "monthly"
    YEARLY = "yearly"


class AllowancePaid(EventData):
    """A centre paid a volunteer an allowance or reimbursed costs."""

    event_type: ClassVar[str] = "allowance.paid"

    payment_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The payment's id.")
    volunteer_id: str = Field(pattern=PSEUDONYM_PATTERN, description="Pseudonymous id of the volunteer.")
    centre_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The paying centre.")
    route: AllowanceRoute = Field(description="`allowance` (capped) or `cost_reimbursement` (receipts).")
    amount: Money = Field(description="Amount paid.")
    hours: Hours = Field(default=Decimal("0"), description="Hours the allowance pays for (0 for costs).")
    worked_from: date = Field(description="First day of the work paid for.")
    worked_until: date = Field(description="Last day of the work paid for (same calendar month).")
    exception_caps: list[AllowanceCap] = Field(
        default_factory=list,
        description="Caps knowingly exceeded as a recorded, justified exception (empty within every cap).",
    )


class AllowanceCapWarning(EventData):
    """A volunteer's allowances, summed over every centre and declared elsewhere, near a cap."""

    event_type: ClassVar[str] = "allowance.cap_warning"

    volunteer_id: str = Field(pattern=PSEUDONYM_PATTERN, description="Pseudonymous id of the volunteer.")
    cap: AllowanceCap = Field(description="`monthly` or `yearly`.")
    year: int = Field(ge=2000, le=2100, description="The tax year.")
    month: int | None = Field(default=None, ge=1, le=12, description="The month, for the monthly cap.")
    limit: Money = Field(description="The cap.")
    total: Money = Field(description="Allowances counted so far in the period.")
    remaining: Money = Field(description="Room left under the cap.")
    percent: int = Field(ge=0, description="How close, as a whole percentage of the cap (e.g. 90).")


class AllowanceRefused(EventData):
    """A payment was refused because it would break a cap; nothing was paid."""

    event_type: ClassVar[str] = "allowance.refused"

    volunteer_id: str = Field(pattern=PSEUDONYM_PATTERN, description="Pseudonymous id of the volunteer.")
    centre_id: str = Field(pattern=ACTIVITY_ID_PATTERN, description="The centre that asked.")
    amount: Money = Field(description="Amount asked.")
    caps: list[AllowanceCap] = Field(min_length=1, description="The caps it would break.")
    room: dict[AllowanceCap, Money] = Field(description="Room left under each cap before this payment.")


CENTRES_EVENT_MODELS: tuple[type[EventData], ...] = (
    CentreRegistered,
    CentreUpdated,
    BookingRequested,
    BookingConfirmed,
    BookingDeclined,
    BookingCancelled,
    CoachingTrajectoryStarted,
    CoachingSessionLogged,
    BudgetThresholdReached,
    SubsidyStatusChanged,
    SubsidyDeadlineApproaching,
    VolunteerHoursLogged,
    AllowancePaid,
    AllowanceCapWarning,
    AllowanceRefused,
)
"""Every event on ``centres.events``."""

CENTRE_STATE_EVENTS = frozenset({CentreRegistered.event_type, CentreUpdated.event_type})
"""The `centre.*` events the scheduler follows."""

EXAMPLE_CENTRE: dict[str, Any] = {
    "centre_id": "wijkcentrum-moerwijk",
    "organisation": "mooi-welzijn",
    "name": "Wijkcentrum Moerwijk",
    "address": "Zuidlarenstraat 59, 2545 VR Den Haag",
    "neighbourhoods": ["WK051836", "BU05183638"],
    "rooms": [
        {
            "room_id": "zaal-1",
            "name": "Grote zaal",
            "capacity": 80,
            "accessibility": {"step_free": True, "hearing_loop": True, "accessible_toilet": True},
        }
    ],
    "opening_hours": [{"weekday": 2, "opens": "09:00", "closes": "22:00"}],
    "coordinator_id": "crd-4be1c09a7f",
}
"""A `centre.registered` payload for documentation."""
