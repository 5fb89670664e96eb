"""Outcome reports: an organiser sees the reports it owes and files one; operations see overdue promises.

Read from and sent to the reach service server-side, with the dashboard's operations key acting for the
signed-in person's organisation. Reports carry counts and methods only: free text with an e-mail address
or a phone number is refused next to its field before anything is sent.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contracts.activities import ACTIVITY_ID_PATTERN
from contracts.reach import personal_data_in
from dashboard.api.context import WebContext
from dashboard.api.security import CSRF_FIELD, ForbiddenError, check_csrf, require
from dashboard.domain import Person
from dashboard.i18n import N_
from dashboard.labels import METHODS
from dashboard.owners import OwnerRefusedError, OwnerUnavailableError

FIELD_OF_PROBLEM = {
    "attendance": "attendance",
    "reach_methods": "reach_methods",
    "languages": "languages",
    "attendee_languages": "attendee_languages",
    "input_summary": "input_summary",
    "action": "follow_up_action",
    "residents_hear_back_by": "hear_back_by",
    "follow_up": "follow_up_action",
    "occurrence_start": "attendance",
}
FOUND = {"an e-mail address": N_("an e-mail address"), "a phone number": N_("a phone number")}
FLAGS = ("interpreter", "childcare", "accessible")
TEXTS = ("attendance", "languages", "attendee_languages", "input_summary", "follow_up_action", "hear_back_by")


class ReportForm:
    """The report form's values, what is wrong with them, and the report they describe."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.problems: dict[str, str] = {}

    @classmethod
    def blank(cls, activity_id: str, occurrence: str) -> ReportForm:
        """An empty form for one occurrence."""
        return cls(
            {"activity_id": activity_id, "occurrence": occurrence, "languages": "nl", "reach_methods": []}
        )

    @classmethod
    async def read(cls, request: Request) -> ReportForm:
        """The submitted form."""
        form = await request.form()
        values: dict[str, Any] = {
            name: str(form.get(name, "")).strip()[:2000]
            for name in ("activity_id", "occurrence", *TEXTS, CSRF_FIELD)
        }
        values["reach_methods"] = [str(v) for v in form.getlist("reach_methods") if str(v) in METHODS]
        for flag in FLAGS:
            values[flag] = form.get(flag) == "on"
        return cls(values)

    def report(self, problem: Any) -> dict[str, Any] | None:
        """The report as the reach service takes it, or None when a field is unusable."""
        v = self.values
        if not re.fullmatch(r"\d{1,6}", v["attendance"]):
            self.problems["attendance"] = problem("Give the number of residents who came (0 or more).")
        for name in ("input_summary", "follow_up_action"):
            found = personal_data_in(v[name]) if v[name] else None
            if found is not None:
                self.problems[name] = problem(
                    "This contains %(what)s. Reports carry no personal data: describe the input without "
                    "names or contact details."
                ) % {"what": problem(FOUND[found])}
        if bool(v["follow_up_action"]) != bool(v["hear_back_by"]):
            missing = "hear_back_by" if v["follow_up_action"] else "follow_up_action"
            self.problems[missing] = problem("Say both what will be done with the input and by when.")
        languages = _codes(v["languages"]) or ["nl"]
        spoken = _codes(v["attendee_languages"])
        for name, codes in (("languages", languages), ("attendee_languages", spoken)):
            if any(not re.fullmatch(r"[a-z]{2}", code) for code in codes):
                self.problems[name] = problem(
                    "Give two-letter language codes separated by commas, e.g. nl, tr, ar."
                )
        if self.problems:
            return None
        report: dict[str, Any] = {
            "occurrence_start": v["occurrence"],
            "attendance": int(v["attendance"]),
            "reach_methods": v["reach_methods"],
            "languages": languages,
            "attendee_languages": spoken,
            "input_summary": v["input_summary"] or None,
            **{flag: v[flag] for flag in FLAGS},
        }
        if v["follow_up_action"]:
            report["follow_up"] = {
                "action": v["follow_up_action"],
                "residents_hear_back_by": v["hear_back_by"],
            }
        return report

    def take_refusal(self, refusal: OwnerRefusedError) -> None:
        """Put the reach service's field problems next to the fields they concern."""
        for location, message in refusal.problems:
            parts = location.split(".")
            field = next(
                (FIELD_OF_PROBLEM[p] for p in reversed(parts) if p in FIELD_OF_PROBLEM), "attendance"
            )
            self.problems.setdefault(field, message)
        if not refusal.problems:
            self.problems["attendance"] = str(refusal)


