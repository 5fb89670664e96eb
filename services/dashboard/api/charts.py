"""Charts where people would rather look than read: conflicts, evenings per wijk, time to first contact.

Each chart is a server-drawn SVG with the same figures in a table beside it (screen readers and
people who prefer numbers read the table; the chart is marked as an image with a text alternative).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from contracts.activities import PARTICIPATION_KINDS
from contracts.initiatives import InitiativeStatus
from dashboard.api.context import WebContext
from dashboard.api.rendering import AMSTERDAM
from dashboard.api.security import require
from dashboard.domain import wijken
from dashboard.i18n import N_
from dashboard.owners import OwnerError
from dashboard.store import ActivityRow, ConflictRow, OccurrenceRow

EVENING_HOUR = 17
WEEKS = 8
MONTHS = 6
CONTACT_BANDS = (
    (1, N_("0 to 1 days")),
    (5, N_("2 to 5 days")),
    (10, N_("6 to 10 days")),
    (None, N_("more than 10 days")),
)
"""Upper bounds (whole days, inclusive) of the bands of time from submission to first contact."""
NOT_YET = N_("not contacted yet")


def charts_router(web: WebContext) -> APIRouter:
    """``/grafieken``."""
    router = APIRouter()

    @router.get("/grafieken", response_class=HTMLResponse, include_in_schema=False)
    async def charts(request: Request) -> Response:
        person = require(await web.person(request))
        now = datetime.now(UTC)
        async with web.database.sessions() as session:
            conflicts = list(
                await session.execute(
                    select(ConflictRow.starts_at, ConflictRow.wijken).where(
                        ConflictRow.starts_at >= now - timedelta(weeks=2),
                        ConflictRow.starts_at < now + timedelta(weeks=WEEKS),
                    )
                )
            )
            evenings = list(
                await session.execute(
                    select(OccurrenceRow.starts_at, ActivityRow.wijken, ActivityRow.kind)
                    .join(
                        ActivityRow,
                        (ActivityRow.organisation == OccurrenceRow.organisation)
                        & (ActivityRow.activity_id == OccurrenceRow.activity_id),
                    )
                    .where(
                        OccurrenceRow.starts_at >= now,
                        OccurrenceRow.starts_at < now + timedelta(days=31 * MONTHS),
                    )
                )
            )
        names = wijken()
        per_week: Counter[tuple[str, str]] = Counter()
        for starts_at, codes in conflicts:
            week = _local(starts_at).strftime("%G-W%V")
            for wijk in codes:
                if wijk in names:
                    per_week[(week, wijk)] += 1
        per_month: Counter[tuple[str, str]] = Counter()
        for starts_at, codes, kind in evenings:
            local = _local(starts_at)
            if kind in PARTICIPATION_KINDS and local.hour >= EVENING_HOUR:
                for wijk in codes:
                    if wijk in names:
                        per_month[(local.strftime("%Y-%m"), wijk)] += 1
        try:
            listed = await web.initiatives.call("GET", "/v1/initiatives", params={"limit": 1000})
        except OwnerError:
            listed = None
        bands = [web.text(request, label) for _, label in CONTACT_BANDS] + [web.text(request, NOT_YET)]
        context = {
            "names": names,
            "contact_bands": bands,
            "per_band": None if listed is None else contact_times(listed, bands, names),
            "weeks": sorted({week for week, _ in per_week}),
            "per_week": per_week,
            "months": sorted({month for month, _ in per_month}),
            "per_month": per_month,
        }
        return web.page(request, person, "charts.html", context)

    return router


def _local(moment: datetime) -> datetime:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(AMSTERDAM)


def contact_times(
    initiatives: list[dict[str, object]], bands: list[str], names: dict[str, str]
) -> Counter[tuple[str, str]]:
    """Initiatives per band of days from submission to first contact, and per wijk."""
    per_band: Counter[tuple[str, str]] = Counter()
    for initiative in initiatives:
        wijk = str(initiative.get("wijk"))
        if wijk not in names:
            continue
        contacted = initiative.get("first_contact_at")
        if not isinstance(contacted, str):
            if initiative.get("status") == InitiativeStatus.SUBMITTED:
                per_band[(bands[-1], wijk)] += 1
            continue
        submitted = datetime.fromisoformat(str(initiative["submitted_at"]))
        days = (datetime.fromisoformat(contacted) - submitted).total_seconds() / 86400
        band = next(index for index, (upper, _) in enumerate(CONTACT_BANDS) if upper is None or days <= upper)
        per_band[(bands[band], wijk)] += 1
    return per_band
