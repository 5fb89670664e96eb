"""Settings of the scheduling service (``SCHEDULING_`` variables), read when the app is created."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from contracts.topics import PARTNER_ACTIVITIES_PATTERN
from werkplaats.settings import ServiceSettings


class DetectionMode(StrEnum):
    """Where a zone's conflicts are detected."""

    INLINE = "inline"
    """By the intake, in the transaction that takes the activity in (zones locked per transaction)."""
    PARTITIONED = "partitioned"
    """By the detector consumer of ``scheduling.placements``, keyed by zone (zone affinity)."""


class SchedulingSettings(ServiceSettings):
    """How the scheduler reads partner topics and judges conflicts."""

    model_config = SettingsConfigDict(env_prefix="SCHEDULING_", extra="ignore", populate_by_name=True)

    http_port: int = Field(default=8010, ge=0, le=65535)
    horizon_days: int = Field(
        default=365, ge=1, le=3650, description="How far recurring series are expanded."
    )
    overload_threshold: int = Field(
        default=3, ge=1, description="More than this many participation occurrences per wijk, group and week."
    )
    partner_topic_pattern: str = Field(default=PARTNER_ACTIVITIES_PATTERN)
    unfavourable_dates_file: Path | None = Field(
        default=None, description="Extra unfavourable dates (same shape as the shipped file)."
    )
    requests_per_minute: int = Field(
        default=600, ge=1, description="HTTP API requests a minute per API key (bursts up to this many)."
    )
    feed_poll_s: float = Field(
        default=15.0, gt=0, description="How often registered iCalendar feeds are checked for being due."
    )
    detection: DetectionMode = Field(
        default=DetectionMode.INLINE,
        description=(
            "inline: the intake checks each zone in its own transaction; partitioned: changes go through "
            "scheduling.placements to the instance that holds the zone's partition."
        ),
    )
