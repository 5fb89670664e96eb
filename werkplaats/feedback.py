"""Telling a partner why its message was not accepted, on ``partner.<org>.feedback`` (no payload copy)."""

from __future__ import annotations

import json
import re

from contracts import ActivityRejected, ContractError, FieldProblem, encode_event, new_event
from contracts.activities import ACTIVITY_ID_PATTERN
from contracts.topics import organisation_of, partner_feedback
from werkplaats.consumer import describe
from werkplaats.deadletter import Delivery

MAX_PROBLEMS = 50
"""At most this many field problems are named; the dead-letter topic keeps the whole message."""


def unreadable(delivery: Delivery, error: Exception) -> ActivityRejected:
    """Why a partner's message could not be taken in: the reason and each field's problem."""
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


def rejection(delivery: Delivery, error: Exception, *, source: str) -> tuple[str, bytes, bytes | None] | None:
    """The feedback topic, message and key for a rejected partner message; None off partner topics."""
    organisation = organisation_of(delivery.topic)
    if organisation is None:
        return None
    rejected = unreadable(delivery, error)
    key = rejected.activity_id.encode() if rejected.activity_id else delivery.key
    return partner_feedback(organisation), encode_event(new_event(rejected, source=source)), key


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
