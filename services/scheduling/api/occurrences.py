"""``/v1/activities/{activity_id}/occurrences/{occurrence_start}``: move or cancel one occurrence of a series.

The change is published as a new full ``activity.published`` of the series (through the outbox), so every
reader of the partner topic sees the series as it now stands.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path
from fastapi.exceptions import RequestValidationError

from contracts import ActivityPublished, OrganisationUpdated
from scheduling.api.activities import CorrelationId
from scheduling.api.context import ActivityId, ApiContext, contract_of
from scheduling.api.errors import invalid, responses
from scheduling.api.schemas import Accepted, OccurrenceMove
from scheduling.service.publications import latest_version, stage_publication
from scheduling.store import SqlSchedulingUnitOfWork

OccurrenceStart = Annotated[
    datetime,
    Path(
        description="Start of the occurrence as the series schedules it, RFC 3339 with offset "
        "(for a moved occurrence: where it was before it moved).",
        examples=["2026-03-24T19:30:00+01:00"],
    ),
]


def occurrences_router(context: ApiContext) -> APIRouter:
    """The routes that change one occurrence of one of the key's organisation's series."""
    router = APIRouter(prefix="/v1/activities/{activity_id}/occurrences", tags=["activities"])
    Caller = Annotated[OrganisationUpdated, Depends(context.auth.caller())]  # noqa: N806

    @router.put(
        "/{occurrence_start}",
        status_code=202,
        summary="Move one occurrence of a series",
        description="Moves the occurrence the series schedules at `occurrence_start` to a new time and "
        "publishes the whole series again. Its conflicts move with it.",
        response_model=Accepted,
        responses=responses(404, 503),
    )
    async def move(
        activity_id: ActivityId,
        occurrence_start: OccurrenceStart,
        body: OccurrenceMove,
        caller: Caller,
        correlation_id: CorrelationId = None,
    ) -> Accepted:
        start = _aware(occurrence_start)
        moved = {"occurrence_start": start, "starts_at": body.starts_at, "ends_at": body.ends_at}

        def change(series: dict[str, Any]) -> dict[str, Any]:
            return {"overrides": [*_without(series["overrides"], start), moved]}

        return await _change(context, caller.slug, activity_id, change, correlation_id)

    @router.delete(
        "/{occurrence_start}",
        status_code=202,
        summary="Cancel one occurrence of a series",
        description="Cancels the occurrence the series schedules at `occurrence_start` (moved or not) and "
        "publishes the whole series again. Its conflicts resolve.",
        response_model=Accepted,
        responses=responses(404, 503),
    )
    async def cancel(
        activity_id: ActivityId,
        occurrence_start: OccurrenceStart,
        caller: Caller,
        correlation_id: CorrelationId = None,
    ) -> Accepted:
        start = _aware(occurrence_start)

        def change(series: dict[str, Any]) -> dict[str, Any]:
            return {"overrides": _without(series["overrides"], start), "exdates": [*series["exdates"], start]}

        return await _change(context, caller.slug, activity_id, change, correlation_id)

    return router


Change = Callable[[dict[str, Any]], dict[str, Any]]
"""The fields of a series to replace, given the series as it stands."""


async def _change(
    context: ApiContext, organisation: str, activity_id: str, change: Change, correlation_id: str | None
) -> Accepted:
    """Apply ``change`` to the series as last published and publish it whole, in one transaction."""
    await context.ensure_partner_topics(organisation)
    async with context.runtime.database.unit_of_work(SqlSchedulingUnitOfWork) as unit:
        payload = await latest_version(unit, (organisation, activity_id))
        if payload is None:
            raise HTTPException(404, f"{organisation} has no activity {activity_id!r} on the agenda")
        series = ActivityPublished.model_validate(payload).model_dump()
        changed = contract_of(series | change(series))
        await _schedulable(context, organisation, changed)
        event = stage_publication(unit, organisation, changed, correlation_id)
    return Accepted(event_id=str(event.event_id))


def _without(overrides: list[dict[str, Any]], start: datetime) -> list[dict[str, Any]]:
    return [o for o in overrides if o["occurrence_start"].timestamp() != start.timestamp()]


async def _schedulable(context: ApiContext, organisation: str, changed: ActivityPublished) -> None:
    """A 422 naming the path's ``occurrence_start`` or the body's ``starts_at`` when the change misfits."""
    try:
        await context.schedulable(organisation, changed)
    except RequestValidationError as error:
        [problem] = error.errors()
        loc = tuple(problem["loc"])
        if "starts_at" in loc[2:]:
            raise invalid(("body", "starts_at"), problem["msg"]) from None
        if "exdates" in loc or "occurrence_start" in loc:
            raise invalid(("path", "occurrence_start"), problem["msg"]) from None
        raise


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise invalid(("path", "occurrence_start"), "needs a time zone offset, e.g. +01:00 or Z")
    return moment
