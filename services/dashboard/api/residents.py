"""The residents' page: submit an initiative, in plain language, without an account and without JavaScript.

The form goes server-side to the initiatives service's public endpoint; personal data is sent there
once and never kept, logged or published by the dashboard.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from dashboard.api.context import WebContext
from dashboard.api.security import CSRF_FIELD, check_csrf
from dashboard.domain import buurten, wijken
from dashboard.owners import OwnerRefusedError, OwnerUnavailableError

HELP_KINDS = ("advice", "hands_on", "room", "money", "promotion", "volunteers")
FIELDS = ("title", "description", "area", "help_wanted", "name", "email", "phone", "for_whom")
FIELD_OF_PROBLEM = {
    "title": "title",
    "description": "description",
    "neighbourhoods": "area",
    "help_wanted": "help_wanted",
    "name": "name",
    "email": "email",
    "phone": "phone",
    "initiator": "email",
    "for_whom": "for_whom",
}


def submission_of(values: dict[str, Any], language: str) -> dict[str, Any]:
    """The initiatives service's submission from the form's values."""
    return {
        "title": values["title"],
        "description": values["description"],
        "neighbourhoods": [values["area"]] if values["area"] else [],
        "scale": "wijk" if values["area"].startswith("WK") else "buurt",
        "for_whom": values["for_whom"] or None,
        "help_wanted": values["help_wanted"],
        "initiator": {
            "name": values["name"],
            "email": values["email"] or None,
            "phone": values["phone"] or None,
        },
        "language": language,
    }


def residents_router(web: WebContext) -> APIRouter:
    """``/meedoen``: the public submission form and its confirmation."""
    router = APIRouter()

    def page(request: Request, values: dict[str, Any], problems: dict[str, str], **more: Any) -> Response:
        context = {"values": values, "problems": problems, "wijken": wijken(), "buurten": buurten(), **more}
        status = more.pop("status", 422 if problems else 200)
        return web.page(request, None, "submit.html", context, status=status)

    @router.get("/meedoen", response_class=HTMLResponse, include_in_schema=False)
    async def form(request: Request) -> Response:
        return page(request, {"help_wanted": []}, {})

    @router.post("/meedoen", response_class=HTMLResponse, include_in_schema=False)
    async def submit(request: Request) -> Response:
        form = await request.form()
        check_csrf(request, web.csrf, str(form.get(CSRF_FIELD, "")))
        values: dict[str, Any] = {name: str(form.get(name, "")).strip()[:4000] for name in FIELDS}
        values["help_wanted"] = [str(kind) for kind in form.getlist("help_wanted") if kind in HELP_KINDS]
        try:
            answer = await web.initiatives.call(
                "POST", "/v1/submissions", json=submission_of(values, web.language(request))
            )
        except OwnerRefusedError as refusal:
            problems: dict[str, str] = {}
            for location, message in refusal.problems:
                parts = location.split(".")
                field = next((FIELD_OF_PROBLEM[p] for p in reversed(parts) if p in FIELD_OF_PROBLEM), "title")
                problems.setdefault(field, message)
            return page(request, values, problems or {"title": str(refusal)})
        except OwnerUnavailableError:
            message = web.text(request, "We cannot take your idea right now. Please try again later.")
            return page(request, values, {}, unavailable=message, status=503)
        return web.page(request, None, "submitted.html", {"answer": answer}, status=201)

    return router
