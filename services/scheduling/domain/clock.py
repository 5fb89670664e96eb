"""Time helpers: Europe/Amsterdam wall clock and integer microsecond instants used by the indexes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
EVENING = time(17, 0)
REMEMBERED_INSTANTS = 1 << 16
"""Instants whose datetimes are kept: the same occurrences are turned into datetimes again and again."""


def to_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    return (moment - EPOCH) // MICROSECOND


@lru_cache(maxsize=REMEMBERED_INSTANTS)
def from_us(instant: int) -> datetime:
    """Return the aware UTC datetime of an instant in microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=instant)


@lru_cache(maxsize=REMEMBERED_INSTANTS)
def local(instant: int) -> datetime:
    """Return the Europe/Amsterdam wall-clock time of an instant."""
    return from_us(instant).astimezone(AMSTERDAM)


def local_us(day: date, at: time) -> int:
    """Return the instant of wall-clock time ``at`` on ``day`` in Europe/Amsterdam."""
    return to_us(datetime.combine(day, at, tzinfo=AMSTERDAM))


def midnight_after(day: date) -> int:
    """Return the instant the Europe/Amsterdam day after ``day`` begins."""
    return local_us(day + timedelta(days=1), time(0, 0))


class Occurrence(NamedTuple):
    """One occurrence as a half-open interval ``[start, end)`` in microseconds since the epoch."""

    start: int
    end: int

    @property
    def starts_at(self) -> datetime:
        """Start as an aware UTC datetime."""
        return from_us(self.start)

    @property
    def ends_at(self) -> datetime:
        """End as an aware UTC datetime."""
        return from_us(self.end)


def overlaps(a: Occurrence, b: Occurrence) -> bool:
    """Whether two half-open intervals overlap; touching (end == start) is not overlapping."""
    return a.start < b.end and b.start < a.end


def evening_window(occurrence: Occurrence) -> tuple[int, int] | None:
    """Return the evening ``[17:00, midnight)`` of the local start date if it starts in it, else None."""
    start = local(occurrence.start)
    if start.time() < EVENING:
        return None
    return local_us(start.date(), EVENING), midnight_after(start.date())


def iso_week(instant: int) -> tuple[int, int]:
    """Return the ISO (year, week) of an instant's local date."""
    year, week, _ = local(instant).date().isocalendar()
    return year, week
