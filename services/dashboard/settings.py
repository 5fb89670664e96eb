"""Settings of the dashboard (``DASHBOARD_`` variables), read when the app is created."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from werkplaats.settings import ServiceSettings


class DashboardSettings(ServiceSettings):
    """Where the owning services answer, how people sign in, and demo mode."""

    model_config = SettingsConfigDict(env_prefix="DASHBOARD_", extra="ignore", populate_by_name=True)

    http_port: int = Field(default=8000, ge=0, le=65535)
    scheduling_url: str = Field(
        default="http://127.0.0.1:8010", description="The scheduling service's HTTP API."
    )
    initiatives_url: str = Field(
        default="http://127.0.0.1:8030", description="The initiatives service's HTTP API."
    )
    centres_url: str = Field(default="http://127.0.0.1:8040", description="The centres service's HTTP API.")
    reach_url: str = Field(default="http://127.0.0.1:8050", description="The reach service's HTTP API.")
    operations_key: SecretStr | None = Field(
        default=None,
        description="The dashboard's operations API key for the scheduling service; never sent to a browser.",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Signs CSRF tokens and calendar links; unset means a random secret kept in the data "
        "directory.",
    )
    session_hours: float = Field(default=10, gt=0, description="A sign-in lasts this long.")
    secure_cookies: bool = Field(
        default=True, description="Send cookies only over HTTPS (browsers treat 127.0.0.1 as secure too)."
    )
    password_memory_kib: int = Field(
        default=65536, ge=1024, description="argon2id memory cost of new password hashes (KiB)."
    )
    password_time_cost: int = Field(default=3, ge=1, description="argon2id passes over that memory.")
    password_parallelism: int = Field(default=4, ge=1, description="argon2id lanes.")
    default_language: Literal["nl", "en"] = Field(default="nl", description="Language before a person picks.")
    demo: bool = Field(
        default=False,
        validation_alias=AliasChoices("DASHBOARD_DEMO", "WERKPLAATS_DEMO", "demo"),
        description="Create the demo accounts and an operations key at start (`werkplaats up` sets it).",
    )
    demo_password: SecretStr = Field(
        default=SecretStr("werkplaats-demo"), description="Password of the demo accounts."
    )
    start_from: Literal["earliest", "latest"] = Field(
        default="earliest", description="Where a new consumer group starts: the read model wants history."
    )
    live_poll_s: float = Field(
        default=0.5,
        gt=0,
        description="How often the live feed checks for changes written by other instances.",
    )
    heartbeat_s: float = Field(default=15.0, gt=0, description="Comment lines keep idle SSE streams open.")
