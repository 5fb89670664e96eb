"""Telling a partner why its report was not accepted, on ``partner.<org>.feedback``."""

from __future__ import annotations

from contracts import ActivityRejected, Envelope, EventData, FieldProblem, new_event

SERVICE = "reach"


def refused(
    activity_id: str, event_id: str, field: str, reason: str, *, topic: str, partition: int, offset: int
) -> Envelope[EventData]:
    """The feedback for a well-formed report the service cannot accept."""
    rejected = ActivityRejected(
        activity_id=activity_id,
        rejected_event_id=event_id,
        reason=f"report not accepted: {field}: {reason}",
        problems=[FieldProblem(field=f"data.{field}", problem=reason)],
        topic=topic,
        partition=partition,
        offset=offset,
    )
    return new_event(rejected, source=SERVICE)
