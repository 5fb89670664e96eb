"""``/v1/subscriptions`` and ``/v1/organisations/{slug}/webhook``: operations keys only."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Response
from fastapi.exceptions import RequestValidationError

from contracts import OrganisationRole, OrganisationUpdated
from contracts.envelope import SLUG_PATTERN
from notifications.service import subscriptions
from werkplaats.auth import Authenticator
from werkplaats.db import Database
from werkplaats.outbound import GuardedClient, OutboundError


def subscriptions_router(database: Database, auth: Authenticator, outbound: GuardedClient) -> APIRouter:
    """Routes that manage who hears about conflicts."""
    router = APIRouter(prefix="/v1", tags=["subscriptions"])
    Operations = Annotated[OrganisationUpdated, Depends(auth.caller(OrganisationRole.OPERATIONS))]  # noqa: N806
    Slug = Annotated[str, Path(pattern=SLUG_PATTERN)]  # noqa: N806

    @router.post("/subscriptions", status_code=201, summary="Subscribe a person or a webhook")
    async def create(
        request: subscriptions.SubscriptionRequest, caller: Operations
    ) -> subscriptions.SubscriptionView:
        if request.webhook is not None:
            await _reachable(outbound, str(request.webhook.url), ("body", "webhook", "url"))
        return await subscriptions.add_subscription(database, request, created_by=caller.slug)

    @router.get("/subscriptions", summary="Every subscription (secrets are never shown)")
    async def listing(_: Operations) -> list[subscriptions.SubscriptionView]:
        return await subscriptions.list_subscriptions(database)

    @router.delete("/subscriptions/{subscription_id}", status_code=204, summary="Remove a subscription")
    async def remove(subscription_id: str, _: Operations) -> Response:
        if not await subscriptions.remove_subscription(database, subscription_id):
            raise HTTPException(404, f"no subscription {subscription_id}")
        return Response(status_code=204)

    @router.put("/organisations/{slug}/webhook", status_code=204, summary="Set an organisation's webhook")
    async def set_webhook(
        slug: Slug, request: subscriptions.OrganisationWebhookRequest, _: Operations
    ) -> Response:
        await _reachable(outbound, str(request.url), ("body", "url"))
        await subscriptions.set_organisation_webhook(database, slug, request)
        return Response(status_code=204)

    @router.get("/organisations/webhooks", summary="Organisations' webhook URLs")
    async def webhooks(_: Operations) -> dict[str, str]:
        return await subscriptions.list_organisation_webhooks(database)

    @router.delete(
        "/organisations/{slug}/webhook", status_code=204, summary="Remove an organisation's webhook"
    )
    async def remove_webhook(slug: Slug, _: Operations) -> Response:
        if not await subscriptions.remove_organisation_webhook(database, slug):
            raise HTTPException(404, f"{slug} has no webhook")
        return Response(status_code=204)

    return router


async def _reachable(outbound: GuardedClient, url: str, loc: tuple[str, ...]) -> None:
    """A 422 naming the field unless the guarded client may send to ``url``."""
    try:
        await outbound.check(url, resolve=False)
    except OutboundError as error:
        raise RequestValidationError([{"loc": loc, "msg": str(error), "type": "value_error"}]) from None
