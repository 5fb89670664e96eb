"""The initiatives' planned activities in the shared agenda, and the conflicts attached back to them."""

from __future__ import annotations

from contracts import (
    ActivityPublished,
    ActivityStatus,
    ActivityWithdrawn,
    ConflictDetected,
    ConflictResolved,
    Envelope,
    EventData,
    Severity,
    new_event,
)
from contracts.initiatives import INITIATIVES_ORGANISATION, InitiativeConflictAttached
from contracts.topics import partner_activities
from initiatives.context import Context, load, publish
from initiatives.domain.lifecycle import CLOSED
from initiatives.errors import RefusedError, UnknownActivityError
from initiatives.forms import PlannedActivity
from initiatives.store import ActivityRow, AttachedConflictRow, InitiativesUnitOfWork

ACTIVITIES_TOPIC = partner_activities(INITIATIVES_ORGANISATION)


def activity_id_of(initiative_id: str, name: str) -> str:
    """The agenda id of an initiative's activity: the reference, a dot, and the activity's own name."""
    return f"{initiative_id}.{name}"


async def plan_activity(
    context: Context, unit: InitiativesUnitOfWork, initiative_id: str, name: str, form: PlannedActivity
) -> str:
    """Publish (create or replace) an activity of the initiative into the shared agenda."""
    row = await load(unit, initiative_id)
    if row.status in CLOSED:
        raise RefusedError(f"{initiative_id} is {row.status}; closed initiatives plan no activities")
    activity_id = activity_id_of(initiative_id, name)
    try:
        data = ActivityPublished(
            activity_id=activity_id,
            title=form.title,
            kind=form.kind,
            starts_at=form.starts_at,
            ends_at=form.ends_at,
            recurrence=form.recurrence,
            neighbourhoods=form.neighbourhoods or row.neighbourhoods,
            venue=form.venue,
            target_groups=row.target_groups or ["all_residents"],
            themes=row.themes,
            expected_attendance=form.expected_attendance,
            languages=form.languages,
            status=ActivityStatus.TENTATIVE if form.tentative else ActivityStatus.PLANNED,
        )
    except ValueError as error:
        raise RefusedError(str(error)) from None
    await unit.activities.put(
        ActivityRow(
            activity_id=activity_id,
            initiative_id=initiative_id,
            data=data.model_dump(mode="json"),
            withdrawn=False,
            updated_at=context.clock(),
        )
    )
    unit.publish(ACTIVITIES_TOPIC, new_event(data, source=INITIATIVES_ORGANISATION), key=activity_id)
    return activity_id


async def withdraw_activity(
    context: Context, unit: InitiativesUnitOfWork, initiative_id: str, name: str
) -> None:
    """Take an activity of the initiative out of the shared agenda."""
    activity = await unit.activities.get(activity_id_of(initiative_id, name))
    if activity is None or activity.initiative_id != initiative_id:
        raise UnknownActivityError(f"{initiative_id} has no activity {name!r}")
    if activity.withdrawn:
        return
    activity.withdrawn, activity.updated_at = True, context.clock()
    withdrawn = ActivityWithdrawn(activity_id=activity.activity_id)
    unit.publish(
        ACTIVITIES_TOPIC, new_event(withdrawn, source=INITIATIVES_ORGANISATION), key=activity.activity_id
    )


async def withdraw_all(context: Context, unit: InitiativesUnitOfWork, initiative_id: str) -> None:
    """Withdraw every activity of a closed initiative from the agenda."""
    for activity in await unit.activities.of(initiative_id):
        if activity.withdrawn:
            continue
        await withdraw_activity(context, unit, initiative_id, activity.activity_id.split(".", 1)[1])


async def on_conflict_event(unit: InitiativesUnitOfWork, envelope: Envelope[EventData]) -> None:
    """Attach a conflict to the initiatives whose activities it concerns, once; note when it resolves."""
    data = envelope.data
    if isinstance(data, ConflictDetected):
        await _detected(unit, data, envelope.correlation_id)
    elif isinstance(data, ConflictResolved):
        await _resolved(unit, data)


async def _detected(unit: InitiativesUnitOfWork, data: ConflictDetected, correlation_id: str | None) -> None:
    ours = {a.activity_id for a in data.activities if a.organisation == INITIATIVES_ORGANISATION}
    if not ours:
        return
    for activity_id in sorted(ours):
        activity = await unit.activities.get(activity_id)
        if activity is None:
            continue
        attached = await unit.attached_conflicts.get(data.conflict_id, activity_id)
        if attached is not None and not attached.resolved:
            continue
        initiative = await unit.initiatives.get(activity.initiative_id, lock=False)
        await unit.attached_conflicts.put(
            AttachedConflictRow(
                conflict_id=data.conflict_id,
                activity_id=activity_id,
                initiative_id=activity.initiative_id,
                rule=data.rule.value,
                severity=data.severity.value,
                explanation_nl=data.explanation.nl,
                explanation_en=data.explanation.en,
                resolved=False,
                detected_at=data.starts_at,
            )
        )
        publish(
            unit,
            InitiativeConflictAttached(
                initiative_id=activity.initiative_id,
                conflict_id=data.conflict_id,
                activity_id=activity_id,
                severity=data.severity,
                builder_id=initiative.builder_id if initiative else None,
            ),
            initiative_id=activity.initiative_id,
            correlation_id=correlation_id,
        )


async def _resolved(unit: InitiativesUnitOfWork, data: ConflictResolved) -> None:
    for row in await unit.attached_conflicts.unresolved(data.conflict_id):
        row.resolved = True
        initiative = await unit.initiatives.get(row.initiative_id, lock=False)
        publish(
            unit,
            InitiativeConflictAttached(
                initiative_id=row.initiative_id,
                conflict_id=row.conflict_id,
                activity_id=row.activity_id,
                severity=Severity(row.severity),
                builder_id=initiative.builder_id if initiative else None,
                resolved=True,
            ),
            initiative_id=row.initiative_id,
        )
