"""Vandaag (open conflicts, live), one conflict whole, and accepting a conflict for operations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Header, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from dashboard.api.context import WebContext
from dashboard.api.security import CSRF_FIELD, ForbiddenError, check_csrf, require
from dashboard.i18n import N_
from dashboard.owners import OwnerRefusedError, OwnerUnavailableError
from dashboard.service import queries
from dashboard.service.live import Change
from werkplaats.organisations import OrganisationDirectory

SEVERITIES = ("high", "medium", "low")
ANNOUNCEMENTS = {
    "conflict.detected": N_("New conflict: %(rule)s, %(severity)s."),
    "conflict.acknowledged": N_("Conflict acknowledged: %(rule)s."),
    "conflict.resolved": N_("Conflict resolved: %(rule)s."),
}
CONFLICT_ID = r"^[A-Za-z0-9._:-]{1,80}$"


def render_change(web: WebContext, change: Change, language: str) -> dict[str, Any]:
    """What a live page receives for a change: the row's HTML in its language and an announcement."""
    row = change.conflict
    status = row.status if row is not None else "resolved"
    payload: dict[str, Any] = {"conflict_id": change.conflict_id, "status": status, "type": change.event_type}
    if row is None:
        return payload
    payload["severity"] = row.severity
    payload["html"] = web.templates.render(language, "_conflict_item.html", {"c": row})
    announcement = ANNOUNCEMENTS[change.event_type]
    payload["announce"] = web.templates.gettext(language, announcement) % {
        "rule": web.templates.label(language, "rule", row.rule),
        "severity": web.templates.label(language, "severity", row.severity).lower(),
    }
    return payload


def conflicts_router(web: WebContext, directory: OrganisationDirectory) -> APIRouter:
    """``/vandaag``, ``/live/conflicten``, ``/conflicten/{id}`` and accepting a conflict."""
    router = APIRouter()

    @router.get("/", include_in_schema=False)
    async def home() -> Response:
        return RedirectResponse("/vandaag", status_code=303)

    @router.get("/vandaag", response_class=HTMLResponse, include_in_schema=False)
    async def today(request: Request) -> Response:
        person = require(await web.person(request))
        async with web.database.sessions() as session:
            rows = await queries.open_conflicts(session, person)
        groups = {severity: [row for row in rows if row.severity == severity] for severity in SEVERITIES}
        return web.page(request, person, "today.html", {"groups": groups, "total": len(rows)})

    @router.get("/live/conflicten", include_in_schema=False)
    async def live(
        request: Request, last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None
    ) -> Response:
        person = require(await web.person(request))
        resume = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
        frames = web.live.stream(person, web.language(request), resume)
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(frames, media_type="text/event-stream", headers=headers)

    @router.get("/conflicten/{conflict_id}", response_class=HTMLResponse, include_in_schema=False)
    async def conflict(request: Request, conflict_id: str) -> Response:
        person = require(await web.person(request))
        return await _conflict_page(request, person, conflict_id)

    async def _conflict_page(
        request: Request, person: Any, conflict_id: str, *, error: str | None = None, status: int = 200
    ) -> Response:
        async with web.database.sessions() as session:
            view = await queries.conflict_view(session, conflict_id)
            if view is None:
                return web.page(request, person, "not_found.html", status=404)
            if not await queries.may_see_conflict(session, person, conflict_id):
                raise ForbiddenError
        contacts = {
            slug: (found.name, found.contact_email)
            for slug in view.row.organisations
            if (found := directory.get(slug)) is not None
        }
        context = {
            "view": view,
            "c": view.row,
            "contacts": contacts,
            "error": error,
            "accepted": request.query_params.get("geaccepteerd") == "1",
        }
        return web.page(request, person, "conflict.html", context, status=status)

    @router.post("/conflicten/{conflict_id}/accepteren", include_in_schema=False)
    async def acknowledge(
        request: Request,
        conflict_id: str,
        reason: Annotated[str, Form(max_length=1000)] = "",
        csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    ) -> Response:
        check_csrf(request, web.csrf, csrf_token)
        person = require(await web.person(request))
        if not person.is_operations:
            raise ForbiddenError
        reason = reason.strip()
        if not reason:
            message = web.text(request, "Give a reason: why is this conflict acceptable?")
            return await _conflict_page(request, person, conflict_id, error=message, status=422)
        try:
            await web.scheduling.acknowledge(conflict_id, f"{reason} ({person.username})")
        except OwnerRefusedError as refusal:
            message = web.text(request, "The scheduling service refused: %(reason)s") % {"reason": refusal}
            return await _conflict_page(request, person, conflict_id, error=message, status=refusal.status)
        except OwnerUnavailableError:
            message = web.text(request, "The scheduling service does not answer; try again in a moment.")
            return await _conflict_page(request, person, conflict_id, error=message, status=503)
        return RedirectResponse(f"/conflicten/{conflict_id}?geaccepteerd=1", status_code=303)

    return router
