"""Webhook signing secrets, read when a delivery is sent: a delivery keeps only who it is for."""

from __future__ import annotations

from sqlalchemy import select

from notifications.store.tables import OrganisationWebhookRow, SubscriptionRow
from werkplaats.db import Database


async def webhook_secret(database: Database, recipient_ref: str) -> str | None:
    """The current secret of ``recipient_ref`` (``subscription:<id>`` or ``organisation:<slug>``)."""
    kind, _, ref = recipient_ref.partition(":")
    if kind == "subscription":
        query = select(SubscriptionRow.webhook_secret).where(SubscriptionRow.subscription_id == ref)
    elif kind == "organisation":
        query = select(OrganisationWebhookRow.secret).where(OrganisationWebhookRow.organisation == ref)
    else:
        return None
    async with database.sessions() as session:
        return await session.scalar(query)
