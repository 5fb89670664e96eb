"""``GET /v1/feed``: the live feed of conflict events as Server-Sent Events, resumable."""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from contracts import OrganisationRole, OrganisationUpdated
from notifications.channels import sse
from notifications.store import FeedRow
from werkplaats.auth import Authenticator
from werkplaats.db import Database


def feed_router(database: Database, auth: Authenticator) -> APIRouter:
    """The live feed route."""
    router = APIRouter(prefix="/v1", tags=["feed"])
    Operations = Annotated[OrganisationUpdated, Depends(auth.caller(OrganisationRole.OPERATIONS))]  # noqa: N806

    async def read_after(after: int, limit: int) -> Sequence[sse.Entry]:
        async with database.sessions() as session:
            rows = await session.execute(
                select(FeedRow.id, FeedRow.event_type, FeedRow.data)
                .where(FeedRow.id > after)
                .order_by(FeedRow.id)
                .limit(limit)
            )
            return [(int(number), str(kind), dict(data)) for number, kind, data in rows]

    @router.get(
        "/feed",
        summary="Conflict events as Server-Sent Events; resume with Last-Event-ID",
        response_class=StreamingResponse,
    )
    async def feed(
        _: Operations,
        last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
        after: Annotated[
            int | None, Query(ge=0, description="Resume after this entry (as Last-Event-ID).")
        ] = None,
        follow: Annotated[bool, Query(description="Keep the stream open for new entries.")] = True,
    ) -> StreamingResponse:
        start = after if after is not None else sse.resume_point(last_event_id)
        frames = sse.stream(read_after, start, follow=follow)
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(frames, media_type="text/event-stream", headers=headers)

    return router
