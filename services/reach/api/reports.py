"""``/v1/activities/{activity_id}/reports``, ``/v1/reports/due``, ``/v1/promises/overdue``.

Reports are published on the organisation's ``partner.<org>.reports`` topic through the outbox, so they
take the same path as reports published on Kafka.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts import (
    ActivityReported,
    OrganisationRole,
    OrganisationUpdated,
    PromiseOverdue,
    ReportDue,
    new_event,
)
from contracts.activities import ACTIVITY_ID_PATTERN
from contracts.reach import report_key
from contracts.topics import partner_reports, partner_topics
from reach.api.context import ActivityId, ApiContext, OnBehalfOf, acting_for, invalid
from reach.domain import refusal_of
from reach.store import SqlReachUnitOfWork

EXAMPLE_REPORT: dict[str, Any] = {
    "occurrence_start": "2026-03-24T19:30:00+01:00",
    "attendance": 58,
    "reach_methods": ["door_to_door", "key_figure", "whatsapp_group"],
    "languages": ["nl", "tr", "ar"],
    "attendee_languages": ["nl", "tr", "ar"],
    "interpreter": True,
    "childcare": True,
    "accessible": True,
    "input_summary": "Zorgen over tocht en schimmel; wens voor een speelplek aan de binnenkant van het blok.",
    "follow_up": {
        "action": "De wensen gaan mee in het renovatieplan; de architect past het ontwerp aan.",
        "residents_hear_back_by": "2026-05-01",
    },
}


class ReportBody(ActivityReported):
    """A report as an organiser sends it over HTTP; the activity is the one in the path."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_REPORT]})

    activity_id: str | None = Field(  # type: ignore[assignment]
        default=None,
        pattern=ACTIVITY_ID_PATTERN,
        description="May be left out; when given it must equal the `activity_id` in the path.",
    )


class Accepted(BaseModel):
    """The report was stored and will be published; the reach service takes it in within moments."""

    event_id: str = Field(description="`event_id` of the `activity.reported` event.")


def reports_router(context: ApiContext) -> APIRouter:
    """``/v1/activities/{activity_id}/reports``: report as the key's organisation, read its own reports."""
    router = APIRouter(prefix="/v1/activities", tags=["reports"])
    Caller = Annotated[OrganisationUpdated, Depends(context.auth.caller())]  # noqa: N806

    @router.post(
        "/{activity_id}/reports",
        status_code=202,
        summary="Report how an occurrence of one of the key's organisation's activities went",
        description="Publishes `activity.reported` on `partner.<org>.reports`. Only the organiser reports "
        "on its activities: another organisation's activity is 404. Participation kinds must say what will "
        "be done with residents' input and by when they hear back (`follow_up`). Free text with an e-mail "
        "address or phone number is refused (422 naming the field).",
        response_model=Accepted,
        responses={404: {"description": "No such activity of this organisation"}, 422: {}, 503: {}},
    )
    async def report(
        activity_id: ActivityId, body: ReportBody, caller: Caller, organisation: OnBehalfOf = None
    ) -> Accepted:
        slug = acting_for(caller, organisation)
        if body.activity_id is not None and body.activity_id != activity_id:
            raise invalid(("body", "activity_id"), f"must equal the activity_id in the path, {activity_id!r}")
        try:
            reported = ActivityReported.model_validate(body.model_dump() | {"activity_id": activity_id})
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            raise invalid(("body", *map(str, first["loc"])), first["msg"]) from None
        try:
            await context.runtime.ensure_topics(partner_topics(slug))
        except Exception as error:  # noqa: BLE001 - any broker failure is a 503
            raise HTTPException(503, f"the broker does not answer: {type(error).__name__}") from None
        event = new_event(reported, source=slug)
        async with context.runtime.database.unit_of_work(SqlReachUnitOfWork) as unit:
            activity = await unit.activities.get(slug, activity_id)
            refusal = refusal_of(slug, activity, reported, datetime.now(UTC))
            if refusal is not None and refusal.field == "activity_id":
                raise HTTPException(404, refusal.reason)
            if refusal is not None:
                raise invalid(("body", refusal.field), refusal.reason)
            unit.publish(partner_reports(slug), event, key=report_key(reported))
        return Accepted(event_id=str(event.event_id))

    @router.get(
        "/{activity_id}/reports",
        summary="The reports the key's organisation made on one of its activities",
        response_model=list[ActivityReported],
    )
    async def reports_of(activity_id: ActivityId, caller: Caller) -> list[ActivityReported]:
        async with context.runtime.database.unit_of_work(SqlReachUnitOfWork) as unit:
            return await unit.reports.of_activity(caller.slug, activity_id)

    return router


def follow_up_router(context: ApiContext) -> APIRouter:
    """``/v1/reports/due`` and ``/v1/promises/overdue``: what organisers and operations should act on."""
    router = APIRouter(prefix="/v1", tags=["reports"])
    Caller = Annotated[OrganisationUpdated, Depends(context.auth.caller())]  # noqa: N806
    Operations = Annotated[  # noqa: N806
        OrganisationUpdated, Depends(context.auth.caller(OrganisationRole.OPERATIONS))
    ]

    @router.get(
        "/reports/due",
        summary="The reports due and missing of the key's organisation (or, operations, of the one named)",
        description="Occurrences that ended at least `REACH_REPORT_AFTER_DAYS` ago without a report, "
        "not older than the reminder window; the oldest first.",
        response_model=list[ReportDue],
    )
    async def due(caller: Caller, organisation: OnBehalfOf = None) -> list[ReportDue]:
        slug = acting_for(caller, organisation)
        async with context.runtime.database.unit_of_work(SqlReachUnitOfWork) as unit:
            return await context.reach.due_reports(unit, slug)

    @router.get(
        "/promises/overdue",
        summary="Promises to residents past their date without a follow-up (operations keys only)",
        response_model=list[PromiseOverdue],
    )
    async def overdue(_: Operations) -> list[PromiseOverdue]:
        async with context.runtime.database.unit_of_work(SqlReachUnitOfWork) as unit:
            return await context.reach.overdue_promises(unit)

    return router
