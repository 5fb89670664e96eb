"""Recurrence expansion: RFC 5545 RRULEs in Europe/Amsterdam wall-clock time, bounded in work and capped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from contracts import recurrence
from contracts.recurrence import normalise_rrule
from scheduling.domain.activities import Activity, InvalidActivityError
from scheduling.domain.clock import AMSTERDAM, Occurrence, to_us

DEFAULT_HORIZON = timedelta(days=365)
MAX_OCCURRENCES = 1000


def expand(
    activity: Activity,
    now: datetime,
    horizon: timedelta = DEFAULT_HORIZON,
    limit: int = MAX_OCCURRENCES,
) -> tuple[Occurrence, ...]:
    """Return the occurrences that end after ``now`` and start before ``now + horizon``, at most ``limit``.

    The horizon bounds how far a series is expanded, not which plans are checked: a single
    activity is kept however far ahead it lies.
    """
    duration = activity.duration // timedelta(microseconds=1)
    not_before, before = to_us(now), to_us(now + horizon)
    if activity.recurrence is None:
        start = to_us(activity.starts_at)
        return (Occurrence(start, start + duration),) if start + duration > not_before else ()
    kept: list[Occurrence] = []
    for start_local in _starts(activity, now, now + horizon):
        start = to_us(start_local)
        if start >= before or len(kept) >= limit:
            break
        if start + duration > not_before:
            kept.append(Occurrence(start, start + duration))
    return tuple(kept)


def _starts(activity: Activity, now: datetime, bound: datetime) -> Iterator[datetime]:
    """Start times in order, up to ``bound``, every one that can still end after ``now``; bounded work."""
    start = activity.starts_at.astimezone(AMSTERDAM)
    if activity.recurrence is None:
        return iter((start,))
    try:
        series = recurrence.parse(activity.recurrence, start)
    except ValueError as error:
        raise InvalidActivityError(f"recurrence {error}") from None
    return recurrence.starts(series, bound, not_before=now)


__all__ = ["DEFAULT_HORIZON", "MAX_OCCURRENCES", "expand", "normalise_rrule"]
