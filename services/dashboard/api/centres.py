"""Centres: rooms and their bookings, budget against actuals, subsidy deadlines, the programme's figure.

Every call goes server-side to the centres service with the dashboard's operations key, saying for
whom (``X-Acting-Role``, ``X-Acting-Centre``); a coordinator's request for another centre is refused
here already and never sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from dashboard.api.context import WebContext
from dashboard.api.rendering import AMSTERDAM
from dashboard.api.security import ForbiddenError, require
from dashboard.domain import Person, Role
from dashboard.owners import OwnerRefusedError, OwnerUnavailableError

CentreId = Path(pattern=r"^[A-Za-z0-9._:-]{1,100}$")


def acting_for(person: Person) -> dict[str, str]:
    """The headers that tell the centres service for whom the dashboard asks."""
    if person.role is Role.COORDINATOR:
        return {"X-Acting-Role": "coordinator", "X-Acting-Centre": person.centre_id or ""}
    return {"X-Acting-Role": "staff"}


def centres_router(web: WebContext) -> APIRouter:
    """``/centra`` and ``/centra/{centre_id}``."""
    router = APIRouter()

    async def ask(person: Person, path: str) -> Any:
        return await web.centres.call("GET", path, headers=acting_for(person))

    def unavailable(request: Request, person: Person) -> Response:
        message = web.text(request, "The centres service does not answer; try again in a moment.")
        return web.page(
            request,
            person,
            "centres.html",
            {"unavailable": message, "centres": [], "figures": None},
            status=503,
        )

    @router.get("/centra", response_class=HTMLResponse, include_in_schema=False)
    async def overview(request: Request) -> Response:
        person = require(await web.person(request))
        year = datetime.now(AMSTERDAM).year
        try:
            listed = await ask(person, "/v1/centres")
            figures = await ask(person, f"/v1/figures/{year}")
        except OwnerUnavailableError:
            return unavailable(request, person)
        centres = [centre for centre in listed if person.may_see_centre(str(centre["centre_id"]))]
        if person.role is Role.COORDINATOR and figures:
            figures = {
                **figures,
                "centres": [c for c in figures["centres"] if c["centre_id"] == person.centre_id],
            }
        return web.page(
            request, person, "centres.html", {"centres": centres, "figures": figures, "year": year}
        )

    @router.get("/centra/{centre_id}", response_class=HTMLResponse, include_in_schema=False)
    async def centre(request: Request, centre_id: str = CentreId) -> Response:
        person = require(await web.person(request))
        if not person.may_see_centre(centre_id):
            raise ForbiddenError
        year = datetime.now(AMSTERDAM).year
        try:
            found = await ask(person, f"/v1/centres/{centre_id}")
            budget = await ask(person, f"/v1/centres/{centre_id}/budgets/{year}")
            subsidies = await ask(person, f"/v1/centres/{centre_id}/subsidies")
            bookings = await ask(person, f"/v1/centres/{centre_id}/bookings")
        except OwnerRefusedError as refusal:
            if refusal.status == 404:
                return web.page(request, person, "not_found.html", status=404)
            raise ForbiddenError from None
        except OwnerUnavailableError:
            return unavailable(request, person)
        context = {
            "centre": found,
            "budget": budget,
            "subsidies": subsidies,
            "bookings": bookings,
            "year": year,
        }
        return web.page(request, person, "centre.html", context)

    return router
