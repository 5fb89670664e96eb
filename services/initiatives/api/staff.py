"""Staff routes (an operations API key): intake, support, subsidy fit, activities, privacy, reports."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response

from contracts import OrganisationRole, OrganisationUpdated
from contracts.initiatives import INITIATIVE_ID_PATTERN, InitiativeStatus, InitiativeSubsidyChecked
from initiatives import agenda, service, views
from initiatives.api.public import Confirmation, confirmation_of
from initiatives.context import Context
from initiatives.forms import (
    Milestone,
    PlannedActivity,
    Reassignment,
    Registration,
    StatusChange,
    SubsidyQuestion,
    SupportEntry,
)
from initiatives.store import unit_of_work
from werkplaats.auth import Authenticator
from werkplaats.db import Database

InitiativeId = Annotated[
    str, Path(pattern=INITIATIVE_ID_PATTERN, description="The reference, INI-XXXX-XXXX.")
]
ActivityName = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,60}$", description="The activity's own name.")]


def staff_router(database: Database, context: Context, auth: Authenticator) -> APIRouter:
    """Routes for operations staff and community builders (through the dashboard's operations key)."""
    router = APIRouter(prefix="/v1", tags=["staff"])
    Staff = Annotated[OrganisationUpdated, Depends(auth.caller(OrganisationRole.OPERATIONS))]  # noqa: N806

    @router.post(
        "/initiatives", status_code=201, summary="Register an idea taken by phone, e-mail or counter"
    )
    async def register(form: Registration, _: Staff) -> Confirmation:
        async with unit_of_work(database) as unit:
            receipt = await service.submit(context, unit, form)
        return confirmation_of(receipt)

    @router.get(
        "/initiatives/{initiative_id}/contact-address",
        summary="The initiator's e-mail address, for the notifications service to send a reminder to",
    )
    async def contact_address(initiative_id: InitiativeId, _: Staff) -> dict[str, str | None]:
        async with database.sessions() as session:
            return await views.contact_address(context, session, initiative_id)

    @router.get("/initiatives", summary="Initiatives, newest first")
    async def listing(
        _: Staff,
        status: Annotated[InitiativeStatus | None, Query()] = None,
        wijk: Annotated[str | None, Query(pattern=r"^WK\d{6}$")] = None,
        builder_id: Annotated[str | None, Query(pattern=r"^cb-[a-z0-9-]{1,40}$")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[dict[str, Any]]:
        async with database.sessions() as session:
            return await views.list_initiatives(
                context,
                session,
                status=status.value if status else None,
                wijk=wijk,
                builder_id=builder_id,
                limit=limit,
                offset=offset,
            )

    @router.get(
        "/initiatives/{initiative_id}", summary="One initiative with its log, activities and conflicts"
    )
    async def detail(initiative_id: InitiativeId, _: Staff) -> dict[str, Any]:
        async with database.sessions() as session:
            return await views.detail(context, session, initiative_id)

    @router.post("/initiatives/{initiative_id}/assignment", status_code=204, summary="Reassign")
    async def reassign(initiative_id: InitiativeId, form: Reassignment, _: Staff) -> Response:
        async with unit_of_work(database) as unit:
            await service.reassign(context, unit, initiative_id, form)
        return Response(status_code=204)

    @router.post("/initiatives/{initiative_id}/status", status_code=204, summary="Move in the lifecycle")
    async def change_status(initiative_id: InitiativeId, form: StatusChange, _: Staff) -> Response:
        async with unit_of_work(database) as unit:
            await service.change_status(context, unit, initiative_id, form)
        return Response(status_code=204)

    @router.post("/initiatives/{initiative_id}/support", status_code=201, summary="Log support")
    async def support(initiative_id: InitiativeId, form: SupportEntry, _: Staff) -> dict[str, str]:
        async with unit_of_work(database) as unit:
            entry_id = await service.log_support(context, unit, initiative_id, form)
        return {"entry_id": entry_id}

    @router.post("/initiatives/{initiative_id}/milestones", status_code=201, summary="Plan a milestone")
    async def milestone(initiative_id: InitiativeId, form: Milestone, _: Staff) -> dict[str, str]:
        async with unit_of_work(database) as unit:
            milestone_id = await service.add_milestone(context, unit, initiative_id, form)
        return {"milestone_id": milestone_id}

    @router.post(
        "/initiatives/{initiative_id}/milestones/{milestone_id}/reached", status_code=204, summary="Reached"
    )
    async def reached(
        initiative_id: InitiativeId, milestone_id: str, on: Annotated[date, Body(embed=True)], _: Staff
    ) -> Response:
        async with unit_of_work(database) as unit:
            await service.reach_milestone(context, unit, initiative_id, milestone_id, on)
        return Response(status_code=204)

    @router.post(
        "/initiatives/{initiative_id}/subsidy-check", summary="Which subsidy fits, and what is missing"
    )
    async def subsidy(
        initiative_id: InitiativeId, question: SubsidyQuestion, _: Staff
    ) -> InitiativeSubsidyChecked:
        async with unit_of_work(database) as unit:
            return await service.check_subsidy(context, unit, initiative_id, question)

    @router.put(
        "/initiatives/{initiative_id}/activities/{name}", status_code=202, summary="Plan an activity (agenda)"
    )
    async def plan(
        initiative_id: InitiativeId, name: ActivityName, form: PlannedActivity, _: Staff
    ) -> dict[str, str]:
        async with unit_of_work(database) as unit:
            activity_id = await agenda.plan_activity(context, unit, initiative_id, name, form)
        return {"activity_id": activity_id}

    @router.delete("/initiatives/{initiative_id}/activities/{name}", status_code=202, summary="Withdraw it")
    async def withdraw(initiative_id: InitiativeId, name: ActivityName, _: Staff) -> Response:
        async with unit_of_work(database) as unit:
            await agenda.withdraw_activity(context, unit, initiative_id, name)
        return Response(status_code=202)

    return router
