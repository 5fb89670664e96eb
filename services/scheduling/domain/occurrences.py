"""Recurrence expansion: RFC 5545 RRULEs in Europe/Amsterdam wall-clock time, bounded and capped.

The one place where a series becomes occurrences: its rule (or its single start) and its extra dates
(RDATE), less its cancelled occurrences (EXDATE), with moved occurrences (RECURRENCE-ID) where they now lie.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, time, timedelta
from itertools import islice

from dateutil.rrule import rrule, rrulestr

from contracts.activities import rrule_can_occur
from scheduling.domain.activities import Activity, InvalidActivityError
from scheduling.domain.clock import AMSTERDAM, Occurrence, from_us, to_us

DEFAULT_HORIZON = timedelta(days=365)
MAX_OCCURRENCES = 1000
MAX_SCANNED = 20_000
_UNTIL = re.compile(r"UNTIL=([0-9T]+)(Z?)", re.IGNORECASE)


def expand(
    activity: Activity,
    now: datetime,
    horizon: timedelta = DEFAULT_HORIZON,
    limit: int = MAX_OCCURRENCES,
) -> tuple[Occurrence, ...]:
    """Return the occurrences that end after ``now`` and start before ``now + horizon``, at most ``limit``.

    Sorted by start; a moved occurrence counts where it now lies, even when the series scheduled it later.
    """
    duration = activity.duration // timedelta(microseconds=1)
    not_before, before = to_us(now), to_us(now + horizon)
    moved = _moved(activity)
    scan_until = max([before, *(original + 1 for original, place in moved.items() if place.start < before)])
    kept: list[Occurrence] = []
    for scanned, start_local in enumerate(series_starts(activity, from_us(scan_until))):
        start = to_us(start_local)
        if start >= scan_until or scanned >= MAX_SCANNED or len(kept) >= limit:
            break
        occurrence = moved.get(start, Occurrence(start, start + duration))
        if occurrence.end > not_before and occurrence.start < before:
            kept.append(occurrence)
    return tuple(sorted(kept))


def series_starts(activity: Activity, bound: datetime) -> Iterator[datetime]:
    """The starts the series schedules, in order up to ``bound``, less its cancelled occurrences."""
    cancelled = {to_us(start) for start in activity.exdates}
    return (start for start in _scheduled_starts(activity, bound) if to_us(start) not in cancelled)


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
    for scanned, scheduled_start in enumerate(_scheduled_starts(activity, from_us(bound))):
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


def _scheduled_starts(activity: Activity, bound: datetime) -> Iterator[datetime]:
    """The rule's starts merged with the extra dates, in order up to ``bound``, each instant once."""
    extra = sorted(start.astimezone(AMSTERDAM) for start in activity.rdates if start < bound)
    last: int | None = None
    for start in heapq.merge(_starts(activity, bound), extra):
        instant = to_us(start)
        if instant != last:
            yield start
        last = instant


def _starts(activity: Activity, bound: datetime) -> Iterator[datetime]:
    """Start times in order, up to ``bound``; a rule that matches no date yields none (not a loop to 9999)."""
    start = activity.starts_at.astimezone(AMSTERDAM)
    if activity.recurrence is None:
        return iter((start,))
    rule = normalise_rrule(activity.recurrence)
    if not rrule_can_occur(rule):
        return iter(())
    try:
        series = rrulestr(rule, dtstart=start)
    except (ValueError, TypeError) as error:
        raise InvalidActivityError(f"recurrence is not a valid RRULE: {error}") from None
    if not isinstance(series, rrule):
        raise InvalidActivityError("recurrence must be one RRULE")
    count: int | None = getattr(series, "_count", None)  # dateutil offers no public reader of these
    until: datetime | None = getattr(series, "_until", None)
    bounded = series.replace(count=None, until=min(until, bound) if until else bound)
    return islice(iter(bounded), count)


def normalise_rrule(rule: str) -> str:
    """Return the RRULE without ``RRULE:`` and with a floating or date-only UNTIL turned into UTC (``Z``)."""
    rule = rule.strip().removeprefix("RRULE:")
    return _UNTIL.sub(_until_in_utc, rule)


def _until_in_utc(match: re.Match[str]) -> str:
    value, zulu = match.group(1).upper(), match.group(2)
    if zulu:
        return f"UNTIL={value}Z"
    if "T" in value:
        moment = datetime.strptime(value, "%Y%m%dT%H%M%S")
    else:
        moment = datetime.combine(datetime.strptime(value, "%Y%m%d").date(), time(23, 59, 59))
    utc = moment.replace(tzinfo=AMSTERDAM).astimezone(UTC)
    return f"UNTIL={utc:%Y%m%dT%H%M%S}Z"
