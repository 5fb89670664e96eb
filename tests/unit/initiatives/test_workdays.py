"""Working-day deadlines against a day-by-day oracle with its own holiday arithmetic."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from initiatives.domain.workdays import WorkingCalendar, is_overdue


def easter(year: int) -> date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def dutch_days_off(year: int) -> set[date]:
    sunday = easter(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:
        kings_day = date(year, 4, 26)
    return {
        date(year, 1, 1),
        sunday - timedelta(days=2),
        sunday,
        sunday + timedelta(days=1),
        kings_day,
        date(year, 5, 5),
        sunday + timedelta(days=39),
        sunday + timedelta(days=49),
        sunday + timedelta(days=50),
        date(year, 12, 25),
        date(year, 12, 26),
    }


def oracle(start: date, count: int, closed: set[date]) -> date:
    day, left = start, count
    while left:
        day += timedelta(days=1)
        off = day.weekday() >= 5 or day in dutch_days_off(day.year) or day in closed
        if not off:
            left -= 1
    return day


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 12, 31))


@settings(max_examples=400, deadline=None)
@given(start=days, count=st.integers(0, 40), closed=st.sets(days, max_size=15))
def test_adding_working_days_matches_the_day_by_day_oracle(
    start: date, count: int, closed: set[date]
) -> None:
    assert WorkingCalendar(closed).add_working_days(start, count) == oracle(start, count, closed)


@settings(max_examples=200, deadline=None)
@given(year=st.integers(2024, 2031), offset=st.integers(-6, 6), count=st.integers(1, 10))
def test_deadlines_across_year_ends_match_the_oracle(year: int, offset: int, count: int) -> None:
    start = date(year, 12, 28) + timedelta(days=offset)
    assert WorkingCalendar().add_working_days(start, count) == oracle(start, count, set())


def test_five_working_days_after_maundy_thursday_2026_skip_easter() -> None:
    assert WorkingCalendar().add_working_days(date(2026, 4, 2), 5) == date(2026, 4, 13)


def test_liberation_day_is_a_day_off_every_year() -> None:
    assert not WorkingCalendar().is_working_day(date(2026, 5, 5))


def test_a_closed_day_of_operations_is_skipped() -> None:
    calendar = WorkingCalendar({date(2026, 12, 28)})
    assert calendar.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)


def test_the_due_date_counts_from_the_local_day_of_receipt() -> None:
    late_sunday = datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert WorkingCalendar().first_contact_due(late_sunday, 5) == date(2026, 3, 6)


def test_an_initiative_is_overdue_only_after_its_due_day_ends() -> None:
    amsterdam = ZoneInfo("Europe/Amsterdam")
    assert not is_overdue(date(2026, 3, 6), datetime(2026, 3, 6, 23, 59, tzinfo=amsterdam))
    assert is_overdue(date(2026, 3, 6), datetime(2026, 3, 7, 0, 0, tzinfo=amsterdam))
