"""The notifications database: subscriptions, organisations' webhooks, conflict states, deliveries, feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from werkplaats.db import BigId


class NotificationsBase(DeclarativeBase):
    """Declarative base of the notifications tables."""


class SubscriptionRow(NotificationsBase):
    """A subscription: who, what and how."""

    __tablename__ = "subscriptions"

    subscription_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    webhook_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    webhook_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    event_types: Mapped[list[str]] = mapped_column(JSON)
    min_severity: Mapped[str] = mapped_column(String(10))
    neighbourhoods: Mapped[list[str]] = mapped_column(JSON)
    organisations: Mapped[list[str]] = mapped_column(JSON)
    mode: Mapped[str] = mapped_column(String(10))
    digest_at: Mapped[str | None] = mapped_column(String(5), nullable=True)
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_digest_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OrganisationWebhookRow(NotificationsBase):
    """An organisation's webhook, used instead of its contact address; the secret stays here."""

    __tablename__ = "organisation_webhooks"

    organisation: Mapped[str] = mapped_column(String(40), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RecipientsVersionRow(NotificationsBase):
    """One number the database bumps on every change of subscriptions and organisations' webhooks."""

    __tablename__ = "recipients_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class ConflictRow(NotificationsBase):
    """A conflict as notifications knows it: its facts, latest details and what was announced."""

    __tablename__ = "conflict_states"
    __table_args__ = (Index("ix_conflict_states_follow_up", "follow_up_due"),)

    conflict_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    severity: Mapped[str] = mapped_column(String(10))
    neighbourhoods: Mapped[list[str]] = mapped_column(JSON)
    organisations: Mapped[list[str]] = mapped_column(JSON)
    detected: Mapped[dict[str, Any]] = mapped_column(JSON)
    resolution: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    announced: Mapped[str | None] = mapped_column(String(40), nullable=True)
    actual: Mapped[str | None] = mapped_column(String(40), nullable=True)
    seq: Mapped[int] = mapped_column(Integer)
    quiet_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    follow_up_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NotificationRow(NotificationsBase):
    """One delivery per (announcement, recipient, channel); pending until sent, then delivered or failed."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("source_key", "recipient_ref", "channel", name="uq_notifications_once"),
        Index("ix_notifications_due", "status", "next_attempt_at"),
        Index("ix_notifications_endpoint", "endpoint", "status"),
    )

    notification_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source_key: Mapped[str] = mapped_column(String(200))
    conflict_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    announced_type: Mapped[str] = mapped_column(String(40))
    follow_up: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(10))
    recipient_kind: Mapped[str] = mapped_column(String(20))
    recipient_ref: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(2000))
    endpoint: Mapped[str] = mapped_column(String(400))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_token: Mapped[str | None] = mapped_column(String(36), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SettledDeliveryRow(NotificationsBase):
    """A delivery ``notifications.deliveries`` shows as done: taken in after a restore, never sent again."""

    __tablename__ = "settled_deliveries"

    notification_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(10))
    settled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EndpointRow(NotificationsBase):
    """Backoff state of one receiving endpoint: its failures slow only its own deliveries."""

    __tablename__ = "endpoints"

    endpoint: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DigestItemRow(NotificationsBase):
    """An announcement waiting for a subscriber's daily digest."""

    __tablename__ = "digest_items"
    __table_args__ = (
        UniqueConstraint("subscription_id", "source_key", name="uq_digest_items_once"),
        Index("ix_digest_items_pending", "subscription_id", "digest_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(String(36))
    source_key: Mapped[str] = mapped_column(String(200))
    conflict_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    """The conflict announced; empty for a reach alert, which is about an activity."""
    activity: Mapped[str | None] = mapped_column(String(160), nullable=True)
    """``organisation/activity_id`` of a reach alert; empty for a conflict."""
    item: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    digest_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class FeedRow(NotificationsBase):
    """One entry of the live feed; its id is the SSE event id (numbered durably, resumable)."""

    __tablename__ = "feed"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def utc(moment: datetime) -> datetime:
    """A stored moment as an aware UTC datetime (SQLite hands back naive UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def utc_or_none(moment: datetime | None) -> datetime | None:
    """Like :func:`utc`, passing None through."""
    return None if moment is None else utc(moment)
