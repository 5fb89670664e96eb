"""A plain, independent statement of the allowance caps, for property tests.

Written from the Belastingdienst rules directly, without the domain code: the caps are typed in again,
age is counted by stepping birthdays, totals are recomputed from scratch by brute force.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

CAPS = {
    # year: (hourly 21+, hourly under 21, month, year)
    2024: (Decimal("5.50"), Decimal("3.25"), Decimal("210"), Decimal("2100")),
    2025: (Decimal("5.60"), Decimal("3.30"), Decimal("210"), Decimal("2100")),
    2026: (Decimal("5.75"), Decimal("3.40"), Decimal("220"), Decimal("2200")),
}


def turns_21_on(birth: date) -> date:
    """The 21st birthday; for 29 February, 1 March when the year has no 29 February."""
    try:
        return birth.replace(year=birth.year + 21)
    except ValueError:
        return date(birth.year + 21, 3, 1)


def rate(birth: date, day: date) -> Decimal:
    hourly_adult, hourly_young, _, _ = CAPS[day.year]
    return hourly_adult if day >= turns_21_on(birth) else hourly_young


def oracle_breaks(
    birth: date,
    paid: list[tuple[date, str, Decimal]],
    proposed_route: str,
    proposed_amount: Decimal,
    proposed_work: list[tuple[date, Decimal]],
) -> set[str]:
    """The caps a proposed payment breaks. ``paid`` holds (a day of the month, route, amount)."""
    month_day = proposed_work[0][0]
    year = month_day.year
    everything = [*paid, (month_day, proposed_route, proposed_amount)]
    this_year = [(d, r, a) for d, r, a in everything if d.year == year]
    earlier_year = [(d, r, a) for d, r, a in paid if d.year == year]
    _, _, month_cap, year_cap = CAPS[year]

    def month_sum(items: list[tuple[date, str, Decimal]], month: int) -> Decimal:
        with_allowance = any(r == "allowance" and a > 0 for _, r, a in items)
        total = Decimal(0)
        for d, r, a in items:
            if d.month == month and (r == "allowance" or with_allowance):
                total += a
        return total

    broken = set()
    if not any(r == "allowance" and a > 0 for _, r, a in this_year):
        return broken
    for month in range(1, 13):
        after = month_sum(this_year, month)
        if after > month_cap and (month == month_day.month or month_sum(earlier_year, month) <= month_cap):
            broken.add("monthly")
    if sum(month_sum(this_year, m) for m in range(1, 13)) > year_cap:
        broken.add("yearly")
    if proposed_route == "allowance":
        limit = Decimal(0)
        for day, hours in proposed_work:
            limit += hours * rate(birth, day)
        limit = limit.quantize(Decimal("0.01"), rounding="ROUND_FLOOR")
        if proposed_amount > limit:
            broken.add("hourly")
    return broken


def days_of_month(day: date) -> list[date]:
    first = day.replace(day=1)
    days = []
    while first.month == day.month:
        days.append(first)
        first += timedelta(days=1)
    return days
