"""What people send in: a submission, a status change, a support entry, a planned activity."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.activities import ActivityKind, AddressVenue, CentreVenue, TargetGroup, Theme
from contracts.initiatives import (
    BUILDER_ID_PATTERN,
    INITIATIVE_ID_PATTERN,
    HelpKind,
    InitiativeStatus,
    ReferralTarget,
    StatusReason,
    SupportKind,
)
from initiatives.domain.areas import wijk_of
from initiatives.domain.subsidies import Scale

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
Code = Annotated[str, Field(pattern=r"^(WK\d{6}|BU\d{8})$")]
Actor = Annotated[str, Field(min_length=2, max_length=60, pattern=r"^[a-z0-9-]+$")]


class Form(BaseModel):
    """Base of the forms: unknown fields are refused, strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Contact(Form):
    """How to reach the initiator: a name and an e-mail address or a phone number."""

    name: str = Field(min_length=1, max_length=120, description="The initiator's name.")
    email: str | None = Field(default=None, max_length=254, description="E-mail address.")
    phone: str | None = Field(default=None, max_length=30, description="Phone number.")
    organisation: str | None = Field(
        default=None, max_length=200, description="The resident organisation behind it, if any."
    )

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.match(value):
            raise ValueError("is not an e-mail address")
        return value

    @field_validator("phone")
    @classmethod
    def _check_phone(cls, value: str | None) -> str | None:
        if value is not None and not PHONE.match(value):
            raise ValueError("is not a phone number (digits, spaces, +, -, parentheses)")
        return value

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if not self.email and not self.phone:
            raise ValueError("give an e-mail address or a phone number, so we can reach you")
        return self


class Submission(Form):
    """A resident's initiative: what, where, for whom, what help, the budget, and how to reach them."""

    title: str = Field(min_length=3, max_length=120, description="A short name for the initiative.")
    description: str = Field(min_length=10, max_length=4000, description="What it is.")
    neighbourhoods: list[Code] = Field(
        min_length=1, max_length=12, description="Where: CBS buurt (BU…) or wijk (WK…) codes."
    )
    scale: Scale = Field(default=Scale.BUURT, description="How far it reaches: street, buurt or wijk.")
    for_whom: str | None = Field(default=None, max_length=500, description="For whom, in your own words.")
    target_groups: list[TargetGroup] = Field(default_factory=list, max_length=8, description="For whom.")
    themes: list[Theme] = Field(default_factory=list, max_length=6, description="Programme themes.")
    help_wanted: list[HelpKind] = Field(min_length=1, max_length=6, description="The help you would like.")
    estimated_budget_eur: float | None = Field(default=None, ge=0, le=1_000_000, description="In euros.")
    legal_entity: bool = Field(default=False, description="A stichting or vereniging stands behind it.")
    initiator: Contact = Field(description="How to reach you.")
    language: Literal["nl", "en"] = Field(default="nl", description="Language of the confirmation.")

    @field_validator("neighbourhoods")
    @classmethod
    def _one_wijk(cls, codes: list[str]) -> list[str]:
        if len({wijk_of(code) for code in codes}) > 1:
            raise ValueError("all codes must lie in one wijk; submit one initiative per wijk")
        return list(dict.fromkeys(codes))


class PublicSubmission(Submission):
    """A submission from the public form, with its honeypot field (people leave it empty)."""

    website: str | None = Field(default=None, max_length=200, description="Leave empty.")


class Registration(Submission):
    """An idea taken by phone, e-mail or at the counter, registered on the resident's behalf."""

    channel: Literal["phone", "counter", "email"] = Field(description="How the idea arrived.")
    registered_by: Actor = Field(description="Who registered it: a builder id or an organisation slug.")


class Reassignment(Form):
    """Give the initiative to another community builder."""

    builder_id: str = Field(pattern=BUILDER_ID_PATTERN, description="The builder who takes it over.")
    by: Actor = Field(description="Who reassigns it.")


class StatusChange(Form):
    """Move the initiative in its lifecycle."""

    status: InitiativeStatus = Field(description="The new status.")
    reason: StatusReason = Field(default=StatusReason.PROGRESS, description="Why; closing moves need one.")
    explanation: str | None = Field(
        default=None,
        max_length=2000,
        description="For declined, withdrawn, merged: what the initiator reads.",
    )
    merged_into: str | None = Field(default=None, pattern=INITIATIVE_ID_PATTERN, description="For merged.")
    by: Actor = Field(description="Who changes it.")


class SupportEntry(Form):
    """One entry of the support log."""

    kind: SupportKind = Field(description="first_contact, advice, hands_on or referral.")
    hours: float = Field(ge=0, le=24, multiple_of=0.25, description="Hours spent, in quarter hours.")
    by: Actor = Field(description="The builder id or organisation who gave the support.")
    on: date = Field(description="The day.")
    referred_to: ReferralTarget | None = Field(default=None, description="For a referral: to whom.")
    notes: str | None = Field(default=None, max_length=4000, description="Notes (kept encrypted).")

    @model_validator(mode="after")
    def _referral_has_target(self) -> Self:
        if (self.kind is SupportKind.REFERRAL) != (self.referred_to is not None):
            raise ValueError("referred_to is required for a referral, and only for a referral")
        return self


class Milestone(Form):
    """A milestone to reach."""

    title: str = Field(min_length=1, max_length=200, description="What is to be reached.")
    due_on: date | None = Field(default=None, description="When it should be reached.")


class SubsidyQuestion(Form):
    """Facts for the subsidy check beyond the submission (asked at intake)."""

    public: bool = Field(default=True, description="Open to everyone.")
    one_off: bool = Field(default=True, description="A one-off activity rather than a series.")
    audience_over_55: bool = Field(default=False, description="For and by people over 55.")
    participants: int | None = Field(default=None, ge=0, le=100_000, description="Expected participants.")
    meetings_per_year: int | None = Field(default=None, ge=0, le=366, description="Meetings a year.")
    costs: list[
        Literal["volunteer_allowances", "drinks", "materials", "rent", "promotion", "food", "other"]
    ] = Field(default_factory=list, description="What the money is for.")


class PlannedActivity(Form):
    """An activity of the initiative for the shared agenda (its title is public)."""

    title: str = Field(min_length=1, max_length=200, description="Public title in the agenda.")
    kind: ActivityKind = Field(default=ActivityKind.SOCIAL, description="Sort of activity.")
    starts_at: AwareDatetime = Field(description="Start, with offset.")
    ends_at: AwareDatetime = Field(description="End, with offset.")
    recurrence: str | None = Field(default=None, max_length=500, description="RFC 5545 RRULE.")
    neighbourhoods: list[Code] | None = Field(default=None, description="Default: the initiative's.")
    venue: CentreVenue | AddressVenue | None = Field(default=None, description="A centre or an address.")
    expected_attendance: int | None = Field(default=None, ge=0, le=100_000)
    languages: list[str] = Field(default_factory=lambda: ["nl"], min_length=1, max_length=20)
    tentative: bool = Field(default=False, description="Still tentative.")
