"""Subsidy reminders (pure): which application and report deadlines call for a reminder today."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from contracts.centres import SubsidyDeadline
from contracts.initiatives import RegulationFit
from initiatives.domain.subsidies import Regulation


@dataclass(frozen=True)
class Reminder:
    """One reminder step of one deadline: sent once, whenever the keeper first sees it due."""

    regulation_id: str
    kind: SubsidyDeadline
    deadline: date
    step: int
    """Days before the deadline this step stands for (the smallest step reached)."""
    days_left: int

    def key(self, initiative_id: str) -> str:
        """What makes this reminder one: the initiative, the deadline and the step."""
        return (
            f"{initiative_id}:{self.regulation_id}:{self.kind.value}:{self.deadline.isoformat()}:{self.step}"
        )


def due_step(deadline: date, steps: Iterable[int], today: date) -> tuple[int, int] | None:
    """(step, days left) of the smallest step reached by ``today``; None before the first step or after."""
    days_left = (deadline - today).days
    reached = [step for step in steps if days_left <= step]
    if days_left < 0 or not reached:
        return None
    return min(reached), days_left


def application_reminders(
    fits: Sequence[RegulationFit], regulations: Sequence[Regulation], today: date
) -> list[Reminder]:
    """Reminders of the application deadlines of the regulations that fit (as last checked)."""
    steps = {regulation.id: regulation.reminder_days_before for regulation in regulations}
    reminders = []
    for fit in fits:
        if not fit.fits or fit.deadline is None:
            continue
        due = due_step(fit.deadline, steps.get(fit.regulation_id, ()), today)
        if due is not None:
            reminders.append(
                Reminder(fit.regulation_id, SubsidyDeadline.SUBMISSION, fit.deadline, due[0], due[1])
            )
    return reminders


def report_deadline(regulation: Regulation, activity_ends: Iterable[date], today: date) -> date | None:
    """The report's last day: a period after the last activity that has ended by ``today``, if any."""
    ended = [day for day in activity_ends if day < today]
    if regulation.report_within_days is None or not ended:
        return None
    return max(ended) + timedelta(days=regulation.report_within_days)


def report_reminders(
    regulation: Regulation | None, activity_ends: Iterable[date], today: date
) -> list[Reminder]:
    """The reminder of the report (verantwoording) due under ``regulation`` once an activity ended."""
    if regulation is None:
        return []
    deadline = report_deadline(regulation, activity_ends, today)
    if deadline is None:
        return []
    due = due_step(deadline, regulation.report_reminder_days_before, today)
    if due is None:
        return []
    return [Reminder(regulation.id, SubsidyDeadline.REPORT, deadline, due[0], due[1])]
