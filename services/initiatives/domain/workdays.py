"""Dutch working days: weekends, public holidays (holidays.NL) and the operations calendar excluded."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SATURDAY = 5
LIBERATION_DAY = (5, 5)
"""5 May: holidays.NL lists it only every fifth year, but the municipality is closed every year."""


@cache
def dutch_holidays() -> holidays.HolidayBase:
    """Dutch public holidays (holidays.NL), computed per year when first asked; built once per process."""
    return holidays.country_holidays("NL", language="en_US")


class WorkingCalendar:
    """Which days the Werkplaats works: Monday to Friday, not on a public holiday or a closed day."""

    def __init__(self, closed_days: Iterable[date] = ()) -> None:
        self.closed_days = frozenset(closed_days)
        self._holidays = dutch_holidays()

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day."""
        return (
            day.weekday() < SATURDAY
            and day not in self._holidays
            and (day.month, day.day) != LIBERATION_DAY
            and day not in self.closed_days
        )

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself not counted; 0 gives ``start``)."""
        day = start
        remaining = count
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def first_contact_due(self, received_at: datetime, working_days: int) -> date:
        """The last day for a first contact: ``working_days`` working days after the local day received."""
        return self.add_working_days(received_at.astimezone(AMSTERDAM).date(), working_days)


def local_date(moment: datetime) -> date:
    """The Europe/Amsterdam date of an aware moment."""
    return moment.astimezone(AMSTERDAM).date()


def is_overdue(due: date, now: datetime) -> bool:
    """Whether the due day has ended in Den Haag."""
    return local_date(now) > due
