"""The registry of organisations and their API keys, on the compacted ``organisations`` topic."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.envelope import SLUG_PATTERN, EventData


class OrganisationRole(StrEnum):
    """What an organisation may do: partners publish their plans; operations also follow up conflicts."""

    PARTNER = "partner"
    OPERATIONS = "operations"


class ApiKeyRecord(BaseModel):
    """One API key of an organisation: its public id and the SHA-256 of the whole key, never the key."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    key_id: str = Field(pattern=r"^[a-f0-9]{8}$", description="Public id of the key (shown in listings).")
    sha256: str = Field(pattern=r"^[a-f0-9]{64}$", description="SHA-256 of the key (256 random bits).")
    created_at: AwareDatetime = Field(description="When the key was created.")
    revoked_at: AwareDatetime | None = Field(default=None, description="When the key was revoked, if it was.")


class OrganisationUpdated(EventData):
    """An organisation as it now stands: created, renamed, or its keys rotated or revoked."""

    event_type: ClassVar[str] = "organisation.updated"

    slug: str = Field(pattern=SLUG_PATTERN, description="The organisation's slug, as in its topic names.")
    name: str = Field(min_length=1, max_length=200, description="Display name, e.g. `Staedion`.")
    role: OrganisationRole = Field(description="partner or operations.")
    contact_email: str | None = Field(
        default=None, max_length=254, description="The organisation's general address for conflict warnings."
    )
    keys: list[ApiKeyRecord] = Field(default_factory=list, description="Every key, revoked ones included.")
    revoked_at: AwareDatetime | None = Field(
        default=None,
        description="When the organisation was revoked: its keys, feeds, topic and webhooks no longer act; "
        "its history stays.",
    )
