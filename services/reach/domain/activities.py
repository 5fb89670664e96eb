"""Activities as the reach service knows them from the agenda, and their occurrences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from contracts import ActivityKind, ActivityPublished, TargetGroup

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MAX_OCCURRENCES = 1000


def wijk_of(code: str) -> str:
    """The wijk of a CBS code: a wijk is its own, a buurt ``BU0518dddd`` lies in ``WK0518dd``."""
    return code if code.startswith("WK") else f"WK{code[2:8]}"


def utc_key(moment: datetime) -> str:
    """A moment as the stable text the service keys occurrences by, e.g. ``2026-03-24T18:30:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of an activity."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class PlannedActivity:
    """What reach needs of an activity on the agenda: organiser, place, groups, kind, times."""

    organisation: str
    activity_id: str
    title: str
    kind: ActivityKind
    wijken: tuple[str, ...]
    target_groups: tuple[TargetGroup, ...]
    expected_attendance: int | None
    starts_at: datetime
    ends_at: datetime
    recurrence: str | None = None
    withdrawn: bool = False

    @classmethod
    def from_published(cls, organisation: str, published: ActivityPublished) -> PlannedActivity:
        """The activity as its organiser published it."""
        return cls(
            organisation=organisation,
            activity_id=published.activity_id,
            title=published.title,
            kind=published.kind,
            wijken=tuple(sorted({wijk_of(code) for code in published.neighbourhoods})),
            target_groups=tuple(sorted(set(published.target_groups))),
            expected_attendance=published.expected_attendance,
            starts_at=published.starts_at,
            ends_at=published.ends_at,
            recurrence=published.recurrence,
        )

    @property
    def is_participation(self) -> bool:
        """Whether residents are asked to take part in decisions (then input must be followed up)."""
        return self.kind.is_participation

    def occurrences(self, until: datetime) -> list[Occurrence]:
        """Its occurrences that start before ``until`` (at most ``MAX_OCCURRENCES``)."""
        duration = self.ends_at - self.starts_at
        first = self.starts_at.astimezone(AMSTERDAM)
        if self.recurrence is None:
            starts = [first] if first < until else []
        else:
            starts = []
            for start in rrulestr(self.recurrence, dtstart=first):
                if start >= until or len(starts) >= MAX_OCCURRENCES:
                    break
                starts.append(start)
        return [Occurrence(start, start + duration) for start in starts]

    def occurrence_at(self, start: datetime) -> Occurrence | None:
        """The occurrence starting at ``start``, if there is one."""
        wanted = utc_key(start)
        for occurrence in self.occurrences(start + timedelta(seconds=1)):
            if utc_key(occurrence.starts_at) == wanted:
                return occurrence
        return None
