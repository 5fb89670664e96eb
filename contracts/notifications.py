"""Outcomes of notification deliveries on ``notifications.deliveries`` (no personal data, no secrets)."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field

from contracts.envelope import EventData


class Channel(StrEnum):
    """How a notification travels."""

    EMAIL = "email"
    WEBHOOK = "webhook"


class RecipientKind(StrEnum):
    """Why the recipient was notified."""

    SUBSCRIPTION = "subscription"
    ORGANISATION = "organisation"
    BUILDER = "builder"
    """A community builder told about an initiative assigned to them (ref ``builder:<pseudonymous id>``)."""
    INITIATOR = "initiator"
    """An initiative's initiator (ref ``initiator:<initiative id>``); the address stays with initiatives."""


class _DeliveryOutcome(EventData):
    """What both outcomes say about one delivery."""

    notification_id: str = Field(
        description="Stable id of the delivery; webhooks carry it as `X-Werkplaats-Delivery`, "
        "e-mails in their Message-ID."
    )
    conflict_id: str | None = Field(
        default=None, description="The conflict the notification is about; null for a digest."
    )
    announced_type: str = Field(
        description="The event type announced: `conflict.detected`, `conflict.resolved`, "
        "`conflict.acknowledged`, `digest`, `initiative.overdue`, `initiative.conflict_attached` or "
        "`initiative.subsidy_deadline_approaching`."
    )
    channel: Channel = Field(description="`email` or `webhook`.")
    recipient_kind: RecipientKind = Field(
        description="`subscription` (someone subscribed), `organisation` (an organisation involved), "
        "`builder` (a community builder) or `initiator` (an initiative's initiator)."
    )
    recipient_ref: str = Field(
        description="A non-personal reference: `subscription:<id>`, `organisation:<slug>`, "
        "`builder:<pseudonymous id>` or `initiator:<initiative id>`; never an address, URL or secret."
    )
    attempts: int = Field(ge=1, description="Tries made, this one included.")
    follow_up: bool = Field(
        default=False, description="True when this announces a change held back by the quiet period."
    )


class NotificationDelivered(_DeliveryOutcome):
    """A notification reached its recipient (SMTP accepted it, or the webhook answered 2xx)."""

    event_type: ClassVar[str] = "notification.delivered"

    delivered_at: AwareDatetime = Field(description="When the recipient accepted it.")


class NotificationFailed(_DeliveryOutcome):
    """A notification could not be delivered within the retry budget; it was dead-lettered."""

    event_type: ClassVar[str] = "notification.failed"

    failed_at: AwareDatetime = Field(description="When it was given up.")
    reason: str = Field(
        max_length=500, description="Why the last try failed (status code or error class; no addresses)."
    )
