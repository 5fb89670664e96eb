"""Recurrence expansion: RFC 5545 RRULEs in Europe/Amsterdam wall-clock time, bounded in work and capped.

The one place where a series becomes occurrences: its rule (or its single start) and its extra dates
(RDATE), less its cancelled occurrences (EXDATE), with moved occurrences (RECURRENCE-ID) where they now lie.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from contracts import recurrence
from contracts.recurrence import normalise_rrule
from scheduling.domain.activities import Activity, InvalidActivityError
from scheduling.domain.clock import AMSTERDAM, Occurrence, from_us, to_us

DEFAULT_HORIZON = timedelta(days=365)
MAX_OCCURRENCES = 1000
MAX_SCANNED = 20_000


def expand(
    activity: Activity,
    now: datetime,
    horizon: timedelta = DEFAULT_HORIZON,
    limit: int = MAX_OCCURRENCES,
) -> tuple[Occurrence, ...]:
    """Return the occurrences that end after ``now`` and start before ``now + horizon``, at most ``limit``.

    Sorted by start; a moved occurrence counts where it now lies, even when the series scheduled it later.
    The horizon bounds how far a series is expanded, not which plans are checked: a single activity is
    kept however far ahead it lies.
    """
    duration = activity.duration // timedelta(microseconds=1)
    not_before, before = to_us(now), to_us(now + horizon)
    if activity.recurrence is None and not (activity.rdates or activity.exdates or activity.overrides):
        start = to_us(activity.starts_at)
        return (Occurrence(start, start + duration),) if start + duration > not_before else ()
    moved = _moved(activity)
    scan_until = max([before, *(original + 1 for original, place in moved.items() if place.start < before)])
    scan_from = min(
        [now, *(from_us(original) for original, place in moved.items() if place.end > not_before)]
    )
    kept: list[Occurrence] = []
    starts = series_starts(activity, from_us(scan_until), not_before=scan_from)
    for scanned, start_local in enumerate(starts):
        start = to_us(start_local)
        if start >= scan_until or scanned >= MAX_SCANNED or len(kept) >= limit:
            break
        occurrence = moved.get(start, Occurrence(start, start + duration))
        if occurrence.end > not_before and occurrence.start < before:
            kept.append(occurrence)
    return tuple(sorted(kept))


def series_starts(
    activity: Activity, bound: datetime, *, not_before: datetime | None = None
) -> Iterator[datetime]:
    """The starts the series schedules, in order up to ``bound``, less its cancelled occurrences.

    Starts that end before ``not_before`` may be skipped (at no cost); none after it are.
    """
    cancelled = {to_us(start) for start in activity.exdates}
    scheduled = _scheduled_starts(activity, bound, not_before)
    return (start for start in scheduled if to_us(start) not in cancelled)


def check_series(activity: Activity) -> None:
    """Raise ``InvalidActivityError`` (naming the field) unless the series' exceptions fit the series.

    Every cancelled or moved occurrence must be one the series schedules, and no moved occurrence may start
    where another occurrence does.
    """
    moved_to = [to_us(override.starts_at) for override in activity.overrides]
    targets = [to_us(start) for start in activity.exdates] + [
        to_us(o.occurrence_start) for o in activity.overrides
    ]
    if not targets:
        return
    bound = max(targets + moved_to) + 1
    scheduled: set[int] = set()
    for scanned, scheduled_start in enumerate(_scheduled_starts(activity, from_us(bound), None)):
        if scanned >= MAX_SCANNED:
            break
        scheduled.add(to_us(scheduled_start))
    reach = f"within its first {MAX_SCANNED} occurrences" if len(scheduled) >= MAX_SCANNED else ""
    _check_known(activity.exdates, scheduled, "exdates.{}", reach)
    _check_known(
        (o.occurrence_start for o in activity.overrides), scheduled, "overrides.{}.occurrence_start", reach
    )
    staying = scheduled - set(targets)
    for index, start in enumerate(moved_to):
        if start in staying or moved_to.index(start) != index:
            raise InvalidActivityError(
                f"another occurrence of the series already starts at {from_us(start).isoformat()}",
                f"overrides.{index}.starts_at",
            )


def _check_known(starts: Iterable[datetime], scheduled: set[int], field: str, reach: str) -> None:
    for index, start in enumerate(starts):
        if to_us(start) not in scheduled:
            raise InvalidActivityError(
                f"{start.isoformat()} is not an occurrence of the series {reach}".strip(), field.format(index)
            )


def _moved(activity: Activity) -> dict[int, Occurrence]:
    """Moved occurrences by the start the series scheduled them at."""
    return {
        to_us(override.occurrence_start): Occurrence(to_us(override.starts_at), to_us(override.ends_at))
        for override in activity.overrides
    }


def _scheduled_starts(activity: Activity, bound: datetime, not_before: datetime | None) -> Iterator[datetime]:
    """The rule's starts merged with the extra dates, in order up to ``bound``, each instant once."""
    extra = sorted(start.astimezone(AMSTERDAM) for start in activity.rdates if start < bound)
    last: int | None = None
    for start in heapq.merge(_starts(activity, bound, not_before), extra):
        instant = to_us(start)
        if instant != last:
            yield start
        last = instant


def _starts(activity: Activity, bound: datetime, not_before: datetime | None) -> Iterator[datetime]:
    """The rule's start times in order, up to ``bound``, at bounded work (a single start without a rule)."""
    start = activity.starts_at.astimezone(AMSTERDAM)
    if activity.recurrence is None:
        return iter((start,))
    try:
        series = recurrence.parse(activity.recurrence, start)
    except ValueError as error:
        raise InvalidActivityError(f"recurrence {error}") from None
    return recurrence.starts(series, bound, not_before=not_before)


__all__ = ["DEFAULT_HORIZON", "MAX_OCCURRENCES", "check_series", "expand", "normalise_rrule", "series_starts"]
