"""Events about deliveries on ``notifications.deliveries`` through the outbox; failures also dead-lettered."""

from __future__ import annotations

import json
from datetime import datetime

from contracts import Channel, NotificationDelivered, NotificationFailed, RecipientKind, new_event
from contracts.topics import NOTIFICATIONS_DELIVERIES, dead_letter
from notifications.notification import notification_of
from notifications.store import NotificationRow
from werkplaats import deadletter
from werkplaats.unit_of_work import UnitOfWork

SOURCE = "notifications"
CONSUMER = "notifications-sender"


def _common(row: NotificationRow) -> dict[str, object]:
    return {
        "notification_id": row.notification_id,
        "conflict_id": row.conflict_id,
        "announced_type": row.announced_type,
        "channel": Channel(row.channel),
        "recipient_kind": RecipientKind(row.recipient_kind),
        "recipient_ref": row.recipient_ref,
        "attempts": max(1, row.attempts),
        "follow_up": row.follow_up,
    }


def delivered(unit: UnitOfWork, row: NotificationRow, now: datetime) -> None:
    """Stage ``notification.delivered``."""
    event = NotificationDelivered.model_validate(_common(row) | {"delivered_at": now})
    correlation = notification_of(row.payload).correlation_id
    unit.publish(
        NOTIFICATIONS_DELIVERIES,
        new_event(event, source=SOURCE, correlation_id=correlation),
        key=row.notification_id,
    )


def failed(unit: UnitOfWork, row: NotificationRow, now: datetime, reason: str) -> None:
    """Stage ``notification.failed``, and the announcement (no address, no secret) as a dead letter."""
    event = NotificationFailed.model_validate(_common(row) | {"failed_at": now, "reason": reason[:500]})
    correlation = notification_of(row.payload).correlation_id
    unit.publish(
        NOTIFICATIONS_DELIVERIES,
        new_event(event, source=SOURCE, correlation_id=correlation),
        key=row.notification_id,
    )
    body = {
        "notification_id": row.notification_id,
        "recipient_ref": row.recipient_ref,
        "payload": row.payload,
    }
    unit.publish_raw(
        dead_letter(NOTIFICATIONS_DELIVERIES),
        json.dumps(body).encode(),
        key=row.notification_id,
        headers={
            deadletter.HEADER_ERROR: reason[:2000],
            deadletter.HEADER_ERROR_TYPE: "DeliveryError",
            deadletter.HEADER_TOPIC: NOTIFICATIONS_DELIVERIES,
            deadletter.HEADER_CONSUMER: CONSUMER,
            deadletter.HEADER_FAILED_AT: now.isoformat(),
        },
    )
