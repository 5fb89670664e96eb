"""``/v1/activities``: publish, withdraw and dry-run a draft, always in the key's organisation's name."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query

from contracts import ActivityPublished, ActivityWithdrawn, OrganisationUpdated
from scheduling.api.context import ActivityId, ApiContext, contract_of
from scheduling.api.errors import invalid, reject_unsafe_text, responses
from scheduling.api.schemas import Accepted, ActivityBody, CheckBody, CheckResult
from scheduling.service.publications import latest_version, stage_publication
from scheduling.store import SqlSchedulingUnitOfWork

CorrelationId = Annotated[
    str | None,
    Header(
        alias="X-Correlation-ID",
        max_length=100,
        pattern=r"^[\x21-\x7e]+$",
        description="Carried into the event's `correlation_id`.",
    ),
]


def activities_router(context: ApiContext) -> APIRouter:
    """The routes under ``/v1/activities``; both roles publish their own organisation's activities."""
    router = APIRouter(prefix="/v1/activities", tags=["activities"])
    Caller = Annotated[OrganisationUpdated, Depends(context.auth.caller())]  # noqa: N806

    @router.post(
        "/check",
        summary="Dry run: the conflicts a draft would cause",
        description="Checks the draft against the whole shared agenda (replacing the key's organisation's "
        "own activity with the same id) and returns each conflict as `conflict.detected` would announce "
        "it, with explanation and, for high severity, suggestions; beside them the reach advice for the "
        "draft's wijken, target groups and kind. Nothing is published.",
        response_model=CheckResult,
        responses=responses(400, 413, 503),
    )
    async def check(body: CheckBody, caller: Caller) -> CheckResult:
        reject_unsafe_text(body.model_dump(), ("body",))
        published = contract_of(body.model_dump())
        await context.schedulable(caller.slug, published)
        try:
            conflicts = (await context.need_view()).check(caller.slug, published, datetime.now(UTC))
        except (ValueError, OverflowError) as error:
            raise invalid(("body", "recurrence"), f"cannot be scheduled: {error}") from None
        advice = context.advice.for_draft(published) if context.advice is not None else []
        return CheckResult(conflicts=conflicts, reach_advice=advice)

    @router.put(
        "/{activity_id}",
        status_code=202,
        summary="Publish an activity (create or replace) as the key's organisation",
        description="Publishes `activity.published` on `partner.<org>.activities` of the key's "
        "organisation, which is always the organiser. Another organisation's activity with the same id "
        "is never touched: this creates or replaces the key's organisation's own.",
        response_model=Accepted,
        responses=responses(400, 413, 503),
    )
    async def publish(
        activity_id: ActivityId, body: ActivityBody, caller: Caller, correlation_id: CorrelationId = None
    ) -> Accepted:
        data = body.model_dump()
        reject_unsafe_text(data, ("body",))
        if body.activity_id is not None and body.activity_id != activity_id:
            raise invalid(("body", "activity_id"), f"must equal the activity_id in the path, {activity_id!r}")
        published = contract_of(data | {"activity_id": activity_id})
        await context.schedulable(caller.slug, published)
        return await stage(context, caller.slug, published, correlation_id)

    @router.delete(
        "/{activity_id}",
        status_code=202,
        summary="Withdraw one of the key's organisation's activities",
        description="Publishes `activity.withdrawn`. An activity the key's organisation does not have on "
        "the agenda (another organisation's included) is 404.",
        response_model=Accepted,
        responses=responses(404, 503),
    )
    async def withdraw(
        activity_id: ActivityId,
        caller: Caller,
        reason: Annotated[str | None, Query(max_length=500, description="Why it is withdrawn.")] = None,
        correlation_id: CorrelationId = None,
    ) -> Accepted:
        reject_unsafe_text(reason, ("query", "reason"))
        withdrawn = ActivityWithdrawn(activity_id=activity_id, reason=reason)
        return await stage(context, caller.slug, withdrawn, correlation_id)

    return router


async def stage(
    context: ApiContext,
    organisation: str,
    data: ActivityPublished | ActivityWithdrawn,
    correlation_id: str | None,
) -> Accepted:
    """Stage the event on the organisation's topic through the outbox (a withdrawal needs the activity)."""
    await context.ensure_partner_topics(organisation)
    async with context.runtime.database.unit_of_work(SqlSchedulingUnitOfWork) as unit:
        if isinstance(data, ActivityWithdrawn):
            held = await latest_version(unit, (organisation, data.activity_id))
            if held is None:
                raise HTTPException(404, f"{organisation} has no activity {data.activity_id!r} on the agenda")
        event = stage_publication(unit, organisation, data, correlation_id)
    return Accepted(event_id=str(event.event_id))
