"""Managing subscriptions and organisations' webhooks (use cases shared by the HTTP API and the CLI)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal, Self

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import delete, select

from contracts import Severity
from contracts.activities import NEIGHBOURHOOD_PATTERN
from contracts.envelope import SLUG_PATTERN
from notifications.store import OrganisationWebhookRow, SubscriptionRow
from werkplaats.db import Database

EMAIL_PATTERN = r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$"
Neighbourhood = Annotated[str, Field(pattern=NEIGHBOURHOOD_PATTERN)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
EventType = Literal[
    "conflict.detected",
    "conflict.resolved",
    "conflict.acknowledged",
    "reach.report_due",
    "reach.promise_overdue",
]


class WebhookTarget(BaseModel):
    """A webhook: where to POST and the secret the signature is made with."""

    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl = Field(description="http(s) URL that receives the POSTs.")
    secret: str = Field(
        min_length=16, max_length=200, description="Shared secret of the HMAC-SHA256 signature."
    )


class SubscriptionRequest(BaseModel):
    """A new subscription: exactly one of ``email`` or ``webhook``, filters, and how to deliver."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(
        default=None, max_length=320, pattern=EMAIL_PATTERN, description="A person's address."
    )
    webhook: WebhookTarget | None = Field(default=None, description="Or a webhook.")
    event_types: list[EventType] = Field(
        default=["conflict.detected", "conflict.resolved"],
        min_length=1,
        description="Which events to hear about: conflict events, and reach reminders "
        "(`reach.report_due`, `reach.promise_overdue`; these name no neighbourhood, so a subscription "
        "filtered on neighbourhoods does not get them).",
    )
    min_severity: Severity = Field(default=Severity.LOW, description="The least severity to hear about.")
    neighbourhoods: list[Neighbourhood] = Field(
        default_factory=list, description="CBS codes (a wijk covers its buurten); empty means all."
    )
    organisations: list[Slug] = Field(
        default_factory=list, description="Organisation slugs; empty means all."
    )
    delivery: Literal["immediate", "digest"] = Field(default="immediate", description="At once, or daily.")
    digest_at: str | None = Field(
        default=None,
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="HH:MM, Europe/Amsterdam, for digests.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.email is None) == (self.webhook is None):
            raise ValueError("give exactly one of `email` or `webhook`")
        if self.delivery == "digest" and self.digest_at is None:
            raise ValueError("`digest_at` (HH:MM) is required when `delivery` is digest")
        return self


class SubscriptionView(BaseModel):
    """A stored subscription as shown to operations (the webhook secret never leaves the service)."""

    subscription_id: str
    email: str | None
    webhook_url: str | None
    event_types: list[str]
    min_severity: str
    neighbourhoods: list[str]
    organisations: list[str]
    delivery: str
    digest_at: str | None
    created_by: str
    created_at: datetime


class OrganisationWebhookRequest(BaseModel):
    """An organisation's webhook, used instead of its contact address."""

    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl = Field(description="http(s) URL that receives the POSTs.")
    secret: str = Field(min_length=16, max_length=200, description="Shared secret of the signature.")


def view(row: SubscriptionRow) -> SubscriptionView:
    """The public view of a subscription."""
    return SubscriptionView(
        subscription_id=row.subscription_id,
        email=row.email,
        webhook_url=row.webhook_url,
        event_types=row.event_types,
        min_severity=row.min_severity,
        neighbourhoods=row.neighbourhoods,
        organisations=row.organisations,
        delivery=row.mode,
        digest_at=row.digest_at,
        created_by=row.created_by,
        created_at=row.created_at,
    )


async def add_subscription(
    database: Database, request: SubscriptionRequest, *, created_by: str
) -> SubscriptionView:
    """Store a subscription; it applies to conflict events decided from now on."""
    row = SubscriptionRow(
        subscription_id=str(uuid.uuid4()),
        email=request.email,
        webhook_url=str(request.webhook.url) if request.webhook else None,
        webhook_secret=request.webhook.secret if request.webhook else None,
        event_types=list(dict.fromkeys(request.event_types)),
        min_severity=request.min_severity.value,
        neighbourhoods=sorted(set(request.neighbourhoods)),
        organisations=sorted(set(request.organisations)),
        mode=request.delivery,
        digest_at=request.digest_at,
        created_by=created_by,
        created_at=datetime.now(UTC),
    )
    async with database.transaction() as session:
        session.add(row)
    return view(row)


async def list_subscriptions(database: Database) -> list[SubscriptionView]:
    """Every subscription, oldest first."""
    async with database.sessions() as session:
        rows = await session.scalars(select(SubscriptionRow).order_by(SubscriptionRow.created_at))
        return [view(row) for row in rows]


async def remove_subscription(database: Database, subscription_id: str) -> bool:
    """Delete a subscription; False when there was none with that id."""
    async with database.transaction() as session:
        result = await session.execute(
            delete(SubscriptionRow).where(SubscriptionRow.subscription_id == subscription_id)
        )
    return bool(getattr(result, "rowcount", 0))


async def set_organisation_webhook(
    database: Database, slug: str, request: OrganisationWebhookRequest
) -> None:
    """Register (or replace) an organisation's webhook."""
    async with database.transaction() as session:
        row = await session.get(OrganisationWebhookRow, slug)
        if row is None:
            row = OrganisationWebhookRow(organisation=slug, created_at=datetime.now(UTC))
            session.add(row)
        row.url, row.secret = str(request.url), request.secret


async def list_organisation_webhooks(database: Database) -> dict[str, str]:
    """URL of each organisation's webhook, by slug (secrets stay stored)."""
    async with database.sessions() as session:
        rows = await session.scalars(
            select(OrganisationWebhookRow).order_by(OrganisationWebhookRow.organisation)
        )
        return {row.organisation: row.url for row in rows}


async def remove_organisation_webhook(database: Database, slug: str) -> bool:
    """Remove an organisation's webhook; it is told by e-mail again."""
    async with database.transaction() as session:
        result = await session.execute(
            delete(OrganisationWebhookRow).where(OrganisationWebhookRow.organisation == slug)
        )
    return bool(getattr(result, "rowcount", 0))


__all__ = [
    "OrganisationWebhookRequest",
    "SubscriptionRequest",
    "SubscriptionView",
    "add_subscription",
    "list_subscriptions",
    "remove_subscription",
]
