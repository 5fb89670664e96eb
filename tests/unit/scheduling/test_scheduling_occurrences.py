"""Recurrence expansion in Europe/Amsterdam wall-clock time."""

from datetime import UTC, datetime, timedelta

import pytest
from scheduling_factories import NOW, activity, at

from scheduling.domain import AMSTERDAM, InvalidActivityError, expand


def local_starts(item_occurrences: tuple) -> list[str]:  # type: ignore[type-arg]
    return [o.starts_at.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M") for o in item_occurrences]


def test_a_weekly_evening_stays_at_19_00_across_the_end_of_summer_time() -> None:
    series = activity("s", at(10, 13, 19), rrule="FREQ=WEEKLY;COUNT=4")
    occurrences = expand(series, datetime(2026, 10, 1, tzinfo=UTC))
    assert local_starts(occurrences) == [
        "2026-10-13 19:00",
        "2026-10-20 19:00",
        "2026-10-27 19:00",
        "2026-11-03 19:00",
    ]
    assert occurrences[1].starts_at.hour == 17  # 19:00 CEST is 17:00 UTC
    assert occurrences[2].starts_at.hour == 18  # 19:00 CET is 18:00 UTC


def test_occurrences_keep_the_duration() -> None:
    series = activity("s", at(12, 1, 19), hours=1.5, rrule="FREQ=WEEKLY;COUNT=3")
    assert {o.ends_at - o.starts_at for o in expand(series, NOW)} == {timedelta(hours=1.5)}


def test_until_in_utc_is_inclusive() -> None:
    series = activity("s", at(12, 1, 19), rrule="FREQ=WEEKLY;UNTIL=20261215T180000Z")
    assert local_starts(expand(series, NOW)) == ["2026-12-01 19:00", "2026-12-08 19:00", "2026-12-15 19:00"]


def test_a_floating_or_date_only_until_is_read_as_local_time() -> None:
    floating = activity("s", at(12, 1, 19), rrule="FREQ=WEEKLY;UNTIL=20261215T190000")
    date_only = activity("t", at(12, 1, 19), rrule="RRULE:FREQ=WEEKLY;UNTIL=20261215")
    assert len(expand(floating, NOW)) == 3
    assert len(expand(date_only, NOW)) == 3


def test_count_limits_the_series() -> None:
    series = activity("s", at(12, 1, 19), rrule="FREQ=DAILY;COUNT=5")
    assert len(expand(series, NOW)) == 5


def test_occurrences_wholly_in_the_past_are_dropped_but_a_running_one_stays() -> None:
    series = activity("s", at(11, 27, 19), rrule="FREQ=DAILY;COUNT=5")
    now = at(11, 29, 20)
    assert local_starts(expand(series, now)) == ["2026-11-29 19:00", "2026-11-30 19:00", "2026-12-01 19:00"]


def test_an_occurrence_ending_exactly_now_is_past() -> None:
    single = activity("s", at(11, 29, 18), hours=2)
    assert expand(single, at(11, 29, 20)) == ()


def test_expansion_stops_at_the_horizon() -> None:
    endless = activity("s", at(12, 1, 19), rrule="FREQ=WEEKLY")
    assert len(expand(endless, NOW)) == 52
    assert len(expand(endless, NOW, horizon=timedelta(days=14))) == 2


def test_expansion_is_capped() -> None:
    daily = activity("s", at(12, 1, 19), rrule="FREQ=DAILY")
    assert len(expand(daily, NOW, horizon=timedelta(days=5000), limit=1000)) == 1000


def test_a_series_started_long_ago_is_bounded_and_still_expands() -> None:
    old = activity("s", datetime(2000, 1, 4, 19, tzinfo=AMSTERDAM), rrule="FREQ=WEEKLY")
    occurrences = expand(old, NOW, horizon=timedelta(days=28))
    assert all(o.starts_at > NOW for o in occurrences)


def test_an_invalid_rule_is_refused() -> None:
    with pytest.raises(InvalidActivityError):
        expand(activity("s", at(12, 1, 19), rrule="FREQ=SOMETIMES"), NOW)


def test_a_rule_that_matches_no_date_yields_no_occurrence_at_once() -> None:
    import time

    series = activity("never", at(12, 1, 19), rrule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31")
    started = time.perf_counter()
    assert expand(series, NOW) == ()
    assert time.perf_counter() - started < 1.0
