"""Volunteers near their allowance caps, for the centre's coordinator (and staff), from the read model."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from dashboard.api.context import WebContext
from dashboard.api.rendering import AMSTERDAM
from dashboard.api.security import ForbiddenError, require
from dashboard.service import volunteers

CentreId = Path(pattern=r"^[A-Za-z0-9._:-]{1,100}$")


def volunteers_router(web: WebContext) -> APIRouter:
    """``/centra/{centre_id}/vrijwilligers``."""
    router = APIRouter()

    @router.get("/centra/{centre_id}/vrijwilligers", response_class=HTMLResponse, include_in_schema=False)
    async def near_cap(request: Request, centre_id: str = CentreId) -> Response:
        person = require(await web.person(request))
        if not person.may_see_centre(centre_id):
            raise ForbiddenError
        today = datetime.now(AMSTERDAM).date()
        async with web.database.sessions() as session:
            rows = await volunteers.near_cap(session, centre_id, today)
        context = {"centre_id": centre_id, "rows": rows, "today": today}
        return web.page(request, person, "volunteers.html", context)

    return router
