"""Daily digests: at each subscriber's time (Europe/Amsterdam), one message with what was collected."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts import Severity
from notifications import domain
from notifications.notification import DigestEntry, DigestNotification, DigestSection
from notifications.service.decisions import Notifier
from notifications.store import NotificationsUnitOfWork, utc_or_none
from notifications.store.mapping import notification_id, subscription_of


def digest_item(document: dict[str, Any]) -> domain.DigestItem:
    """A collected item from its stored document; reach items from before 0004 get their activity."""
    conflict_id, activity = document.get("conflict_id"), document.get("activity")
    if activity is None and str(document["event_type"]).startswith("reach."):
        conflict_id, activity = None, conflict_id  # collected before reach items named their activity
    return domain.DigestItem(
        conflict_id=conflict_id,
        activity=activity,
        event_type=document["event_type"],
        severity=Severity(document["severity"]),
        neighbourhoods=tuple(document["neighbourhoods"]),
        explanation_nl=document["explanation_nl"],
        explanation_en=document["explanation_en"],
        starts_at=datetime.fromisoformat(document["starts_at"]),
    )


def digest_notification(moment: datetime, items: list[domain.DigestItem]) -> DigestNotification:
    """A digest: its day and the items grouped by wijk and severity."""
    return DigestNotification(
        day=domain.digest_day(moment).isoformat(),
        decided_at=moment.isoformat(),
        groups=[
            DigestSection(
                wijk=group.wijk,
                severity=group.severity.value,
                items=[
                    DigestEntry(
                        conflict_id=item.conflict_id,
                        activity=item.activity,
                        event_type=item.event_type,
                        explanation_nl=item.explanation_nl,
                        explanation_en=item.explanation_en,
                        starts_at=item.starts_at.isoformat(),
                    )
                    for item in group.items
                ],
            )
            for group in domain.group_digest(items)
        ],
    )


async def run_digests(unit: NotificationsUnitOfWork, notifier: Notifier) -> int:
    """Record the digests that are due; the number recorded. Each (subscriber, moment) gets one."""
    now = notifier.clock()
    recorded = 0
    for row in await unit.subscriptions.digests():
        subscription = subscription_of(row)
        assert subscription.digest_at is not None
        moment = domain.last_digest_moment(subscription.digest_at, now)
        last = utc_or_none(row.last_digest_at)
        if last is not None and last >= moment:
            continue
        row.last_digest_at = moment
        pending = await unit.digest_items.pending(row.subscription_id, moment)
        if not pending:
            continue
        source_key = f"digest:{row.subscription_id}:{moment.isoformat()}"
        recipient = domain.subscriber_recipient(subscription)
        notification = digest_notification(moment, [digest_item(item.item) for item in pending])
        notifier.record(unit, source_key, recipient, notification, now=now)
        digest_id = notification_id(source_key, recipient.ref, recipient.channel)
        await unit.digest_items.assign(pending, digest_id)
        recorded += 1
    return recorded
