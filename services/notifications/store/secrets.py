"""Webhook signing secrets, read when a delivery is sent: a delivery keeps only who it is for."""

from __future__ import annotations

from collections.abc import Iterable

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


async def webhook_secrets(database: Database, recipient_refs: Iterable[str]) -> dict[str, str | None]:
    """The current secret of each of ``recipient_refs``, read in one session (None: no webhook)."""
    wanted = set(recipient_refs)
    ids = {ref.partition(":")[2] for ref in wanted if ref.startswith("subscription:")}
    slugs = {ref.partition(":")[2] for ref in wanted if ref.startswith("organisation:")}
    found: dict[str, str | None] = dict.fromkeys(wanted)
    async with database.sessions() as session:
        if ids:
            rows = await session.execute(
                select(SubscriptionRow.subscription_id, SubscriptionRow.webhook_secret).where(
                    SubscriptionRow.subscription_id.in_(ids)
                )
            )
            found.update({f"subscription:{ref}": secret for ref, secret in rows})
        if slugs:
            rows = await session.execute(
                select(OrganisationWebhookRow.organisation, OrganisationWebhookRow.secret).where(
                    OrganisationWebhookRow.organisation.in_(slugs)
                )
            )
            found.update({f"organisation:{ref}": secret for ref, secret in rows})
    return found
