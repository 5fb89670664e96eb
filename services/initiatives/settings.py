"""Settings of the initiatives service (``INITIATIVES_`` variables), read when the app is created."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from werkplaats.settings import ServiceSettings


class BuilderConfig(BaseModel):
    """A community builder: pseudonymous id (the only thing on topics), display pseudonym, wijken."""

    id: str = Field(pattern=r"^cb-[a-z0-9-]{1,40}$")
    pseudonym: str = Field(min_length=1, max_length=100)
    wijken: list[str] = Field(min_length=1)


DEFAULT_BUILDERS: list[dict[str, Any]] = [
    {"id": "cb-moerwijk", "pseudonym": "Opbouwwerker Moerwijk", "wijken": ["WK051836"]},
    {"id": "cb-morgenstond", "pseudonym": "Opbouwwerker Morgenstond", "wijken": ["WK051834", "WK051835"]},
    {"id": "cb-bouwlust", "pseudonym": "Opbouwwerker Bouwlust", "wijken": ["WK051833"]},
    {
        "id": "cb-vrederust",
        "pseudonym": "Opbouwwerker Vrederust",
        "wijken": ["WK051833", "WK051836", "WK051834"],
    },
]


class InitiativesSettings(ServiceSettings):
    """Intake deadlines, builders, spam limits, encryption and retention of contact data."""

    model_config = SettingsConfigDict(env_prefix="INITIATIVES_", extra="ignore", populate_by_name=True)

    http_port: int = Field(default=8030, ge=0, le=65535)
    first_contact_working_days: int = Field(
        default=5, ge=1, le=60, description="Working days within which the first contact is due."
    )
    builders: list[BuilderConfig] = Field(
        default_factory=lambda: [BuilderConfig.model_validate(item) for item in DEFAULT_BUILDERS],
        description="JSON list of {id, pseudonym, wijken}: the community builders and the wijken they cover.",
    )
    encryption_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Fernet keys for contact data at rest, newest first (JSON list); unset means a key "
        "file in the data directory, created once.",
    )
    contact_retention_days: int = Field(
        default=365, ge=0, description="Days after closing that an initiator's contact data is erased."
    )
    submissions_per_minute: int = Field(
        default=5, ge=1, description="Public submissions one client may make a minute (in bursts of that)."
    )
    max_submission_bytes: int = Field(
        default=16_384, ge=1024, description="Largest public submission body accepted."
    )
    trusted_proxy_header: str | None = Field(
        default=None, description="Header naming the client address when behind a proxy, e.g. X-Real-IP."
    )
    overdue_check_s: float = Field(
        default=60, gt=0, description="How often deadlines and retention are checked."
    )

    @field_validator("builders", mode="before")
    @classmethod
    def _parse_builders(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value
