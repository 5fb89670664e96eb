"""Allowance caps: per hour by age on the day, per month without averaging, per year, summed everywhere."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from centres_allowance_oracle import days_of_month, oracle_breaks, rate
from hypothesis import given, settings
from hypothesis import strategies as st

from centres.domain.allowance import (
    CountedAmount,
    PaymentShapeError,
    ProposedPayment,
    UnknownCapYearError,
    WorkDay,
    age_on,
    check_payment,
    load_caps,
    warnings_for,
)
from contracts.centres import AllowanceCap, AllowanceRoute

CAPS = load_caps()
ALLOWANCE, COSTS = AllowanceRoute.ALLOWANCE, AllowanceRoute.COST_REIMBURSEMENT


def pay(amount: str, *days: tuple[date, str], route: AllowanceRoute = ALLOWANCE) -> ProposedPayment:
    return ProposedPayment(route, Decimal(amount), tuple(WorkDay(d, Decimal(h)) for d, h in days))


def counted(year: int, month: int, amount: str, route: AllowanceRoute = ALLOWANCE) -> CountedAmount:
    return CountedAmount(year, month, Decimal(amount), route)


def test_the_caps_carry_their_source_and_2026_is_marked_to_verify() -> None:
    assert CAPS.for_year(2025).hourly_adult == Decimal("5.60")
    assert CAPS.for_year(2025).verified
    assert not CAPS.for_year(2026).verified
    assert all(CAPS.for_year(y).source for y in (2024, 2025, 2026))


def test_a_year_without_caps_is_refused_by_name() -> None:
    with pytest.raises(UnknownCapYearError, match="2031"):
        CAPS.for_year(2031)


def test_age_is_judged_on_the_date_of_the_work() -> None:
    birth = date(2005, 3, 10)
    assert age_on(birth, date(2026, 3, 9)) == 20
    assert age_on(birth, date(2026, 3, 10)) == 21
    assert age_on(date(2004, 2, 29), date(2025, 2, 28)) == 20
    assert age_on(date(2004, 2, 29), date(2025, 3, 1)) == 21


def test_the_hourly_cap_uses_the_rate_of_the_age_on_each_day() -> None:
    birth = date(2005, 3, 10)  # turns 21 on 10 March 2026
    payment = pay("13.15", (date(2026, 3, 9), "2"), (date(2026, 3, 10), "1"))  # 2 x 3.40 + 1 x 5.75 = 12.55
    check = check_payment(CAPS, birth, [], payment)
    assert check.exceeded == {AllowanceCap.HOURLY}
    assert check.room[AllowanceCap.HOURLY] == Decimal("12.55")


def test_months_are_not_averaged() -> None:
    history = [counted(2025, 1, "50.00")]  # a quiet January leaves no room for a busy February
    payment = pay("215.00", *((date(2025, 2, d), "4") for d in range(1, 11)))
    check = check_payment(CAPS, date(1980, 1, 1), history, payment)
    assert check.exceeded == {AllowanceCap.MONTHLY}
    assert check.room[AllowanceCap.MONTHLY] == Decimal("210.00")
    assert check.payable == Decimal("210.00")


def test_amounts_from_every_centre_and_declared_elsewhere_count_together() -> None:
    history = [counted(2025, 5, "100.00"), counted(2025, 5, "90.00")]
    check = check_payment(CAPS, date(1980, 1, 1), history, pay("30.00", (date(2025, 5, 20), "6")))
    assert check.exceeded == {AllowanceCap.MONTHLY}
    assert check.room[AllowanceCap.MONTHLY] == Decimal("20.00")


def test_the_yearly_cap_holds_even_when_each_month_is_within() -> None:
    history = [counted(2025, m, "200.00") for m in range(1, 11)]
    check = check_payment(CAPS, date(1980, 1, 1), history, pay("150.00", (date(2025, 11, 3), "30")))
    assert check.exceeded == {AllowanceCap.YEARLY}
    assert check.room[AllowanceCap.YEARLY] == Decimal("100.00")


def test_costs_alone_are_uncapped() -> None:
    check = check_payment(CAPS, date(1980, 1, 1), [], pay("900.00", (date(2025, 5, 2), "0"), route=COSTS))
    assert check.within_caps


def test_costs_count_once_the_volunteer_also_receives_an_allowance() -> None:
    history = [counted(2025, 5, "200.00", COSTS)]
    check = check_payment(CAPS, date(1980, 1, 1), history, pay("20.00", (date(2025, 5, 2), "4")))
    assert check.exceeded == {AllowanceCap.MONTHLY}


def test_a_payment_pays_for_one_calendar_month() -> None:
    with pytest.raises(PaymentShapeError):
        _ = pay("10", (date(2025, 5, 31), "1"), (date(2025, 6, 1), "1")).month


def test_a_warning_comes_before_the_monthly_cap_is_reached() -> None:
    history = [counted(2025, 5, "170.00")]
    [warning] = warnings_for(CAPS, history, 2025, 5)
    assert (warning.cap, warning.threshold, warning.remaining) == (AllowanceCap.MONTHLY, 80, Decimal("40.00"))


ages = st.dates(min_value=date(2002, 1, 1), max_value=date(2008, 12, 31))
years = st.sampled_from([2024, 2025, 2026])
amounts = st.one_of(
    st.decimals(min_value=0, max_value=260, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal(v) for v in ("0.00", "10.00", "70.00", "105.00", "110.00", "210.00", "220.00")]),
)


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[date, list[tuple[date, str, Decimal]], str, Decimal, list[tuple[date, Decimal]]]:
    birth = draw(ages)
    year = draw(years)
    paid = draw(
        st.lists(
            st.tuples(
                st.dates(min_value=date(year - 1, 11, 1), max_value=date(year + 1, 2, 28)),
                st.sampled_from(["allowance", "allowance", "allowance", "cost_reimbursement"]),
                amounts,
            ),
            max_size=14,
        )
    )
    month_day = draw(st.dates(min_value=date(year, 1, 1), max_value=date(year, 12, 31)))
    days = draw(st.lists(st.sampled_from(days_of_month(month_day)), min_size=1, max_size=5, unique=True))
    work = [(day, Decimal(draw(st.integers(0, 16))) / 2) for day in days]
    route = draw(st.sampled_from(["allowance", "allowance", "cost_reimbursement"]))
    return birth, paid, route, draw(amounts), work


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_the_cap_check_agrees_with_the_plain_oracle(
    scenario: tuple[date, list[tuple[date, str, Decimal]], str, Decimal, list[tuple[date, Decimal]]],
) -> None:
    birth, paid, route, amount, work = scenario
    history = [CountedAmount(d.year, d.month, a, AllowanceRoute(r)) for d, r, a in paid]
    proposed = ProposedPayment(AllowanceRoute(route), amount, tuple(WorkDay(d, h) for d, h in work))
    check = check_payment(CAPS, birth, history, proposed)
    assert {cap.value for cap in check.exceeded} == oracle_breaks(birth, paid, route, amount, work)


@settings(max_examples=300, deadline=None)
@given(ages, st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)))
def test_the_hourly_rate_agrees_with_the_oracle_around_the_21st_birthday(birth: date, day: date) -> None:
    assert CAPS.hourly(birth, day) == rate(birth, day)
