"""Initiatives for staff: the pipeline with overdue first contacts first, builders' load, one initiative.

Read server-side from the initiatives service with the dashboard's operations key; lists carry no
contact data. Coordinators do not see this page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from contracts.initiatives import InitiativeStatus
from dashboard.api.context import WebContext
from dashboard.api.security import ForbiddenError, require
from dashboard.domain import Role, wijken
from dashboard.i18n import N_
from dashboard.owners import OwnerRefusedError, OwnerUnavailableError

InitiativeId = Path(pattern=r"^INI-[A-Z0-9]{4}-[A-Z0-9]{4}$")

STATUS_LABELS = {
    InitiativeStatus.SUBMITTED: N_("Submitted"),
    InitiativeStatus.IN_INTAKE: N_("In intake"),
    InitiativeStatus.SUPPORTED: N_("Supported"),
    InitiativeStatus.RUNNING: N_("Running"),
    InitiativeStatus.COMPLETED: N_("Completed"),
    InitiativeStatus.DECLINED: N_("Declined"),
    InitiativeStatus.WITHDRAWN: N_("Withdrawn"),
    InitiativeStatus.MERGED: N_("Merged"),
}

SUPPORT_LABELS = {
    "first_contact": N_("First contact"),
    "advice": N_("Advice"),
    "hands_on": N_("Hands-on help"),
    "referral": N_("Referral"),
}
MISSING_LABELS = {
    "legal_entity": N_("a legal entity"),
    "public_activity": N_("a public activity"),
    "one_off": N_("a one-off activity"),
    "area": N_("the right area"),
    "audience_over_55": N_("an audience over 55"),
    "participants": N_("enough participants"),
    "meetings": N_("enough meetings"),
    "budget": N_("a budget within the limits"),
}


def pipeline(initiatives: list[dict[str, Any]]) -> list[tuple[InitiativeStatus, list[dict[str, Any]]]]:
    """The initiatives per status in lifecycle order; overdue first contacts first within a status."""
    grouped: list[tuple[InitiativeStatus, list[dict[str, Any]]]] = []
    for status in InitiativeStatus:
        members = [item for item in initiatives if item.get("status") == status.value]
        members.sort(key=lambda item: (not item.get("overdue"), str(item.get("submitted_at"))))
        grouped.append((status, members))
    return grouped


def initiatives_router(web: WebContext) -> APIRouter:
    """``/initiatieven``."""
    router = APIRouter()

    @router.get("/initiatieven", response_class=HTMLResponse, include_in_schema=False)
    async def overview(request: Request) -> Response:
        person = require(await web.person(request))
        if person.role is Role.COORDINATOR:
            raise ForbiddenError
        try:
            listed = await web.initiatives.call("GET", "/v1/initiatives", params={"limit": 1000})
            builders = await web.initiatives.call("GET", "/v1/builders")
        except OwnerUnavailableError:
            message = web.text(request, "The initiatives service does not answer; try again in a moment.")
            context = {"unavailable": message, "groups": [], "builders": [], "overdue": 0}
            return web.page(request, person, "initiatives.html", context, status=503)
        context = {
            "groups": pipeline(listed),
            "labels": STATUS_LABELS,
            "builders": builders,
            "names": wijken(),
            "overdue": sum(1 for item in listed if item.get("overdue")),
        }
        return web.page(request, person, "initiatives.html", context)

    @router.get("/initiatieven/{initiative_id}", response_class=HTMLResponse, include_in_schema=False)
    async def initiative(request: Request, initiative_id: str = InitiativeId) -> Response:
        person = require(await web.person(request))
        if person.role is Role.COORDINATOR:
            raise ForbiddenError
        try:
            found = await web.initiatives.call("GET", f"/v1/initiatives/{initiative_id}")
        except OwnerRefusedError:
            return web.page(request, person, "not_found.html", status=404)
        except OwnerUnavailableError:
            message = web.text(request, "The initiatives service does not answer; try again in a moment.")
            context = {"unavailable": message, "groups": [], "builders": [], "overdue": 0}
            return web.page(request, person, "initiatives.html", context, status=503)
        context = {
            "item": found,
            "labels": STATUS_LABELS,
            "support_labels": SUPPORT_LABELS,
            "missing_labels": MISSING_LABELS,
            "names": wijken(),
        }
        return web.page(request, person, "initiative.html", context)

    return router
