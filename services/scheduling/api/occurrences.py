"""``/v1/activities/{activity_id}/occurrences/{occurrence_start}``: move or cancel one occurrence of a series.

The change is published as a new full ``activity.published`` of the series (through the outbox), so every
reader of the partner topic sees the series as it now stands.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from contracts import ActivityPublished, OrganisationUpdated
from scheduling.api.activities import CorrelationId, stage
from scheduling.api.context import ActivityId, ApiContext, contract_of
from scheduling.api.errors import invalid, responses
from scheduling.api.schemas import Accepted, OccurrenceMove
from scheduling.store import ActivityRow

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
        series = await _series(context, caller.slug, activity_id)
        start = _aware(occurrence_start)
        overrides = [o for o in series["overrides"] if _at(o["occurrence_start"]) != start]
        overrides.append({"occurrence_start": start, "starts_at": body.starts_at, "ends_at": body.ends_at})
        changed = _changed(series, overrides=overrides)
        await _schedulable(context, caller.slug, changed)
        return await stage(context, caller.slug, changed, correlation_id)

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
        series = await _series(context, caller.slug, activity_id)
        start = _aware(occurrence_start)
        overrides = [o for o in series["overrides"] if _at(o["occurrence_start"]) != start]
        changed = _changed(series, overrides=overrides, exdates=[*series["exdates"], start])
        await _schedulable(context, caller.slug, changed)
        return await stage(context, caller.slug, changed, correlation_id)

    return router


async def _series(context: ApiContext, organisation: str, activity_id: str) -> dict[str, Any]:
    """The series as the scheduler holds it; 404 when the organisation has no such activity."""
    async with context.runtime.database.transaction() as session:
        held = await session.get(ActivityRow, (organisation, activity_id))
    if held is None:
        raise HTTPException(404, f"{organisation} has no activity {activity_id!r} on the agenda")
    return ActivityPublished.model_validate(held.payload).model_dump()


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


def _changed(series: dict[str, Any], **changes: Any) -> ActivityPublished:
    """The series with ``changes``; a 422 naming the field when it no longer is a valid activity."""
    try:
        return ActivityPublished.model_validate(series | changes)
    except ValidationError:
        return contract_of(series | changes)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise invalid(("path", "occurrence_start"), "needs a time zone offset, e.g. +01:00 or Z")
    return moment


def _at(moment: datetime) -> float:
    return moment.timestamp()
