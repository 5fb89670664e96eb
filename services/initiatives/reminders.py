"""Subsidy reminders kept: each application or report deadline's reminder step published once."""

from __future__ import annotations

from datetime import datetime

from contracts import ActivityPublished
from contracts.initiatives import InitiativeStatus, InitiativeSubsidyDeadlineApproaching, RegulationFit
from initiatives.context import Context, publish
from initiatives.domain import lifecycle, subsidies
from initiatives.domain.reminders import Reminder, application_reminders, report_reminders
from initiatives.domain.workdays import local_date
from initiatives.store import InitiativeRow, InitiativesUnitOfWork, SubsidyCheckRow

ENDED = frozenset({InitiativeStatus.DECLINED, InitiativeStatus.WITHDRAWN, InitiativeStatus.MERGED})
FOLLOWED = frozenset(status.value for status in InitiativeStatus if status not in ENDED)
"""Initiatives whose subsidy deadlines are followed: all but the declined, withdrawn and merged."""


async def send_subsidy_reminders(context: Context, unit: InitiativesUnitOfWork) -> int:
    """Publish each subsidy reminder due today that was not published before; how many went out."""
    now = context.clock()
    sent = 0
    for initiative, check in await unit.initiatives.checked(FOLLOWED):
        for reminder in await _due(unit, initiative, check, now):
            key = reminder.key(initiative.initiative_id)
            if not await unit.sent_reminders.first_time(key, initiative.initiative_id, now):
                continue
            publish(unit, _event(initiative, reminder), initiative_id=initiative.initiative_id)
            sent += 1
    return sent


async def _due(
    unit: InitiativesUnitOfWork, initiative: InitiativeRow, check: SubsidyCheckRow, now: datetime
) -> list[Reminder]:
    today = local_date(now)
    due = []
    if InitiativeStatus(initiative.status) in lifecycle.OPEN:
        fits = [RegulationFit.model_validate(result) for result in check.results]
        due += application_reminders(fits, subsidies.bundled_regulations(), today)
    if check.best is not None:
        activities = await unit.activities.of(initiative.initiative_id)
        ends = [
            local_date(ActivityPublished.model_validate(activity.data).ends_at)
            for activity in activities
            if not activity.withdrawn
        ]
        due += report_reminders(subsidies.regulation(check.best), ends, today)
    return due


def _event(initiative: InitiativeRow, reminder: Reminder) -> InitiativeSubsidyDeadlineApproaching:
    return InitiativeSubsidyDeadlineApproaching(
        initiative_id=initiative.initiative_id,
        regulation_id=reminder.regulation_id,
        deadline_kind=reminder.kind,
        deadline=reminder.deadline,
        days_left=reminder.days_left,
        step=reminder.step,
        builder_id=initiative.builder_id,
    )
