"""Settings of the centres service (``CENTRES_`` variables), read when the app is created."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from werkplaats.settings import ServiceSettings


class CentresSettings(ServiceSettings):
    """Where the centres service keeps its key, how it reminds, and where it asks for dry runs."""

    model_config = SettingsConfigDict(env_prefix="CENTRES_", extra="ignore", populate_by_name=True)

    http_port: int = Field(default=8030, ge=0, le=65535)
    data_keys: SecretStr | None = Field(
        default=None,
        description="Fernet keys for personal data at rest, comma-separated, newest first (rotation); "
        "unset means a key file `centres.key` in the data directory, created on first start.",
    )
    scheduling_url: str | None = Field(
        default=None,
        description="Base URL of the scheduling API for a room request's dry run; unset: local checks only.",
    )
    scheduling_api_key: SecretStr | None = Field(
        default=None, description="The centres organisation's API key for that dry run."
    )
    reminder_days: list[int] = Field(
        default=[14, 7, 1], description="Days before a subsidy deadline when a reminder goes out."
    )
    warning_percents: list[int] = Field(
        default=[80, 100], description="Allowance cap warnings at these percentages of a cap."
    )
    tick_s: float = Field(default=60.0, gt=0, description="How often subsidy deadlines are checked.")
