"""Reading what the reports say: observations and stored activities, for figures, advice and pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import ActivityPublished, ActivityReported
from reach.domain import Observation, PlannedActivity, time_of_day
from reach.store import ActivityRow, ReportRow


def planned(row: ActivityRow) -> PlannedActivity:
    """The activity a stored row describes."""
    published = ActivityPublished.model_validate(row.payload)
    activity = PlannedActivity.from_published(row.organisation, published)
    return activity if not row.withdrawn else _withdrawn(activity)


def _withdrawn(activity: PlannedActivity) -> PlannedActivity:
    from dataclasses import replace

    return replace(activity, withdrawn=True)


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


async def reported(session: AsyncSession) -> Sequence[tuple[PlannedActivity, ActivityReported]]:
    """Every accepted report with its activity."""
    rows = await session.execute(
        select(ActivityRow, ReportRow.payload).join(
            ReportRow,
            (ReportRow.organisation == ActivityRow.organisation)
            & (ReportRow.activity_id == ActivityRow.activity_id),
        )
    )
    cache: dict[tuple[str, str], PlannedActivity] = {}
    found: list[tuple[PlannedActivity, ActivityReported]] = []
    for activity_row, payload in rows:
        key = (activity_row.organisation, activity_row.activity_id)
        if key not in cache:
            cache[key] = planned(activity_row)
        found.append((cache[key], _report(payload)))
    return found


async def observations(session: AsyncSession) -> list[Observation]:
    """Every accepted report as an observation."""
    return [observation(activity, report) for activity, report in await reported(session)]


def _report(payload: dict[str, Any]) -> ActivityReported:
    return ActivityReported.model_validate(payload)
