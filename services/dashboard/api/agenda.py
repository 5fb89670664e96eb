"""The agenda per wijk, as a week or a month, filtered, conflicts marked; and its ``.ics`` feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from dashboard.api.context import WebContext
from dashboard.api.rendering import AMSTERDAM
from dashboard.api.security import require
from dashboard.calendar_feed import calendar_of
from dashboard.domain import AgendaFilter, Period, wijken
from dashboard.labels import KINDS, TARGET_GROUPS
from dashboard.service import queries
from dashboard.service.queries import AgendaEntry
from dashboard.store import AccountRow

FEED_PAST = timedelta(days=31)
FEED_AHEAD = timedelta(days=366)


def bounds(period: Period) -> tuple[datetime, datetime]:
    """The period as UTC instants (its days are Dutch local days)."""
    return _instant(period.first), _instant(period.after_last)


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM).astimezone(UTC)


def _parse_day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else datetime.now(AMSTERDAM).date()
    except ValueError:
        return datetime.now(AMSTERDAM).date()


def _choice(value: str | None, allowed: object) -> str | None:
    return value if value and value in allowed else None  # type: ignore[operator]


def agenda_router(web: WebContext) -> APIRouter:
    """``/agenda`` and ``/agenda.ics``."""
    router = APIRouter()

    def wanted_of(request: Request, organisations: list[str] | None = None) -> AgendaFilter:
        params = request.query_params
        known = wijken()
        requested = params.get("wijk")
        wijk = requested if requested in known else next(iter(known))
        organisation = params.get("organisatie") or None
        if organisations is not None and organisation not in organisations:
            organisation = None
        return AgendaFilter(
            wijk=wijk,
            organisation=organisation,
            kind=_choice(params.get("soort"), KINDS),
            group=_choice(params.get("groep"), TARGET_GROUPS),
        )

    @router.get("/agenda", response_class=HTMLResponse, include_in_schema=False)
    async def agenda(request: Request) -> Response:
        person = require(await web.person(request))
        view = "maand" if request.query_params.get("weergave") == "maand" else "week"
        period = Period.around(view, _parse_day(request.query_params.get("datum")))
        async with web.database.sessions() as session:
            organisations = await queries.organisations(session)
            wanted = wanted_of(request, organisations)
            entries = await queries.agenda(session, wanted, *bounds(period))
        by_day: dict[date, list[AgendaEntry]] = {}
        for entry in entries:
            by_day.setdefault(entry.starts_at.astimezone(AMSTERDAM).date(), []).append(entry)
        filters = wanted.query()
        feed = "/agenda.ics?" + urlencode({"sleutel": web.links.sign(person.account_id), **filters})
        context = {
            "period": period,
            "wanted": wanted,
            "by_day": by_day,
            "entries": entries,
            "organisations": organisations,
            "kinds": list(KINDS),
            "groups": list(TARGET_GROUPS),
            "wijken": wijken(),
            "feed": feed,
            "link": lambda **changes: "/agenda?" + urlencode({**filters, "weergave": period.view, **changes}),
            "conflicts": sum(1 for entry in entries if entry.conflict_ids),
        }
        return web.page(request, person, "agenda.html", context)

    @router.get("/agenda.ics", include_in_schema=False)
    async def feed(request: Request, sleutel: str = "") -> Response:
        account_id = web.links.account_of(sleutel)
        async with web.database.sessions() as session:
            account = await session.get(AccountRow, account_id) if account_id else None
            if account is None or account.disabled:
                raise HTTPException(404, "no such calendar")
            wanted = wanted_of(request)
            now = datetime.now(UTC)
            entries = await queries.agenda(session, wanted, now - FEED_PAST, now + FEED_AHEAD)
        name = f"Werkplaats — {wijken()[wanted.wijk]}"
        return Response(calendar_of(entries, name=name), media_type="text/calendar; charset=utf-8")

    return router
