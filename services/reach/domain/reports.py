"""Whether a report can be accepted, and when reports and promised follow-ups are due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from contracts import ActivityReported, TimeOfDay
from reach.domain.activities import AMSTERDAM, Occurrence, PlannedActivity
from reach.domain.figures import Observation


@dataclass(frozen=True)
class Refusal:
    """Why a report is not accepted: the field concerned and a sentence for the organiser."""

    field: str
    reason: str


def refusal_of(
    organisation: str, activity: PlannedActivity | None, report: ActivityReported, now: datetime
) -> Refusal | None:
    """Why ``organisation`` cannot report ``report`` on ``activity`` (None: it can)."""
    if activity is None or activity.organisation != organisation:
        return Refusal("activity_id", f"{organisation} has no activity {report.activity_id!r} on the agenda")
    if activity.withdrawn:
        return Refusal("activity_id", f"activity {report.activity_id!r} was withdrawn from the agenda")
    if activity.occurrence_at(report.occurrence_start) is None:
        return Refusal(
            "occurrence_start",
            f"{report.occurrence_start.isoformat()} starts no occurrence of {report.activity_id!r}",
        )
    if report.occurrence_start > now:
        return Refusal("occurrence_start", "this occurrence has not started yet; report after it took place")
    if activity.is_participation and report.follow_up is None:
        return Refusal(
            "follow_up",
            f"is required for a {activity.kind.value}: what will be done with residents' input, "
            "and by when they hear back",
        )
    return None


def time_of_day(moment: datetime) -> TimeOfDay:
    """Morning before 12:00, afternoon before 17:00, else evening (Europe/Amsterdam)."""
    hour = moment.astimezone(AMSTERDAM).hour
    if hour < 12:
        return TimeOfDay.MORNING
    return TimeOfDay.AFTERNOON if hour < 17 else TimeOfDay.EVENING


def reports_due(
    activity: PlannedActivity, now: datetime, *, after: timedelta, window: timedelta
) -> list[Occurrence]:
    """Occurrences whose report is due at ``now``: ended at least ``after`` ago, but not ``window`` before.

    Only participation kinds are reminded of; the window keeps a rebuilt service from reminding of
    every occurrence in history.
    """
    if activity.withdrawn or not activity.is_participation:
        return []
    return [
        occurrence
        for occurrence in activity.occurrences(now)
        if now - window <= occurrence.ends_at + after <= now
    ]


def promise_overdue(report: ActivityReported, today: date) -> bool:
    """Whether residents were promised to hear back before ``today`` and no follow-up was reported."""
    return (
        report.follow_up is not None
        and report.follow_up_done is None
        and report.follow_up.residents_hear_back_by < today
    )


def observation(activity: PlannedActivity, report: ActivityReported) -> Observation:
    """One report as the statistics see it."""
    return Observation(
        organisation=activity.organisation,
        activity_id=activity.activity_id,
        title=activity.title,
        occurrence_start=report.occurrence_start,
        kind=activity.kind,
        wijken=activity.wijken,
        target_groups=activity.target_groups,
        attendance=report.attendance,
        expected_attendance=activity.expected_attendance,
        methods=frozenset(report.reach_methods),
        attendee_languages=tuple(report.attendee_languages),
        time_of_day=report.time_of_day or time_of_day(report.occurrence_start),
    )
