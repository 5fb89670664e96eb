"""Recurrence expansion: RFC 5545 RRULEs in Europe/Amsterdam wall-clock time, bounded and capped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from itertools import islice

from dateutil.rrule import rrule, rrulestr

from contracts.activities import rrule_can_occur
from scheduling.domain.activities import Activity, InvalidActivityError
from scheduling.domain.clock import AMSTERDAM, Occurrence, to_us

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
    """Return the occurrences that end after ``now`` and start before ``now + horizon``, at most ``limit``."""
    duration = activity.duration // timedelta(microseconds=1)
    not_before, before = to_us(now), to_us(now + horizon)
    kept: list[Occurrence] = []
    for scanned, start_local in enumerate(_starts(activity, now + horizon)):
        start = to_us(start_local)
        if start >= before or scanned >= MAX_SCANNED or len(kept) >= limit:
            break
        if start + duration > not_before:
            kept.append(Occurrence(start, start + duration))
    return tuple(kept)


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
