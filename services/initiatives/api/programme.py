"""Programme routes (an operations API key): privacy requests, builders, reports, the operations calendar."""

from datetime import date
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Body, Depends, Path, Response
from sqlalchemy import select

from contracts import OrganisationRole, OrganisationUpdated
from contracts.initiatives import INITIATIVE_ID_PATTERN
from initiatives import privacy, service, views
from initiatives.context import Context
from initiatives.store import ClosedDayRow, unit_of_work
from werkplaats.auth import Authenticator
from werkplaats.db import Database

log = structlog.get_logger(__name__)
InitiativeId = Annotated[
    str, Path(pattern=INITIATIVE_ID_PATTERN, description="The reference, INI-XXXX-XXXX.")
]


def programme_router(database: Database, context: Context, auth: Authenticator) -> APIRouter:
    """Routes for the programme's operations staff."""
    router = APIRouter(prefix="/v1", tags=["programme"])
    Staff = Annotated[OrganisationUpdated, Depends(auth.caller(OrganisationRole.OPERATIONS))]  # noqa: N806

    @router.get("/initiatives/{initiative_id}/personal-data", summary="Export for the initiator")
    async def export(initiative_id: InitiativeId, caller: Staff) -> dict[str, Any]:
        async with unit_of_work(database) as unit:
            document = await privacy.export(context, unit, initiative_id)
        log.info("personal_data_exported", initiative_id=initiative_id, by=caller.slug)
        return document

    @router.delete("/initiatives/{initiative_id}/personal-data", status_code=204, summary="Erase on request")
    async def erase(initiative_id: InitiativeId, caller: Staff) -> Response:
        async with unit_of_work(database) as unit:
            await privacy.erase(context, unit, initiative_id, everything=True)
        log.info("personal_data_erased", initiative_id=initiative_id, by=caller.slug)
        return Response(status_code=204)

    @router.get("/builders", summary="The community builders and the wijken they cover")
    async def builders(_: Staff) -> list[dict[str, Any]]:
        async with unit_of_work(database) as unit:
            loads = await service.open_loads(unit)
        return [
            {"id": b.id, "pseudonym": b.pseudonym, "wijken": list(b.wijken), "open": loads.get(b.id, 0)}
            for b in context.builders
        ]

    @router.get("/reports/initiatives", summary="Programme figures as JSON or CSV")
    async def report(_: Staff, format: Literal["json", "csv"] = "json") -> Any:
        async with database.sessions() as session:
            figures = await views.report(session)
        if format == "csv":
            return Response(views.report_csv(figures), media_type="text/csv; charset=utf-8")
        return figures

    @router.get("/closed-days", summary="The operations calendar: days that are not working days")
    async def closed_days(_: Staff) -> list[dict[str, str]]:
        async with database.sessions() as session:
            rows = await session.scalars(select(ClosedDayRow).order_by(ClosedDayRow.day))
            return [{"day": row.day.isoformat(), "reason": row.reason} for row in rows.all()]

    @router.put("/closed-days/{day}", status_code=204, summary="Close a day")
    async def close_day(
        day: date, reason: Annotated[str, Body(embed=True, min_length=1, max_length=200)], _: Staff
    ) -> Response:
        async with unit_of_work(database) as unit:
            await unit.closed_days.close(day, reason)
        return Response(status_code=204)

    @router.delete("/closed-days/{day}", status_code=204, summary="Open a closed day again")
    async def open_day(day: date, _: Staff) -> Response:
        async with unit_of_work(database) as unit:
            await unit.closed_days.reopen(day)
        return Response(status_code=204)

    return router
