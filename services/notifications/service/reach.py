"""Reach alerts: a report due and missing to its organiser, a promise to residents overdue to operations.

Subscribers who chose these event types hear too (at once or in their digest). Each alert is recorded
once per recipient in the transaction that records the consumed event; its source key names the
occurrence (and the promised date), so a redelivered or repeated event decides nothing new.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from contracts import Envelope, EventData, PromiseOverdue, ReportDue, Severity
from notifications import domain
from notifications.channels import reach_rendering
from notifications.notification import ReachNotification
from notifications.service.decisions import Notifier
from notifications.store import DigestItemRow, NotificationRow, SqlNotificationsUnitOfWork

OperationsSlugs = Callable[[], list[str]]
"""The slugs of every operations organisation."""
SEVERITY = {domain.REPORT_DUE: Severity.LOW, domain.PROMISE_OVERDUE: Severity.MEDIUM}
"""How reach alerts rank against a subscription's least severity."""


def source_key(data: ReportDue | PromiseOverdue) -> str:
    """The one decision an alert stands for: the occurrence, and for a promise the promised date."""
    occurrence = data.occurrence_start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    key = f"{data.event_type}:{data.organisation}/{data.activity_id}/{occurrence}"
    if isinstance(data, PromiseOverdue):
        key += f":{data.residents_hear_back_by.isoformat()}"
    if len(key) <= 200:
        return key
    return f"{data.event_type}:{hashlib.sha256(key.encode()).hexdigest()}"


class ReachAlerts:
    """Turns ``reach.events`` into deliveries for the organiser or operations, and for subscribers."""

    def __init__(self, notifier: Notifier, operations: OperationsSlugs) -> None:
        self.notifier = notifier
        self.operations = operations

    async def on_reach_event(self, unit: SqlNotificationsUnitOfWork, envelope: Envelope[EventData]) -> None:
        """Record the deliveries of one reach event, unless the same alert was decided before."""
        data = envelope.data
        if not isinstance(data, ReportDue | PromiseOverdue):
            return
        key = source_key(data)
        if await _decided(unit, key):
            return  # the same alert raised again (another event id): decided before
        now = self.notifier.clock()
        facts = data.model_dump(mode="json")
        notification = ReachNotification(
            type=data.event_type,
            correlation_id=envelope.correlation_id or str(envelope.event_id),
            decided_at=now.isoformat(),
            organisation=data.organisation,
            activity_id=data.activity_id,
            reach=facts,
        )
        concerned = (data.organisation,) if isinstance(data, ReportDue) else tuple(self.operations())
        contacts = await self.notifier.contacts_of(unit, concerned)
        organisations = [domain.organisation_recipient(contacts[slug]) for slug in concerned]
        for recipient in [r for r in organisations if r is not None]:
            self.notifier.record(unit, key, recipient, notification, now=now)
        for recipient in await self._subscribers(unit, data):
            if recipient.digest_subscription:
                unit.insert(DigestItemRow.__table__, _digest_item(recipient, key, data, facts, now))
            else:
                self.notifier.record(unit, key, recipient, notification, now=now)
        unit.after_commit(self.notifier.on_decided)

    async def _subscribers(
        self, unit: SqlNotificationsUnitOfWork, data: ReportDue | PromiseOverdue
    ) -> list[domain.Recipient]:
        """Subscriptions that chose this event type (a neighbourhood filter excludes them: none is named)."""
        facts = domain.ConflictFacts(
            conflict_id=data.activity_id,
            severity=SEVERITY[data.event_type],
            neighbourhoods=(),
            organisations=(data.organisation,),
        )
        return domain.recipients_for(facts, data.event_type, await unit.subscriptions.all(), {})


def _digest_item(
    recipient: domain.Recipient,
    key: str,
    data: ReportDue | PromiseOverdue,
    facts: dict[str, object],
    now: datetime,
) -> dict[str, object]:
    reference = f"{data.organisation}/{data.activity_id}"
    return {
        "subscription_id": recipient.digest_subscription,
        "source_key": key,
        "conflict_id": None,
        "activity": reference,
        "item": {
            "activity": reference,
            "event_type": data.event_type,
            "severity": SEVERITY[data.event_type].value,
            "neighbourhoods": [],
            "explanation_nl": reach_rendering.explanation(data.event_type, facts, "nl"),
            "explanation_en": reach_rendering.explanation(data.event_type, facts, "en"),
            "starts_at": data.occurrence_start.isoformat(),
        },
        "created_at": now,
    }


async def _decided(unit: SqlNotificationsUnitOfWork, key: str) -> bool:
    """Whether deliveries or digest items for ``key`` were recorded before (by an earlier event)."""
    for column in (NotificationRow.source_key, DigestItemRow.source_key):
        found = await unit.session.scalar(select(column).where(column == key).limit(1))
        if found is not None:
            return True
    return False
