"""The public participation report per wijk: past consultations and what was done with residents' input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import HTMLResponse

from contracts import ActivityReported
from reach.domain import AMSTERDAM, PlannedActivity, utc_key
from reach.store import SqlReachUnitOfWork
from werkplaats.db import Database

WIJKEN = {
    "WK051833": "Bouwlust en Vrederust",
    "WK051834": "Morgenstond",
    "WK051835": "Zuiderpark",
    "WK051836": "Moerwijk",
}
LOOK_BACK = timedelta(days=400)
KIND_NL = {
    "consultation": "Inspraakavond",
    "information_meeting": "Informatiebijeenkomst",
    "residents_meeting": "Bewonersbijeenkomst",
    "workshop": "Werkatelier",
    "walk": "Wijkschouw",
}

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;line-height:1.5;"
    "color:#1a1a1a}table{border-collapse:collapse;width:100%}"
    "th,td{border:1px solid #767676;padding:.4rem;text-align:left;vertical-align:top}"
    "caption{text-align:left;font-weight:bold}"
)
INTRODUCTION = (
    "Welke bijeenkomsten partijen in deze wijk hielden, hoeveel bewoners kwamen, wat er met hun inbreng "
    "gebeurt en wanneer zij daarover horen, zoals de Inspraak- en Participatieverordening Den Haag vraagt."
)


@dataclass(frozen=True)
class Consultation:
    """One past occurrence of a participation activity in the wijk, with its report if there is one."""

    activity: PlannedActivity
    starts_at: datetime
    report: ActivityReported | None


def consultations(
    activities: list[PlannedActivity], reports: dict[tuple[str, str, str], ActivityReported], now: datetime
) -> list[Consultation]:
    """Past occurrences of participation activities, newest first."""
    found = [
        Consultation(
            activity,
            occurrence.starts_at,
            reports.get((activity.organisation, activity.activity_id, utc_key(occurrence.starts_at))),
        )
        for activity in activities
        if activity.is_participation and not activity.withdrawn
        for occurrence in activity.occurrences(now)
        if occurrence.ends_at <= now and occurrence.starts_at >= now - LOOK_BACK
    ]
    return sorted(found, key=lambda c: c.starts_at, reverse=True)


def _status(report: ActivityReported | None, today: date) -> str:
    if report is None:
        return "Nog geen verslag van de organisator."
    if report.follow_up_done is not None:
        done = report.follow_up_done
        return f"Teruggekoppeld op {_day(done.on)}: {escape(done.summary)}"
    if report.follow_up is None:
        return "Geen terugkoppeling toegezegd."
    by = report.follow_up.residents_hear_back_by
    if by < today:
        return f"<strong>Terugkoppeling te laat</strong> (beloofd uiterlijk {_day(by)})."
    return f"Bewoners horen uiterlijk {_day(by)} wat ermee gebeurt."


def _day(day: date) -> str:
    months = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ]
    return f"{day.day} {months[day.month - 1]} {day.year}"


def render(wijk: str, items: list[Consultation], names: dict[str, str], today: date) -> str:
    """The page as HTML (Dutch, every text escaped)."""
    name = escape(WIJKEN.get(wijk, wijk))
    rows = []
    for item in items:
        report = item.report
        start = item.starts_at.astimezone(AMSTERDAM)
        promise = escape(report.follow_up.action) if report and report.follow_up else "—"
        rows.append(
            "<tr>"
            f'<td><time datetime="{start.isoformat()}">{_day(start.date())}, {start:%H:%M}</time></td>'
            f"<td>{escape(KIND_NL.get(item.activity.kind.value, item.activity.kind.value))}: "
            f"{escape(item.activity.title)}</td>"
            f"<td>{escape(names.get(item.activity.organisation, item.activity.organisation))}</td>"
            f"<td>{report.attendance if report else '—'}</td>"
            f"<td>{promise}</td>"
            f"<td>{_status(report, today)}</td>"
            "</tr>"
        )
    body = (
        "<table><caption>Inspraak en participatie in de afgelopen periode</caption>"
        "<thead><tr><th scope='col'>Wanneer</th><th scope='col'>Wat</th><th scope='col'>Organisator</th>"
        "<th scope='col'>Aanwezigen</th><th scope='col'>Wat er met de inbreng gebeurt</th>"
        "<th scope='col'>Terugkoppeling</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        if rows
        else "<p>Er zijn nog geen inspraak- of participatiebijeenkomsten in deze wijk geweest.</p>"
    )
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Participatieverslag {name}</title>"
        f"<style>{STYLE}</style>"
        f"</head><body><main><h1>Participatieverslag {name}</h1>"
        f"<p>{INTRODUCTION}</p>"
        f"{body}</main></body></html>"
    )


def pages_router(database: Database, names: Callable[[], dict[str, str]]) -> APIRouter:
    """``/wijken/{wijk}``: the public participation report (no login)."""
    router = APIRouter(tags=["participation report"])

    @router.get(
        "/wijken/{wijk}",
        response_class=HTMLResponse,
        summary="Public participation report of a wijk (HTML, no login)",
    )
    async def wijk_page(wijk: Annotated[str, Path(pattern=r"^WK\d{6}$")]) -> HTMLResponse:
        now = datetime.now(UTC)
        async with database.unit_of_work(SqlReachUnitOfWork) as unit:
            activities = await unit.activities.in_wijk(wijk)
            if not activities and wijk not in WIJKEN:
                raise HTTPException(404, f"no activities known in wijk {wijk}")
            reports = {
                (activity.organisation, activity.activity_id, utc_key(report.occurrence_start)): report
                for activity, report in await unit.reports.reported()
                if wijk in activity.wijken
            }
        today = now.astimezone(AMSTERDAM).date()
        return HTMLResponse(render(wijk, consultations(activities, reports, now), names(), today))

    return router
