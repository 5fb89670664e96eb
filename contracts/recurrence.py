"""RRULE iteration bounded by work done: every rule costs at most a fixed number of candidate days.

dateutil's ``rrule`` tests each day of each period against the rule; a rule that matches no date
(``FREQ=DAILY;BYMONTH=6;BYWEEKNO=1``) makes it test every day up to the year 9999, whatever UNTIL
says. Here the same iteration counts the candidate days of every period it visits and stops (with
:class:`RecurrenceBudgetError`) once :data:`MAX_CANDIDATE_DAYS` are spent, so the cost of any rule
is a few milliseconds. Series without COUNT are fast-forwarded to an aligned start just before the
window asked for, so an old series costs no more than a new one.

Errors::

    ValueError
    └── RecurrenceBudgetError     the rule needs more candidate days than the budget
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from itertools import islice
from types import FunctionType
from typing import Any, cast
from zoneinfo import ZoneInfo

import dateutil.rrule as dateutil_rrule
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

MAX_CANDIDATE_DAYS = 5_000
"""Candidate days any one expansion may test (about 2 µs each): enough for a 3650-day horizon."""

VALIDATION_WINDOW = timedelta(days=365)
"""A series without COUNT must have a date within this long after its start."""

LATEST_ACTIVITY_LENGTH = timedelta(days=7)
"""An occurrence lasts less than this (the contract's limit), so earlier starts end before now."""

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_TWO_YEARS = 2 * 366 + 1
_UNTIL = re.compile(r"UNTIL=([0-9T]+)(Z?)", re.IGNORECASE)


class RecurrenceBudgetError(ValueError):
    """The rule needs more candidate days than :data:`MAX_CANDIDATE_DAYS` to expand."""


class _CountedInfo(dateutil_rrule._iterinfo):
    """dateutil's per-period day sets, charged against the rule's budget of candidate days."""

    def _charged(self, period: tuple[Any, int, int]) -> tuple[Any, int, int]:
        _, start, end = period
        self.rrule._budget_left -= max(end - start, 1)  # type: ignore[attr-defined]
        if self.rrule._budget_left < 0:  # type: ignore[attr-defined]
            raise RecurrenceBudgetError("the rule's budget of candidate days is spent")
        return period

    def ydayset(self, year: int, month: int, day: int) -> tuple[Any, int, int]:
        return self._charged(super().ydayset(year, month, day))

    def mdayset(self, year: int, month: int, day: int) -> tuple[Any, int, int]:
        return self._charged(super().mdayset(year, month, day))

    def wdayset(self, year: int, month: int, day: int) -> tuple[Any, int, int]:
        return self._charged(super().wdayset(year, month, day))

    def ddayset(self, year: int, month: int, day: int) -> tuple[Any, int, int]:
        return self._charged(super().ddayset(year, month, day))


_plain_iter: FunctionType = rrule._iter  # type: ignore[attr-defined]
_counted_iter = FunctionType(
    _plain_iter.__code__,
    {**vars(dateutil_rrule), "_iterinfo": _CountedInfo},
    _plain_iter.__name__,
    _plain_iter.__defaults__,
    _plain_iter.__closure__,
)


def parse(rule: str, starts_at: datetime) -> rrule:
    """The one RRULE in ``rule`` from ``starts_at`` (Europe/Amsterdam wall clock); ValueError if none."""
    try:
        series = rrulestr(normalise_rrule(rule), dtstart=starts_at.astimezone(AMSTERDAM))
    except (ValueError, TypeError) as error:
        raise ValueError(f"is not a valid RFC 5545 RRULE: {error}") from None
    if not isinstance(series, rrule):
        raise ValueError("must be one RRULE")
    if series._freq not in (DAILY, WEEKLY, MONTHLY, YEARLY):  # type: ignore[attr-defined]
        raise ValueError("may repeat at most daily (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY)")
    return series


def starts(series: rrule, until: datetime, not_before: datetime | None = None) -> Iterator[datetime]:
    """Start times of ``series`` up to ``until``, in order, at bounded cost.

    Starts before ``not_before`` may be skipped (a series without COUNT is fast-forwarded), but
    every start from ``not_before`` to ``until`` is yielded: the budget covers the whole window.
    """
    count: int | None = series._count  # type: ignore[attr-defined]  # dateutil has no public reader
    last: datetime | None = series._until  # type: ignore[attr-defined]
    dtstart: datetime = series._dtstart  # type: ignore[attr-defined]
    if count is None and not_before is not None:
        dtstart = _aligned_start(series, not_before - LATEST_ACTIVITY_LENGTH)
    bounded = series.replace(dtstart=dtstart, count=None, until=min(last, until) if last else until)
    budget = min(MAX_CANDIDATE_DAYS, max((until - dtstart).days, 0) + _TWO_YEARS)
    try:
        yield from islice(_counted(bounded, budget), count)
    except RecurrenceBudgetError:
        return  # past ``until``: dateutil looks for a next date only to find it is too late


@lru_cache(maxsize=4096)
def problem(rule: str, starts_at: datetime) -> str | None:
    """Why ``rule`` cannot be scheduled from ``starts_at`` (no date soon, too costly), or None when it can.

    Cached: the same activity is validated at intake, in its placement and in the agenda view.
    """
    try:
        series = parse(rule, starts_at)
    except ValueError as error:
        return str(error)
    dtstart: datetime = series._dtstart  # type: ignore[attr-defined]
    window_end = dtstart + VALIDATION_WINDOW
    if series._count is None:  # type: ignore[attr-defined]
        first = next(starts(series, window_end), None)
    else:
        found: list[datetime] = []
        try:
            found.extend(_counted(series, MAX_CANDIDATE_DAYS))
        except RecurrenceBudgetError:
            if found and found[0] <= window_end:
                return (
                    f"its COUNT is not reached within {MAX_CANDIDATE_DAYS} days; give UNTIL or a lower COUNT"
                )
        first = found[0] if found and found[0] <= window_end else None
    if first is None:
        return (
            f"never occurs: matches no date within {VALIDATION_WINDOW.days} days of starts_at "
            "(check BYMONTH, BYWEEKNO, BYYEARDAY, BYMONTHDAY and BYDAY)"
        )
    return None


def normalise_rrule(rule: str) -> str:
    """Return the RRULE without ``RRULE:`` and with a floating or date-only UNTIL turned into UTC (``Z``)."""
    rule = rule.strip().removeprefix("RRULE:")
    return _UNTIL.sub(_until_in_utc, rule)


def _counted(series: rrule, budget: int) -> Iterator[datetime]:
    series._budget_left = budget  # type: ignore[attr-defined]
    return cast(Iterator[datetime], _counted_iter(series))


def _aligned_start(series: rrule, not_after: datetime) -> datetime:
    """The latest start at or before ``not_after`` whose periods coincide with those of the series."""
    dtstart: datetime = series._dtstart  # type: ignore[attr-defined]
    interval: int = series._interval  # type: ignore[attr-defined]
    freq: int = series._freq  # type: ignore[attr-defined]
    if not_after <= dtstart:
        return dtstart
    if freq in (DAILY, WEEKLY):
        step = timedelta(days=interval * (7 if freq == WEEKLY else 1))
        return dtstart + step * ((not_after - dtstart) // step)
    months = 12 if freq == YEARLY else 1
    periods = ((not_after.year - dtstart.year) * 12 + not_after.month - dtstart.month) // (months * interval)
    for skipped in range(periods, max(periods - 50, 0), -1):
        candidate = _months_later(dtstart, skipped * months * interval)
        if candidate is not None and candidate <= not_after:
            return candidate
    return dtstart


def _months_later(moment: datetime, months: int) -> datetime | None:
    year, month = divmod(moment.month - 1 + months, 12)
    try:
        return moment.replace(year=moment.year + year, month=month + 1)
    except ValueError:  # the day does not exist in that month (31 April, 29 February)
        return None


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
