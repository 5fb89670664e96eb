"""Activities as the scheduler holds them: who organises what, where, when and for whom."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from contracts import ActivityKind, ActivityPublished, CentreVenue, TargetGroup
from scheduling.domain.errors import SchedulingError

ActivityKey = tuple[str, str]
"""``(organisation, activity_id)``: an activity's identity on the shared agenda."""


class InvalidActivityError(SchedulingError, ValueError):
    """An activity that cannot be scheduled as given; ``field`` names the part at fault (dotted path)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Override(NamedTuple):
    """One occurrence of a series moved: its start as scheduled by the series, and where it now lies."""

    occurrence_start: datetime
    starts_at: datetime
    ends_at: datetime


def content_hash(published: ActivityPublished) -> str:
    """A fingerprint of everything an organiser said about an activity, independent of field order."""
    return payload_hash(published.model_dump(mode="json"))


def payload_hash(payload: Mapping[str, Any]) -> str:
    """``content_hash`` of an activity already dumped to its JSON payload (no second dump)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Activity:
    """One activity of one organiser, reduced to what conflict detection needs."""

    organisation: str
    activity_id: str
    kind: ActivityKind
    starts_at: datetime
    ends_at: datetime
    neighbourhoods: tuple[str, ...]
    target_groups: frozenset[TargetGroup] = frozenset()
    recurrence: str | None = None
    venue_id: str | None = None
    room: str | None = None
    expected_attendance: int | None = None
    exdates: tuple[datetime, ...] = ()
    """Starts of cancelled occurrences of the series."""
    rdates: tuple[datetime, ...] = ()
    """Starts of extra occurrences, each lasting ``duration``."""
    overrides: tuple[Override, ...] = ()
    """Occurrences moved to another time."""

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise InvalidActivityError("starts_at and ends_at need a time zone offset")
        if self.ends_at <= self.starts_at:
            raise InvalidActivityError("ends_at must be after starts_at")
        if not self.neighbourhoods:
            raise InvalidActivityError("an activity needs at least one neighbourhood")
        object.__setattr__(self, "neighbourhoods", tuple(sorted(set(self.neighbourhoods))))
        object.__setattr__(self, "target_groups", frozenset(self.target_groups))
        object.__setattr__(self, "exdates", tuple(sorted(self.exdates)))
        object.__setattr__(self, "rdates", tuple(sorted(self.rdates)))
        object.__setattr__(self, "overrides", tuple(sorted(self.overrides)))
        for override in self.overrides:
            if override.ends_at <= override.starts_at:
                raise InvalidActivityError("a moved occurrence must end after it starts", "overrides")

    @property
    def key(self) -> ActivityKey:
        """The activity's identity: ``(organisation, activity_id)``."""
        return (self.organisation, self.activity_id)

    @property
    def is_participation(self) -> bool:
        """Whether it is a participation kind, the concern of every rule but venue double booking."""
        return self.kind.is_participation

    @property
    def duration(self) -> timedelta:
        """How long each occurrence lasts, in elapsed time (also across a DST change)."""
        return self.ends_at.astimezone(UTC) - self.starts_at.astimezone(UTC)

    @property
    def is_series(self) -> bool:
        """Whether it may have more than one occurrence (a rule or extra dates)."""
        return self.recurrence is not None or bool(self.rdates)

    def moved_to(self, starts_at: datetime) -> Activity:
        """Return the same activity as a single occurrence starting at ``starts_at``, keeping its duration."""
        return replace(
            self,
            starts_at=starts_at,
            ends_at=starts_at + self.duration,
            recurrence=None,
            exdates=(),
            rdates=(),
            overrides=(),
        )

    @classmethod
    def from_published(cls, organisation: str, published: ActivityPublished) -> Activity:
        """Return the domain view of a validated ``activity.published`` payload of ``organisation``."""
        venue = published.venue
        centre = venue if isinstance(venue, CentreVenue) else None
        return cls(
            organisation=organisation,
            activity_id=published.activity_id,
            kind=published.kind,
            starts_at=published.starts_at,
            ends_at=published.ends_at,
            neighbourhoods=tuple(published.neighbourhoods),
            target_groups=frozenset(published.target_groups),
            recurrence=published.recurrence,
            venue_id=centre.venue_id if centre else None,
            room=centre.room if centre else None,
            expected_attendance=published.expected_attendance,
            exdates=tuple(published.exdates),
            rdates=tuple(published.rdates),
            overrides=tuple(
                Override(o.occurrence_start, o.starts_at, o.ends_at) for o in published.overrides
            ),
        )
