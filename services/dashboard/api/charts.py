"""Charts where people would rather look than read: conflicts per week and wijk, evenings per wijk.

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
from dashboard.api.context import WebContext
from dashboard.api.rendering import AMSTERDAM
from dashboard.api.security import require
from dashboard.domain import wijken
from dashboard.store import ActivityRow, ConflictRow, OccurrenceRow

EVENING_HOUR = 17
WEEKS = 8
MONTHS = 6


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
        context = {
            "names": names,
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
