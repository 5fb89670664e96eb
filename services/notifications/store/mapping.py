"""Between stored rows and the domain: delivery ids, subscriptions, conflict facts and states."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from contracts import Severity
from notifications import domain
from notifications.store.tables import ConflictRow, SubscriptionRow, utc_or_none

NAMESPACE = uuid.UUID("6f1c8a52-3d0e-4c3b-9a1e-5b7d2f9c4e10")


def notification_id(source_key: str, recipient_ref: str, channel: str) -> str:
    """The stable id of one delivery: the same whoever decides it, however often."""
    return str(uuid.uuid5(NAMESPACE, f"{source_key}|{recipient_ref}|{channel}"))


def subscription_of(row: SubscriptionRow) -> domain.Subscription:
    """The domain view of a stored subscription."""
    return domain.Subscription(
        subscription_id=row.subscription_id,
        email=row.email,
        webhook_url=row.webhook_url,
        webhook_secret=row.webhook_secret,
        event_types=frozenset(row.event_types),
        min_severity=Severity(row.min_severity),
        neighbourhoods=frozenset(row.neighbourhoods),
        organisations=frozenset(row.organisations),
        mode=domain.Mode(row.mode),
        digest_at=time.fromisoformat(row.digest_at) if row.digest_at else None,
    )


def facts_of(row: ConflictRow) -> domain.ConflictFacts:
    """What the rules need of a stored conflict."""
    return domain.ConflictFacts(
        row.conflict_id, Severity(row.severity), tuple(row.neighbourhoods), tuple(row.organisations)
    )


def state_of(row: ConflictRow) -> domain.ConflictState:
    """The flapping state of a stored conflict."""
    return domain.ConflictState(
        row.announced, row.actual, row.seq, utc_or_none(row.quiet_until), utc_or_none(row.follow_up_due)
    )


def store_state(row: ConflictRow, state: domain.ConflictState, now: datetime) -> None:
    """Keep a conflict's flapping state on its row."""
    row.announced, row.actual, row.seq = state.announced, state.actual, state.seq
    row.quiet_until, row.follow_up_due, row.updated_at = state.quiet_until, state.follow_up_due, now
