"""The envelope every Werkplaats event travels in, and the base of every event payload."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SLUG_PATTERN = r"^[a-z0-9-]{2,40}$"


class EventData(BaseModel):
    """Base of an event payload; subclasses name their ``event_type`` and ``event_version``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1


DataT = TypeVar("DataT", bound=EventData | dict[str, Any])


class Envelope(BaseModel, Generic[DataT]):
    """One event: identity, type and version, origin, and its payload in ``data``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: uuid.UUID = Field(description="Unique per event; consumers drop repeats.")
    type: str = Field(min_length=1, max_length=100, description="Event type, e.g. `activity.published`.")
    version: int = Field(ge=1, description="Schema version of `data`; starts at 1.")
    occurred_at: AwareDatetime = Field(description="When it happened (RFC 3339 with offset).")
    source: str = Field(
        min_length=1, max_length=60, description="Organisation slug (partner events) or service name."
    )
    correlation_id: str | None = Field(
        default=None, max_length=100, description="Carried from the triggering event or request."
    )
    data: DataT = Field(description="The payload; its schema depends on `type` and `version`.")


def new_event(
    data: EventData,
    *,
    source: str,
    correlation_id: str | None = None,
    event_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
) -> Envelope[EventData]:
    """Wrap ``data`` in a fresh envelope."""
    return Envelope[EventData](
        event_id=event_id or uuid.uuid4(),
        type=data.event_type,
        version=data.event_version,
        occurred_at=occurred_at or datetime.now(UTC),
        source=source,
        correlation_id=correlation_id,
        data=data,
    )
