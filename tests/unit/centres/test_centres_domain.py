"""Budgets, subsidy applications, coaching and bookings: the pure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from centres.domain import bookings, budgets, coaching, subsidies
from contracts.centres import (
    BookingUse,
    BudgetLineKind,
    CoachingTopic,
    OpeningHours,
    Room,
    SubsidyDeadline,
    SubsidyStatus,
    Tariff,
    Weekday,
)


def test_thresholds_fire_when_crossed_not_when_already_past() -> None:
    budgeted = Decimal("1000.00")
    assert budgets.thresholds_crossed(budgeted, Decimal("850"), Decimal("900")) == [90]
    assert budgets.thresholds_crossed(budgeted, Decimal("850"), Decimal("1200")) == [90, 100]
    assert budgets.thresholds_crossed(budgeted, Decimal("950"), Decimal("990")) == []
    assert budgets.thresholds_crossed(Decimal("0"), Decimal("0"), Decimal("10")) == []


def test_the_forecast_extrapolates_the_pace_of_the_year() -> None:
    assert budgets.forecast(Decimal("1000.00"), 2026, date(2026, 3, 14)) == Decimal("5000.00")  # day 73
    assert budgets.forecast(Decimal("1000.00"), 2026, date(2027, 1, 5)) == Decimal("1000.00")


def test_a_summary_adds_lines_by_kind() -> None:
    lines = [
        budgets.BudgetLine("huur", BudgetLineKind.INCOME, "verhuur", Decimal("5000")),
        budgets.BudgetLine("energie", BudgetLineKind.EXPENSE, "energie", Decimal("3000")),
    ]
    statuses = budgets.line_statuses(
        lines, [("huur", Decimal("100")), ("huur", Decimal("50.50"))], 2026, date(2026, 12, 31)
    )
    summary = budgets.summarise(statuses)
    assert summary.income_actual == Decimal("150.50")
    assert summary.expense_budgeted == Decimal("3000")


def application(status: SubsidyStatus, **overrides: object) -> subsidies.Application:
    values: dict[str, object] = {
        "status": status,
        "amount_requested": Decimal("1500.00"),
        "amount_granted": None,
        "amount_paid": Decimal("0.00"),
        "deadline": date(2026, 9, 30),
        "report_due": None,
    }
    return subsidies.Application(**(values | overrides))  # type: ignore[arg-type]


def test_an_application_moves_draft_submitted_granted_only() -> None:
    subsidies.check_transition(SubsidyStatus.DRAFT, SubsidyStatus.SUBMITTED)
    with pytest.raises(subsidies.SubsidyTransitionError, match="status: draft can become submitted"):
        subsidies.check_transition(SubsidyStatus.DRAFT, SubsidyStatus.GRANTED)
    with pytest.raises(subsidies.SubsidyTransitionError):
        subsidies.check_transition(SubsidyStatus.REFUSED, SubsidyStatus.SUBMITTED)


def test_payments_stay_within_the_grant() -> None:
    granted = application(
        SubsidyStatus.GRANTED, amount_granted=Decimal("1000.00"), amount_paid=Decimal("600")
    )
    subsidies.check_payment(granted, Decimal("400"))
    with pytest.raises(subsidies.SubsidyTransitionError, match="exceed"):
        subsidies.check_payment(granted, Decimal("400.01"))


def test_reminders_step_towards_the_submission_deadline() -> None:
    draft = application(SubsidyStatus.DRAFT)
    assert subsidies.reminders_due(draft, date(2026, 9, 1)) == []
    [reminder] = subsidies.reminders_due(draft, date(2026, 9, 20))
    assert (reminder.kind, reminder.step, reminder.days_left) == (SubsidyDeadline.SUBMISSION, 14, 10)
    assert subsidies.reminders_due(draft, date(2026, 9, 29))[0].step == 1
    assert subsidies.reminders_due(draft, date(2026, 10, 1)) == []
    assert subsidies.reminders_due(application(SubsidyStatus.SUBMITTED), date(2026, 9, 29)) == []


def test_a_granted_application_is_reminded_of_its_report() -> None:
    granted = application(SubsidyStatus.GRANTED, amount_granted=Decimal("1"), report_due=date(2027, 3, 1))
    [reminder] = subsidies.reminders_due(granted, date(2027, 2, 25))
    assert (reminder.kind, reminder.step) == (SubsidyDeadline.REPORT, 7)


def test_a_session_must_fit_its_trajectory() -> None:
    trajectory = coaching.Trajectory(frozenset({CoachingTopic.MARKETING}), date(2026, 1, 1))
    coaching.check_session(trajectory, CoachingTopic.MARKETING, date(2026, 2, 1))
    with pytest.raises(coaching.CoachingError, match="topic: budget"):
        coaching.check_session(trajectory, CoachingTopic.BUDGET, date(2026, 2, 1))
    assert coaching.progress([40, 80]) == 60


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour - 1, minute, tzinfo=UTC)  # Amsterdam is UTC+1 in early March


ROOM = Room(room_id="zaal-1", name="Grote zaal", capacity=60)
HOURS = [OpeningHours(weekday=Weekday.TUESDAY, opens=time(9), closes=time(22))]


def slot(
    booking_id: str, start: datetime, end: datetime, use: BookingUse = BookingUse.INCIDENTAL
) -> bookings.Slot:
    return bookings.Slot(booking_id, "zaal-1", start, end, use)


def test_the_centre_sees_a_taken_room_a_crowd_too_big_and_closed_doors() -> None:
    taken = slot("b1", at(3, 19), at(3, 21))
    found = bookings.problems(slot("b2", at(3, 20), at(3, 23)), ROOM, HOURS, [taken], 80)
    assert len(found) == 3
    assert bookings.problems(slot("b3", at(3, 21), at(3, 22)), ROOM, HOURS, [taken], 60) == []


def test_opening_hours_are_judged_in_local_time_on_the_right_weekday() -> None:
    assert bookings.within_opening_hours(HOURS, at(3, 9), at(3, 22))  # Tuesday 3 March
    assert not bookings.within_opening_hours(HOURS, at(4, 10), at(4, 12))  # Wednesday
    assert not bookings.within_opening_hours(HOURS, at(3, 8, 30), at(3, 10))
    assert bookings.within_opening_hours([], at(4, 1), at(4, 2))


def test_regular_use_goes_before_incidental() -> None:
    regular = slot("r1", at(3, 19), at(3, 21), BookingUse.REGULAR)
    assert bookings.regular_first(slot("i1", at(3, 20), at(3, 22)), [regular])
    assert bookings.regular_first(slot("r2", at(3, 20), at(3, 22), BookingUse.REGULAR), [regular]) == []


def test_rent_counts_started_quarters_and_cancelling_late_costs() -> None:
    prices = bookings.DEFAULT_PRICES
    rent = prices.rent(Tariff.COMMERCIAL, at(3, 19), at(3, 21, 10))
    assert rent == Decimal("101.25")  # 2.25 hours at 45.00
    assert prices.cancellation_fee(rent, at(20, 19), at(3, 9)) == Decimal("0.00")
    assert prices.cancellation_fee(rent, at(10, 19), at(3, 9)) == Decimal("50.62")
    assert prices.cancellation_fee(rent, at(4, 19), at(3, 9)) == rent