def _codes(text: str) -> list[str]:
    return [code.strip().lower() for code in text.split(",") if code.strip()]


def reports_router(web: WebContext) -> APIRouter:
    """``/verslagen`` (an organiser's due reports and the form) and ``/beloften`` (operations)."""
    router = APIRouter()

    def organiser(person: Person) -> str:
        if person.organisation is None:
            raise ForbiddenError
        return person.organisation

    async def owed(request: Request, organisation: str) -> tuple[list[dict[str, Any]], str | None]:
        try:
            return await web.reach.due(organisation), None
        except (OwnerRefusedError, OwnerUnavailableError):
            return [], web.text(request, "The reach service does not answer; try again in a moment.")

    @router.get("/verslagen", response_class=HTMLResponse, include_in_schema=False)
    async def reports(
        request: Request, ingediend: Annotated[str | None, Query(max_length=100)] = None
    ) -> Response:
        person = require(await web.person(request))
        if person.organisation is None:
            return web.page(request, person, "reports.html", {"due": [], "no_organisation": True})
        due, unavailable = await owed(request, person.organisation)
        context = {"due": due, "filed": ingediend, "unavailable": unavailable}
        return web.page(request, person, "reports.html", context, status=503 if unavailable else 200)

    def form_page(
        request: Request, person: Person, form: ReportForm, status: int = 200, **more: Any
    ) -> Response:
        context = {"form": form, "methods": list(METHODS), **more}
        return web.page(request, person, "report.html", context, status=422 if form.problems else status)

    @router.get("/verslagen/nieuw", response_class=HTMLResponse, include_in_schema=False)
    async def new_report(
        request: Request,
        activiteit: Annotated[str, Query(pattern=ACTIVITY_ID_PATTERN)],
        moment: Annotated[datetime, Query()],
    ) -> Response:
        person = require(await web.person(request))
        organisation = organiser(person)
        due, _ = await owed(request, organisation)
        title = next((item["title"] for item in due if item["activity_id"] == activiteit), activiteit)
        form = ReportForm.blank(activiteit, moment.isoformat())
        return form_page(request, person, form, title=title)

    @router.post("/verslagen/nieuw", response_class=HTMLResponse, include_in_schema=False)
    async def file_report(request: Request) -> Response:
        form = await ReportForm.read(request)
        check_csrf(request, web.csrf, form.values[CSRF_FIELD])
        person = require(await web.person(request))
        organisation = organiser(person)
        activity_id = form.values["activity_id"]
        if not re.fullmatch(ACTIVITY_ID_PATTERN, activity_id):
            raise ForbiddenError
        title = activity_id
        report = form.report(lambda message: web.text(request, message))
        if report is None:
            return form_page(request, person, form, title=title)
        try:
            await web.reach.report(organisation, activity_id, report)
        except OwnerRefusedError as refusal:
            form.take_refusal(refusal)
            return form_page(request, person, form, title=title)
        except OwnerUnavailableError:
            message = web.text(request, "The reach service does not answer; try again in a moment.")
            return form_page(request, person, form, status=503, title=title, unavailable=message)
        return RedirectResponse(f"/verslagen?ingediend={quote(activity_id)}", status_code=303)

    @router.get("/beloften", response_class=HTMLResponse, include_in_schema=False)
    async def promises(request: Request) -> Response:
        person = require(await web.person(request))
        if not person.is_operations:
            raise ForbiddenError
        try:
            overdue, unavailable = await web.reach.overdue(), None
        except (OwnerRefusedError, OwnerUnavailableError):
            overdue = []
            unavailable = web.text(request, "The reach service does not answer; try again in a moment.")
        context = {"overdue": overdue, "unavailable": unavailable, "today": date.today()}
        return web.page(request, person, "promises.html", context, status=503 if unavailable else 200)

    return router
