"""Drafts: a planner describes an activity and sees, before publishing, what it would clash with."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from dashboard.api.context import WebContext
from dashboard.api.rendering import AMSTERDAM
from dashboard.api.security import CSRF_FIELD, check_csrf, require
from dashboard.domain import buurten, wijken
from dashboard.labels import KINDS, TARGET_GROUPS
from dashboard.owners import OwnerRefusedError, OwnerUnavailableError

FIELD_OF_PROBLEM = {
    "title": "title",
    "kind": "kind",
    "starts_at": "date",
    "ends_at": "end",
    "neighbourhoods": "neighbourhoods",
    "target_groups": "target_groups",
    "venue": "venue_id",
    "recurrence": "recurrence",
}


class DraftForm:
    """The draft form's values, what is wrong with them, and the activity they describe."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.problems: dict[str, str] = {}

    @classmethod
    async def read(cls, request: Request) -> DraftForm:
        """The submitted form."""
        form = await request.form()
        values: dict[str, Any] = {
            name: str(form.get(name, "")).strip()[:300]
            for name in ("title", "kind", "date", "start", "end", "venue_id", "room", "address", "recurrence")
        }
        values["neighbourhoods"] = [str(v) for v in form.getlist("neighbourhoods")][:20]
        values["target_groups"] = [str(v) for v in form.getlist("target_groups")][:8]
        values[CSRF_FIELD] = str(form.get(CSRF_FIELD, ""))
        return cls(values)

    def draft(self, problem: Any) -> dict[str, Any] | None:
        """The activity as the scheduling service checks it, or None when a field is unusable."""
        v = self.values
        for name in ("title", "kind", "date", "start", "end"):
            if not v[name]:
                self.problems[name] = problem("Fill this in.")
        if not v["neighbourhoods"]:
            self.problems["neighbourhoods"] = problem("Choose at least one wijk or buurt.")
        starts = ends = None
        try:
            day = date.fromisoformat(v["date"]) if v["date"] else None
            if day and v["start"] and v["end"]:
                starts = datetime.combine(day, time.fromisoformat(v["start"]), tzinfo=AMSTERDAM)
                ends = datetime.combine(day, time.fromisoformat(v["end"]), tzinfo=AMSTERDAM)
                if ends <= starts:
                    self.problems["end"] = problem("The end must be after the start.")
        except ValueError:
            self.problems["date"] = problem("Give a date as yyyy-mm-dd and times as hh:mm.")
        if self.problems or starts is None or ends is None:
            return None
        venue: dict[str, Any] | None = None
        if v["venue_id"]:
            venue = {"venue_id": v["venue_id"], **({"room": v["room"]} if v["room"] else {})}
        elif v["address"]:
            venue = {"address": v["address"]}
        return {
            "activity_id": f"concept-{secrets.token_hex(6)}",
            "title": v["title"],
            "kind": v["kind"],
            "starts_at": starts.isoformat(),
            "ends_at": ends.isoformat(),
            "recurrence": v["recurrence"] or None,
            "neighbourhoods": v["neighbourhoods"],
            "venue": venue,
            "target_groups": v["target_groups"],
        }

    def take_refusal(self, refusal: OwnerRefusedError) -> None:
        """Put the owning service's field problems next to the fields they concern."""
        for location, message in refusal.problems:
            parts = location.split(".")
            field = next((FIELD_OF_PROBLEM[p] for p in parts if p in FIELD_OF_PROBLEM), "title")
            self.problems.setdefault(field, message)
        if not refusal.problems:
            self.problems["title"] = str(refusal)


def drafts_router(web: WebContext) -> APIRouter:
    """``/concepten``: the form and its dry-run result."""
    router = APIRouter()

    def page(
        request: Request, person: Any, form: DraftForm, checked: list[dict[str, Any]] | None, **more: Any
    ) -> Response:
        context = {
            "form": form,
            "checked": checked,
            "kinds": list(KINDS),
            "groups": list(TARGET_GROUPS),
            "wijken": wijken(),
            "buurten": buurten(),
            **more,
        }
        status = 422 if form.problems else more.pop("status", 200)
        return web.page(request, person, "drafts.html", context, status=status)

    @router.get("/concepten", response_class=HTMLResponse, include_in_schema=False)
    async def drafts(request: Request) -> Response:
        person = require(await web.person(request))
        blank = {
            "kind": "consultation",
            "start": "19:30",
            "end": "21:30",
            "neighbourhoods": [],
            "target_groups": ["all_residents"],
        }
        return page(request, person, DraftForm(blank), None)

    @router.post("/concepten", response_class=HTMLResponse, include_in_schema=False)
    async def check(request: Request) -> Response:
        form = await DraftForm.read(request)
        check_csrf(request, web.csrf, form.values[CSRF_FIELD])
        person = require(await web.person(request))
        draft = form.draft(lambda message: web.text(request, message))
        if draft is None:
            return page(request, person, form, None)
        try:
            conflicts, advice = await web.scheduling.check(draft)
        except OwnerRefusedError as refusal:
            form.take_refusal(refusal)
            return page(request, person, form, None)
        except OwnerUnavailableError:
            message = web.text(request, "The scheduling service does not answer; try again in a moment.")
            return page(request, person, form, None, unavailable=message, status=503)
        return page(request, person, form, conflicts, advice=advice)

    return router
