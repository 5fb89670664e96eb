"""The agenda per wijk, as a week or a month, filtered, conflicts marked; and its ``.ics`` feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from dashboard import queries
from dashboard.areas import WIJKEN
from dashboard.calendar_feed import calendar_of
from dashboard.labels import KINDS, TARGET_GROUPS
from dashboard.queries import AgendaEntry, AgendaFilter
from dashboard.store import AccountRow
from dashboard.web.context import WebContext
from dashboard.web.rendering import AMSTERDAM
from dashboard.web.security import require

FEED_PAST = timedelta(days=31)
FEED_AHEAD = timedelta(days=366)


@dataclass(frozen=True)
class Period:
    """A week (Monday to Sunday) or a calendar month, in Dutch local time."""

    view: str
    first: date
    after_last: date

    @classmethod
    def around(cls, view: str, day: date) -> Period:
        """The week or month containing ``day``."""
        if view == "maand":
            first = day.replace(day=1)
            following = (first + timedelta(days=32)).replace(day=1)
            return cls("maand", first, following)
        monday = day - timedelta(days=day.weekday())
        return cls("week", monday, monday + timedelta(days=7))

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as UTC instants."""
        return _instant(self.first), _instant(self.after_last)

    def previous(self) -> date:
        """A day of the period before."""
        return self.first - timedelta(days=1)

    def days(self) -> list[date]:
        """Every day of the period."""
        return [self.first + timedelta(days=n) for n in range((self.after_last - self.first).days)]

    def weeks(self) -> list[list[date | None]]:
        """The month as calendar rows of seven days (None outside the month)."""
        rows: list[list[date | None]] = []
        row: list[date | None] = [None] * self.first.weekday()
        for day in self.days():
            row.append(day)
            if len(row) == 7:
                rows.append(row)
                row = []
        if row:
            rows.append(row + [None] * (7 - len(row)))
        return rows


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
        requested = params.get("wijk")
        wijk = requested if requested in WIJKEN else next(iter(WIJKEN))
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
            entries = await queries.agenda(session, wanted, *period.bounds())
        by_day: dict[date, list[AgendaEntry]] = {}
        for entry in entries:
            by_day.setdefault(entry.starts_at.astimezone(AMSTERDAM).date(), []).append(entry)
        filters = _filter_query(wanted)
        feed = "/agenda.ics?" + urlencode({"sleutel": web.links.sign(person.account_id), **filters})
        context = {
            "period": period,
            "wanted": wanted,
            "by_day": by_day,
            "entries": entries,
            "organisations": organisations,
            "kinds": list(KINDS),
            "groups": list(TARGET_GROUPS),
            "wijken": WIJKEN,
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
        name = f"Werkplaats — {WIJKEN[wanted.wijk]}"
        return Response(calendar_of(entries, name=name), media_type="text/calendar; charset=utf-8")

    return router


def _filter_query(wanted: AgendaFilter) -> dict[str, str]:
    names = {"wijk": "wijk", "organisation": "organisatie", "kind": "soort", "group": "groep"}
    return {names[key]: value for key, value in wanted.query().items()}
