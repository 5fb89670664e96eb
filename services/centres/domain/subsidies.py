"""Subsidy applications: their lifecycle and the reminders before each deadline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from centres.domain.errors import CentresError
from contracts.centres import SubsidyDeadline, SubsidyStatus

REMINDER_DAYS = (14, 7, 1)
"""Days before a deadline when a reminder goes out (each once)."""

NEXT_STATUS: dict[SubsidyStatus, frozenset[SubsidyStatus]] = {
    SubsidyStatus.DRAFT: frozenset({SubsidyStatus.SUBMITTED}),
    SubsidyStatus.SUBMITTED: frozenset({SubsidyStatus.GRANTED, SubsidyStatus.REFUSED}),
    SubsidyStatus.GRANTED: frozenset(),
    SubsidyStatus.REFUSED: frozenset(),
}


class SubsidyTransitionError(CentresError):
    """An application cannot move to the requested status, or an amount does not fit."""


@dataclass(frozen=True)
class Application:
    """The parts of an application the rules look at."""

    status: SubsidyStatus
    amount_requested: Decimal
    amount_granted: Decimal | None
    amount_paid: Decimal
    deadline: date | None
    report_due: date | None
    report_submitted: bool = False


def check_transition(current: SubsidyStatus, wanted: SubsidyStatus) -> None:
    """Raise unless an application may go from ``current`` to ``wanted``."""
    if wanted not in NEXT_STATUS[current]:
        allowed = ", ".join(sorted(NEXT_STATUS[current])) or "nothing (final)"
        raise SubsidyTransitionError(f"status: {current} can become {allowed}, not {wanted}")


def check_grant(application: Application, granted: Decimal) -> None:
    """Raise when a grant is negative or more than requested."""
    if granted < 0 or granted > application.amount_requested:
        raise SubsidyTransitionError("amount_granted: must be between 0 and the amount requested")


def check_payment(application: Application, paid: Decimal) -> None:
    """Raise when a payment is made on an application not granted, or beyond the amount granted."""
    if application.status is not SubsidyStatus.GRANTED or application.amount_granted is None:
        raise SubsidyTransitionError("amount: only a granted application can be paid")
    if paid <= 0 or application.amount_paid + paid > application.amount_granted:
        raise SubsidyTransitionError("amount: the payments would exceed the amount granted")


@dataclass(frozen=True)
class Reminder:
    """One reminder due: which deadline, when, and how many days are left."""

    kind: SubsidyDeadline
    deadline: date
    step: int
    days_left: int


def reminders_due(
    application: Application, today: date, steps: Sequence[int] = REMINDER_DAYS
) -> list[Reminder]:
    """The reminders due today or earlier and not yet past; the caller sends each (kind, step) once."""
    open_deadlines: list[tuple[SubsidyDeadline, date]] = []
    if application.status is SubsidyStatus.DRAFT and application.deadline is not None:
        open_deadlines.append((SubsidyDeadline.SUBMISSION, application.deadline))
    if (
        application.status is SubsidyStatus.GRANTED
        and application.report_due is not None
        and not application.report_submitted
    ):
        open_deadlines.append((SubsidyDeadline.REPORT, application.report_due))
    due = []
    for kind, deadline in open_deadlines:
        days_left = (deadline - today).days
        if days_left < 0:
            continue
        reached = [step for step in steps if days_left <= step]
        if reached:
            due.append(Reminder(kind, deadline, min(reached), days_left))
    return due
