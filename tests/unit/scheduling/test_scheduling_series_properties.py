"""Property: a series with random exceptions expands as a plain day-by-day walk says, across DST changes.

The oracle knows nothing of dateutil: it walks the calendar one day at a time in Europe/Amsterdam wall-clock
time, keeps the days the rule names, counts them, drops the cancelled ones, adds the extra ones and moves
the moved ones, then keeps what lies in the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import ActivityKind, TargetGroup
from scheduling.domain import AMSTERDAM, Activity, InvalidActivityError, Override, check_series, expand
from scheduling.domain.clock import from_us, to_us

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FIRST_DAY = date(2026, 2, 1)  # the window spans the DST changes of 29 March and 25 October 2026
# Wall-clock hours that exist exactly once on every day (02:00-03:00 is skipped or repeated at DST changes).
HOURS = [0, 1, *range(4, 24)]


@dataclass(frozen=True)
class Rule:
    """A rule as the oracle reads it: daily or weekly on some days, every ``interval``, COUNT or UNTIL."""

    weekly: bool
    interval: int
    weekdays: frozenset[int]
    count: int | None
    until: date | None

    def text(self) -> str:
        parts = [f"FREQ={'WEEKLY' if self.weekly else 'DAILY'}", f"INTERVAL={self.interval}"]
        if self.weekly:
            parts.append("BYDAY=" + ",".join(DAYS[day] for day in sorted(self.weekdays)))
        parts.append(f"COUNT={self.count}" if self.count else f"UNTIL={self.until:%Y%m%d}")
        return ";".join(parts)

    def days(self, first: date) -> list[date]:
        """The days the rule names, walking day by day from ``first`` (dates, not instants)."""
        found: list[date] = []
        monday = first - timedelta(days=first.weekday())
        day = first
        until = None if self.count else self.until
        while len(found) < (self.count or 10_000) and (until is None or day <= until):
            if self.weekly:
                named = day.weekday() in self.weekdays and ((day - monday).days // 7) % self.interval == 0
            else:
                named = (day - first).days % self.interval == 0
            if named:
                found.append(day)
            day += timedelta(days=1)
            if day > first + timedelta(days=800):
                break
        return found


@dataclass(frozen=True)
class Case:
    first: date
    start: time
    minutes: int
    rule: Rule | None
    cancelled: frozenset[int]
    extra: tuple[datetime, ...]
    moves: dict[int, tuple[int, int, int]]
    now: datetime
    horizon_days: int


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=AMSTERDAM)


def rules() -> st.SearchStrategy[Rule]:
    return st.builds(
        Rule,
        weekly=st.booleans(),
        interval=st.integers(1, 3),
        weekdays=st.frozensets(st.integers(0, 6), min_size=1, max_size=4),
        count=st.one_of(st.none(), st.integers(1, 40)),
        until=st.dates(date(2026, 2, 1), date(2027, 1, 31)),
    ).filter(lambda rule: rule.count is not None or rule.until is not None)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    first = draw(st.dates(FIRST_DAY, date(2026, 11, 30)))
    start = time(draw(st.sampled_from(HOURS)), draw(st.sampled_from([0, 15, 30])))
    rule = draw(st.one_of(st.none(), rules()))
    indices = st.integers(0, 60)
    extra_days = st.dates(date(2026, 2, 1), date(2027, 2, 28))
    extra = draw(
        st.lists(
            st.builds(lambda d, h: local(d, time(h)), extra_days, st.sampled_from(HOURS)),
            max_size=4,
        )
    )
    moves = draw(
        st.dictionaries(
            indices,
            st.tuples(st.integers(-3, 3), st.sampled_from(HOURS), st.sampled_from([30, 60, 150])),
            max_size=4,
        )
    )
    now = local(draw(st.dates(date(2026, 1, 15), date(2026, 12, 31))), time(draw(st.sampled_from(HOURS))))
    return Case(
        first=first,
        start=start,
        minutes=draw(st.sampled_from([45, 90, 120, 240])),
        rule=rule,
        cancelled=draw(st.frozensets(indices, max_size=5)),
        extra=tuple(extra),
        moves=moves,
        now=now,
        horizon_days=draw(st.sampled_from([30, 120, 365])),
    )


def scheduled(case: Case) -> list[datetime]:
    """The oracle's starts of the series: the rule's days at the start time, and the extra dates."""
    days = case.rule.days(case.first) if case.rule else [case.first]
    starts = {to_us(local(day, case.start)): local(day, case.start) for day in days}
    starts.update({to_us(extra): extra for extra in case.extra})
    return [starts[instant] for instant in sorted(starts)]


def build(case: Case, starts: list[datetime]) -> tuple[Activity, list[tuple[int, int]] | None]:
    """The activity with the case's exceptions, and the oracle's occurrences (None if a move collides)."""
    cancelled = [starts[i] for i in sorted(case.cancelled) if i < len(starts)]
    overrides = []
    for index, (days, hour, minutes) in sorted(case.moves.items()):
        if index < len(starts) and starts[index] not in cancelled:
            new_start = local(starts[index].date() + timedelta(days=days), time(hour))
            new_end = from_us(to_us(new_start) + minutes * 60_000_000)
            overrides.append(Override(starts[index], new_start, new_end))
    first = local(case.first, case.start)
    activity = Activity(
        organisation="org",
        activity_id="series",
        kind=ActivityKind.CONSULTATION,
        starts_at=first,
        ends_at=from_us(to_us(first) + case.minutes * 60_000_000),
        neighbourhoods=("WK051836",),
        target_groups=frozenset({TargetGroup.TENANTS}),
        recurrence=case.rule.text() if case.rule else None,
        exdates=tuple(cancelled),
        rdates=case.extra,
        overrides=tuple(overrides),
    )
    moved = {to_us(o.occurrence_start): (to_us(o.starts_at), to_us(o.ends_at)) for o in overrides}
    length = case.minutes * 60_000_000  # elapsed time: an occurrence over a DST change keeps its real length
    kept = [
        moved.get(to_us(start), (to_us(start), to_us(start) + length))
        for start in starts
        if start not in cancelled
    ]
    if len({start for start, _ in kept}) < len(kept):
        return activity, None
    single = case.rule is None and not case.extra and not cancelled and not overrides
    # The horizon bounds how far a series is expanded; a single activity is checked however far ahead.
    until = (
        to_us(datetime.max.replace(tzinfo=UTC))
        if single
        else to_us(case.now + timedelta(days=case.horizon_days))
    )
    return activity, sorted((s, e) for s, e in kept if e > to_us(case.now) and s < until)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_expansion_agrees_with_a_day_by_day_walk(case: Case) -> None:
    activity, expected = build(case, scheduled(case))

    if expected is None:
        with pytest.raises(InvalidActivityError, match="already starts at") as refused:
            check_series(activity)
        assert str(refused.value.field).endswith(".starts_at")
        return
    check_series(activity)
    occurrences = expand(activity, case.now, timedelta(days=case.horizon_days))
    assert [(o.start, o.end) for o in occurrences] == expected
