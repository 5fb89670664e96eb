"""Daily digest moments around the changes to and from summer time in Amsterdam (2026 and 2027)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest

from notifications import domain

# The EU rule, written out: summer time (UTC+2) from 01:00 UTC on the last Sunday of March to
# 01:00 UTC on the last Sunday of October; UTC+1 otherwise.
SPRING = {2026: datetime(2026, 3, 29, 1, 0, tzinfo=UTC), 2027: datetime(2027, 3, 28, 1, 0, tzinfo=UTC)}
AUTUMN = {2026: datetime(2026, 10, 25, 1, 0, tzinfo=UTC), 2027: datetime(2027, 10, 31, 1, 0, tzinfo=UTC)}
CHANGES = [*SPRING.values(), *AUTUMN.values()]
TIMES = [time(0, 0), time(1, 30), time(2, 0), time(2, 30), time(2, 59), time(3, 0), time(8, 0), time(23, 30)]


def offset(instant: datetime) -> timedelta:
    """Amsterdam's offset from UTC at ``instant``, from the table above."""
    summer = SPRING[instant.year] <= instant < AUTUMN[instant.year]
    return timedelta(hours=2 if summer else 1)


def due_on(day: date, at: time) -> datetime:
    """The first instant whose Amsterdam wall clock reads ``day`` ``at``; a skipped time keeps UTC+1."""
    wall = datetime.combine(day, at, tzinfo=UTC)
    for candidate in (wall - timedelta(hours=2), wall - timedelta(hours=1)):
        if candidate + offset(candidate) == wall:
            return candidate
    return wall - timedelta(hours=1)  # inside the gap: the offset before it


def expected_moment(at: time, now: datetime) -> datetime:
    """The latest ``due_on`` at or before ``now``."""
    today = (now + offset(now)).date()
    return max(m for m in (due_on(today - timedelta(days=n), at) for n in range(3)) if m <= now)


@pytest.mark.parametrize("year", [2026, 2027])
def test_a_digest_time_the_clocks_skip_is_not_due_before_it_has_passed(year: int) -> None:
    change = SPRING[year]  # 02:00 winter time becomes 03:00 summer time
    assert domain.last_digest_moment(time(2, 30), change) == change - timedelta(hours=23, minutes=30)
    assert domain.last_digest_moment(time(2, 30), change + timedelta(minutes=29)) == (
        change - timedelta(hours=23, minutes=30)
    )
    assert domain.last_digest_moment(time(2, 30), change + timedelta(minutes=30)) == (
        change + timedelta(minutes=30)  # 03:30 summer time: half an hour after 01:30 winter time
    )


@pytest.mark.parametrize("year", [2026, 2027])
def test_a_digest_time_the_clocks_repeat_is_due_once_the_first_time(year: int) -> None:
    change = AUTUMN[year]  # 03:00 summer time becomes 02:00 winter time
    first = change - timedelta(minutes=30)  # 02:30 summer time
    assert domain.last_digest_moment(time(2, 30), first - timedelta(minutes=1)) == (
        first - timedelta(hours=24)
    )
    for later in (first, change, change + timedelta(minutes=30), change + timedelta(hours=5)):
        assert domain.last_digest_moment(time(2, 30), later) == first


@pytest.mark.parametrize("year", [2026, 2027])
def test_a_morning_digest_moves_with_the_clocks(year: int) -> None:
    spring, autumn = SPRING[year], AUTUMN[year]
    assert domain.last_digest_moment(time(8), spring + timedelta(hours=6)) == spring + timedelta(hours=5)
    assert domain.last_digest_moment(time(8), spring - timedelta(hours=2)) == spring - timedelta(hours=18)
    assert domain.last_digest_moment(time(8), autumn + timedelta(hours=7)) == autumn + timedelta(hours=6)
    assert domain.last_digest_moment(time(8), autumn - timedelta(hours=2)) == autumn - timedelta(hours=19)


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.date().isoformat())
@pytest.mark.parametrize("at", TIMES, ids=str)
def test_digest_moments_around_a_change_match_the_rule_and_come_once_a_day(
    change: datetime, at: time
) -> None:
    steps = [change - timedelta(days=1) + n * timedelta(minutes=5) for n in range(2 * 24 * 12 + 1)]
    moments = [domain.last_digest_moment(at, now) for now in steps]
    for now, moment in zip(steps, moments, strict=True):
        assert moment <= now, f"{at} at {now}: {moment} is in the future"
        assert moment == expected_moment(at, now), f"{at} at {now}"
    assert all(a <= b for a, b in itertools.pairwise(moments)), "moments never go back"
    distinct = sorted(set(moments))
    days = [(m + offset(m)).date() for m in distinct]
    assert len(days) == len(set(days)), "one digest moment per day"


def test_a_moment_is_found_by_instant_whatever_the_zone_of_now() -> None:
    change = SPRING[2026]
    in_amsterdam = change.astimezone(domain.AMSTERDAM)
    assert domain.last_digest_moment(time(2, 30), in_amsterdam) == change - timedelta(hours=23, minutes=30)
