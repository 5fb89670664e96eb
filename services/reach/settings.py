"""Settings of the reach service (``REACH_`` variables), read when the app is created."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from contracts.topics import PARTNER_REPORTS_PATTERN
from werkplaats.settings import ServiceSettings


class ReachSettings(ServiceSettings):
    """How reports are checked, reminded of and summed up."""

    model_config = SettingsConfigDict(env_prefix="REACH_", extra="ignore", populate_by_name=True)

    http_port: int = Field(default=8050, ge=0, le=65535)
    partner_topic_pattern: str = Field(default=PARTNER_REPORTS_PATTERN)
    minimum_reports: int = Field(
        default=3, ge=1, description="Below this many reports no figure is shown, only the count."
    )
    pending_grace_s: float = Field(
        default=900.0,
        gt=0,
        description="How long a report of an activity not (yet) on the agenda waits before it is refused.",
    )
    report_after_days: float = Field(
        default=3.0, ge=0, description="A report is due this many days after an occurrence ended."
    )
    reminder_window_days: float = Field(
        default=30.0, gt=0, description="Reports due longer ago than this are no longer reminded of."
    )
    tick_s: float = Field(
        default=5.0,
        gt=0,
        description="How often pending reports, due reports, promises and advice are checked.",
    )
    requests_per_minute: int = Field(default=600, ge=1, description="HTTP API requests a minute per API key.")
