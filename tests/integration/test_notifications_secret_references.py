"""Deliveries name their recipient, not its webhook secret: the secret is read when the delivery is sent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from notifications.channels.webhook import endpoint_of
from notifications.main import create_service, migrations_location
from notifications.notification import ConflictNotification
from notifications.settings import NotificationsSettings
from support.testing import wait_for
from test_notifications_support import WebhookReceiver, detected, fresh_wijk
from werkplaats.db import Database
from werkplaats.migrations import upgrade

COPIED = "the-secret-copied-into-the-row-0123"
ROTATED = "the-secret-the-subscription-holds-now"


async def test_a_delivery_from_before_the_migration_is_signed_with_its_subscriptions_current_secret(
    kafka_bootstrap: str, database_url: str
) -> None:
    async with WebhookReceiver(secret=ROTATED) as receiver:
        database = Database(database_url)
        await upgrade(database, migrations_location(), "0001")
        subscription_id, notification = str(uuid.uuid4()), str(uuid.uuid4())
        await _old_pending_delivery(database, subscription_id, notification, receiver.url)
        async with database.transaction() as session:  # the secret is rotated after the row was made
            await session.execute(
                sa.text("UPDATE subscriptions SET webhook_secret = :s WHERE subscription_id = :i"),
                {"s": ROTATED, "i": subscription_id},
            )
        await database.dispose()

        settings = NotificationsSettings(
            database_url=database_url, consumer_group=f"refs-{uuid.uuid4().hex[:6]}", sender_poll_s=0.1
        )
        service = create_service(settings, bootstrap_servers=kafka_bootstrap)
        await service.runtime.start()
        try:
            await wait_for(lambda: notification in receiver.unique(), timeout=60)
            columns = await _columns(service.runtime.database, "notifications")
        finally:
            await service.runtime.stop()
    assert receiver.bad_signatures == 0
    assert "secret" not in columns
    assert "recipient_ref" in columns


async def _old_pending_delivery(
    database: Database, subscription_id: str, notification: str, url: str
) -> None:
    """A subscription and one pending delivery to it, as revision 0001 stored them (secret copied)."""
    now = datetime.now(UTC)
    wijk, buurten = fresh_wijk()
    conflict = detected(f"c-{uuid.uuid4().hex[:8]}", ["staedion"], buurten[0])
    document = ConflictNotification(
        type="conflict.detected",
        follow_up=False,
        conflict_id=conflict.conflict_id,
        decided_at=now.isoformat(),
        conflict=conflict.model_dump(mode="json") | {"occurred_at": now.isoformat()},
        resolution=None,
        organisation_names={},
    ).document()
    subscriptions = sa.table("subscriptions", *_columns_of("subscriptions"))
    notifications = sa.table("notifications", *_columns_of("notifications"))
    async with database.transaction() as session:
        await session.execute(
            sa.insert(subscriptions).values(
                subscription_id=subscription_id,
                webhook_url=url,
                webhook_secret=COPIED,
                event_types=["conflict.detected"],
                min_severity="low",
                neighbourhoods=[wijk],
                organisations=[],
                mode="immediate",
                created_by="ops",
                created_at=now,
            )
        )
        await session.execute(
            sa.insert(notifications).values(
                notification_id=notification,
                source_key=f"{conflict.conflict_id}:detected",
                conflict_id=conflict.conflict_id,
                announced_type="conflict.detected",
                follow_up=False,
                channel="webhook",
                recipient_kind="subscription",
                recipient_ref=f"subscription:{subscription_id}",
                address=url,
                secret=COPIED,
                endpoint=endpoint_of(url),
                payload=document,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )


def _columns_of(table: str) -> list[sa.Column[object]]:
    json_columns = {"event_types", "neighbourhoods", "organisations", "payload"}
    times = {"created_at", "next_attempt_at"}
    names = {
        "subscriptions": [
            "subscription_id",
            "webhook_url",
            "webhook_secret",
            "event_types",
            "min_severity",
            "neighbourhoods",
            "organisations",
            "mode",
            "created_by",
            "created_at",
        ],
        "notifications": [
            "notification_id",
            "source_key",
            "conflict_id",
            "announced_type",
            "follow_up",
            "channel",
            "recipient_kind",
            "recipient_ref",
            "address",
            "secret",
            "endpoint",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
        ],
    }[table]
    return [
        sa.column(
            name, sa.JSON if name in json_columns else sa.DateTime(timezone=True) if name in times else None
        )
        for name in names
    ]


async def _columns(database: Database, table: str) -> set[str]:
    async with database.engine.connect() as connection:
        return await connection.run_sync(lambda c: {col["name"] for col in sa.inspect(c).get_columns(table)})
