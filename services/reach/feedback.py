"""Telling a partner why its report was not accepted, on ``partner.<org>.feedback``."""

from __future__ import annotations

import json
import re

from contracts import ActivityRejected, ContractError, Envelope, EventData, FieldProblem, new_event
from contracts.activities import ACTIVITY_ID_PATTERN
from werkplaats.consumer import describe
from werkplaats.deadletter import Delivery

SERVICE = "reach"
MAX_PROBLEMS = 50


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


def unreadable(delivery: Delivery, error: Exception) -> ActivityRejected:
    """The feedback for a message that is no valid report (it also went to the dead-letter topic)."""
    problems = error.problems if isinstance(error, ContractError) else []
    return ActivityRejected(
        activity_id=_activity_id(delivery.value),
        rejected_event_id=_event_id(delivery.value),
        reason=describe(error) if isinstance(error, ContractError) else str(error),
        problems=[FieldProblem(field=path, problem=text) for path, text in problems[:MAX_PROBLEMS]],
        topic=delivery.topic,
        partition=delivery.partition,
        offset=delivery.offset,
    )


def _document(raw: bytes) -> dict[str, object]:
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _activity_id(raw: bytes) -> str | None:
    data = _document(raw).get("data")
    candidate = data.get("activity_id") if isinstance(data, dict) else None
    return candidate if isinstance(candidate, str) and re.match(ACTIVITY_ID_PATTERN, candidate) else None


def _event_id(raw: bytes) -> str | None:
    candidate = _document(raw).get("event_id")
    return candidate[:64] if isinstance(candidate, str) else None
