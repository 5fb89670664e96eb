"""``/v1/figures`` and ``/v1/advice``: what the reports of all organisations say."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from contracts import ActivityKind, AdviceUpdated, OrganisationUpdated, TargetGroup
from reach.api.context import ApiContext, Wijk
from reach.domain import Figures, Observation, Season, Selection, advise, figures, observation
from reach.store import SqlReachUnitOfWork


def knowledge_router(context: ApiContext) -> APIRouter:
    """``/v1/figures`` and ``/v1/advice``: what the reports of all organisations say."""
    router = APIRouter(prefix="/v1", tags=["reach knowledge"])
    Caller = Annotated[OrganisationUpdated, Depends(context.auth.caller())]  # noqa: N806

    @router.get(
        "/figures",
        summary="Turnout against expectation, and the methods that go with turnout",
        description="Over the reports matching every filter given. Each figure carries the number of "
        "reports it rests on; with fewer than the minimum only that number is given (`shown` false). "
        "`turnout_ratio` is attendance over expected attendance summed over the reports that had an "
        "expectation; `reached_low`/`reached_high` bound the share that reached it (95% Wilson interval).",
    )
    async def get_figures(
        _: Caller,
        wijk: Wijk = None,
        target_group: Annotated[TargetGroup | None, Query()] = None,
        kind: Annotated[ActivityKind | None, Query()] = None,
        season: Annotated[Season | None, Query()] = None,
    ) -> Figures:
        seen = await _observations(context)
        selection = Selection(wijk=wijk, target_group=target_group, kind=kind, season=season)
        return figures(seen, selection, context.minimum_reports)

    @router.get(
        "/advice",
        summary="Reach advice for a wijk, target group and kind",
        description="As published on `reach.advice`: the methods that reached this group here, the "
        "languages attendees spoke, and earlier activities to ask about.",
        response_model=AdviceUpdated,
    )
    async def get_advice(
        _: Caller,
        wijk: Annotated[str, Query(pattern=r"^WK\d{6}$", description="CBS wijk code.")],
        target_group: Annotated[TargetGroup, Query()],
        kind: Annotated[ActivityKind, Query()],
    ) -> AdviceUpdated:
        seen = await _observations(context)
        return advise(seen, wijk, target_group, kind, context.minimum_reports)

    return router


async def _observations(context: ApiContext) -> list[Observation]:
    async with context.runtime.database.unit_of_work(SqlReachUnitOfWork) as unit:
        return [observation(activity, report) for activity, report in await unit.reports.reported()]
