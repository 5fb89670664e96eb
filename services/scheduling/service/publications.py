"""Publishing over HTTP, remembered as the activity's latest version until the intake takes it in.

A change to one occurrence builds on that version, so two quick changes of one series never undo each other.
"""

from __future__ import annotations

from typing import Any

from contracts import ActivityPublished, ActivityWithdrawn, Envelope, EventData, new_event
from contracts.topics import partner_activities
from scheduling.store import ActivityKey, SchedulingUnitOfWork


async def latest_version(unit: SchedulingUnitOfWork, key: ActivityKey) -> dict[str, Any] | None:
    """The activity as last published (over HTTP, or as taken in); None when absent or withdrawn."""
    staged = await unit.staged.latest(key)
    if staged is not None:
        return staged[0]
    stored = await unit.activities.get(key)
    return stored[0] if stored is not None else None


def stage_publication(
    unit: SchedulingUnitOfWork,
    organisation: str,
    data: ActivityPublished | ActivityWithdrawn,
    correlation_id: str | None,
) -> Envelope[EventData]:
    """Publish ``data`` on the organisation's topic when ``unit`` commits; remember it as the latest."""
    event = new_event(data, source=organisation, correlation_id=correlation_id)
    unit.publish(partner_activities(organisation), event, key=data.activity_id)
    payload = data.model_dump(mode="json") if isinstance(data, ActivityPublished) else None
    unit.staged.remember(organisation, data.activity_id, (payload, str(event.event_id)))
    return event
